"""Publish the 2026-03 documents from legal/documents/ (the files are the reviewed source)
through legal.services.publish_documents, audited like every later version."""

from django.db import migrations

from legal.catalog import SPECS
from legal.services import publish_documents


def publish(apps, schema_editor):
    publish_documents(specs=[s for s in SPECS if s.version == "2026-03"], apps=apps)


class Migration(migrations.Migration):
    dependencies = [("legal", "0001_initial"), ("audit", "0001_initial")]

    operations = [migrations.RunPython(publish, migrations.RunPython.noop)]
