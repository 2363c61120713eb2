"""Roster entries get a district (issue 18): a district-wide roster of one district of several.

Existing entries were written when the installation held one district (the import refused district-wide
rosters with several): they get that district. With none or several districts they keep NULL, which means
"every district", the behaviour they were written under."""

import django.db.models.deletion
from django.db import migrations, models


def to_only_district(apps, schema_editor):
    District = apps.get_model("org", "District")
    RosterEntry = apps.get_model("categories", "RosterEntry")
    districts = list(District.objects.order_by("pk").values_list("pk", flat=True)[:2])
    if len(districts) == 1:
        RosterEntry.objects.filter(district__isnull=True).update(district_id=districts[0])


class Migration(migrations.Migration):

    dependencies = [
        ('categories', '0003_threshold_per_district'),
        ('org', '0002_tiers'),
    ]

    operations = [
        migrations.AddField(
            model_name='rosterentry',
            name='district',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.district', verbose_name='区县'),
        ),
        migrations.RunPython(to_only_district, migrations.RunPython.noop),
    ]
