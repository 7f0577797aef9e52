"""Load the scoring schemes the product ships (assessments/schemes.py)."""
from django.db import migrations


def load(apps, schema_editor):
    from assessments.schemes import DEFAULTS, SHIPPED_SCHEMES

    ScoringScheme = apps.get_model("assessments", "ScoringScheme")
    for data in SHIPPED_SCHEMES:
        values = {**DEFAULTS, **data}
        key = values.pop("key")
        ScoringScheme.objects.update_or_create(key=key, defaults=values)


def unload(apps, schema_editor):
    from assessments.schemes import SHIPPED_SCHEMES

    ScoringScheme = apps.get_model("assessments", "ScoringScheme")
    ScoringScheme.objects.filter(key__in=[s["key"] for s in SHIPPED_SCHEMES], assessments__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
