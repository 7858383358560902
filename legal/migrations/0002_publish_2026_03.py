"""Publish the 2026-03 documents from legal/documents/ (the files are the reviewed source)."""

from django.db import migrations

from legal.catalog import SPECS


def publish(apps, schema_editor):
    from legal.loader import publish as load

    load(apps.get_model("legal", "LegalDocument"), [s for s in SPECS if s.version == "2026-03"])


class Migration(migrations.Migration):
    dependencies = [("legal", "0001_initial")]

    operations = [migrations.RunPython(publish, migrations.RunPython.noop)]
