"""The default suggestion rules (npl/advice/defaults.py); rules already present (edited by the admin) are kept."""
from django.db import migrations


def load(apps, schema_editor):
    from npl.advice.defaults import RULES

    Rule = apps.get_model("advice", "SuggestionRule")
    for row in RULES:
        Rule.objects.get_or_create(code=row["code"], defaults={k: v for k, v in row.items() if k != "code"})


def unload(apps, schema_editor):
    from npl.advice.defaults import RULES

    Rule = apps.get_model("advice", "SuggestionRule")
    Rule.objects.filter(code__in=[r["code"] for r in RULES], states__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("advice", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
