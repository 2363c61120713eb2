"""Each stored clock keeps its loan's balance that day and whether it is settled: the home pages and the alert
page count from the clock rows alone (index-only), without the loans.

The rows stored before have neither yet: their completeness mark moves a day back, so readers compute until the
next full refresh (the daily sweep or `npl derive --only clocks`) fills the columns."""

from django.db import migrations, models


def withdraw_completeness(apps, schema_editor):
    # A day earlier rather than deleted: without any mark the next service's refresh would recompute every loan.
    import datetime as dt

    for mark in apps.get_model("core", "Setting").objects.filter(key="derived_complete:clocks"):
        mark.value = (dt.date.fromisoformat(mark.value) - dt.timedelta(days=1)).isoformat()
        mark.save(update_fields=["value"])


class Migration(migrations.Migration):

    dependencies = [
        ('collection', '0005_loanclock'),
        ('core', '0003_district_settings'),
        ('loans', '0003_search_indexes'),
        ('org', '0002_tiers'),
    ]

    operations = [
        migrations.AddField(
            model_name='loanclock',
            name='balance',
            field=models.DecimalField(decimal_places=2, max_digits=18, null=True, verbose_name='当日本金余额（元）'),
        ),
        migrations.AddField(
            model_name='loanclock',
            name='settled',
            field=models.BooleanField(default=False, verbose_name='已结清'),
        ),
        migrations.AddIndex(
            model_name='loanclock',
            index=models.Index(condition=models.Q(('balance__gt', 0)), fields=['status', 'township'], name='clock_status_town'),
        ),
        migrations.AddIndex(
            model_name='loanclock',
            index=models.Index(fields=['township', 'settled', 'status'], include=('enforcement_status', 'guarantee_alerts', 'claim_alerts', 'schedule_missing'), name='clock_alert_counts'),
        ),
        migrations.RunPython(withdraw_completeness, migrations.RunPython.noop),
    ]
