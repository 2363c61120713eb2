"""The default points table of the rule baseline (officials change it in the admin)."""
from django.db import migrations

# A copy of baseline.DEFAULT_RULES as it stood: a migration must not change when the code does.
DEFAULTS = (
    ("recent_repayment", "近180天有还款", 5),
    ("promise_kept", "承诺已履行", 3),
    ("promise_open", "有未到期的还款承诺", 2),
    ("contact_made", "近期与借款人或家属有接触", 2),
    ("enforcing", "法院执行中", 1),
    ("mortgage", "有抵押物", 1),
    ("promise_broken", "有违约的还款承诺", -2),
    ("refused", "借款人拒绝还款", -2),
    ("hardship", "借款人称无还款能力", -1),
    ("unreachable", "上次催收未联系上", -2),
    ("lost_contact", "借款人无法联系", -4),
    ("deceased", "借款人已死亡", -4),
    ("imprisoned", "借款人在服刑", -4),
    ("no_action_180", "180天无催收", -2),
)


def load(apps, schema_editor):
    BaselineRule = apps.get_model("likelihood", "BaselineRule")
    for i, (code, reason, points) in enumerate(DEFAULTS, 1):
        BaselineRule.objects.get_or_create(code=code, defaults={"reason": reason, "points": points, "order": i})


def unload(apps, schema_editor):
    apps.get_model("likelihood", "BaselineRule").objects.filter(code__in=[c for c, _, _ in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("likelihood", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
