"""The default laggard rule: the last township in the ranking, or 5 points below the district's rate."""
import datetime as dt
from decimal import Decimal

from django.db import migrations


def load(apps, schema_editor):
    rule = apps.get_model("reports", "LaggardRule")
    if not rule.objects.exists():
        rule.objects.create(
            bottom_n=1, margin_points=Decimal("5.00"), valid_from=dt.date(2000, 1, 1),
            note="默认：排名末位1名，或清收率低于全区5个百分点以上",
        )


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
