"""Partners created before allowed_categories existed get their type's allowance."""

from django.db import migrations


def fill(apps, schema_editor):
    from partners.types import TYPES_BY_CODE

    Partner = apps.get_model("partners", "Partner")
    for partner in Partner.objects.filter(allowed_categories=[]):
        type_def = TYPES_BY_CODE.get(partner.partner_type)
        if type_def is not None:
            partner.allowed_categories = list(type_def.allowance)
            partner.save(update_fields=["allowed_categories"])


class Migration(migrations.Migration):
    dependencies = [("partners", "0004_invitations")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
