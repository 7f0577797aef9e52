"""Load the scoring schemes the product ships (assessments/domain/schemes.py)."""
from django.db import migrations


def load(apps, schema_editor):
    # Imported when this step runs, not when Django loads the migration graph: a later change to the
    # module can then only affect databases that still need this step.
    from assessments.domain.schemes import load_shipped

    load_shipped(apps.get_model("assessments", "ScoringScheme"))


def unload(apps, schema_editor):
    # Imported when this step runs, not when Django loads the migration graph: a later change to the
    # module can then only affect databases that still need this step.
    from assessments.domain.schemes import SHIPPED_SCHEMES

    ScoringScheme = apps.get_model("assessments", "ScoringScheme")
    ScoringScheme.objects.filter(key__in=[s["key"] for s in SHIPPED_SCHEMES], assessments__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
