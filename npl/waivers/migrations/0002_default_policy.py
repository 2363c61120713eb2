"""The default ruler: 2026年第1版, in force from 2026-01-01, with a tier per category the seed names and a general one."""
import datetime as dt
from decimal import Decimal

from django.db import migrations

BY = dt.date(2026, 12, 31)
# (name, category, priority, penalty %, compound %, interest %, mode, max instalments, note)
TIERS = [
    ("特殊户（低保户）", "dibao", 50, 100, 100, 50, "lump_sum", 1, "低保户最大限度减免罚息、复利，合同利息减半"),
    ("特殊户（残疾人、脱贫人口、已移民）", "special_household", 40, 100, 100, 30, "lump_sum", 1, "特殊户最大限度减免罚息、复利"),
    ("借款人已死亡（继承人还款）", "deceased", 40, 100, 100, 50, "lump_sum", 1,
     "继承人在遗产实际价值范围内归还本金（民法典第1161条）"),
    ("借款人在服刑", "imprisoned", 30, 100, 100, 0, "instalments", 12, "服刑期间停息挂账，出狱后分期归还本金"),
    ("冒名顶替", "impersonated", 30, 100, 100, 100, "lump_sum", 1, "向实际用款人追偿本金，利息全免"),
    ("农合行职工", "bank_staff", 10, 50, 50, 0, "lump_sum", 1, "职工借名贷款从严，仅减免一半罚息、复利"),
    ("一般户", "", 0, 50, 50, 0, "lump_sum", 1, "任何贷款在期限前一次性归还全部本金"),
]


def load(apps, schema_editor):
    PolicyVersion = apps.get_model("waivers", "PolicyVersion")
    PolicyTier = apps.get_model("waivers", "PolicyTier")
    version, created = PolicyVersion.objects.get_or_create(
        name="2026年第1版",
        defaults={"effective_from": dt.date(2026, 1, 1), "branch_limit": Decimal("50000.00"),
                  "note": "减免金额5万元（含）以下由网点审批，以上由区金融办审批"},
    )
    if not created:
        return
    for name, category, priority, pen, comp, intr, mode, n, note in TIERS:
        PolicyTier.objects.create(version=version, name=name, category=category, priority=priority,
                                  penalty_share=Decimal(pen), compound_share=Decimal(comp), interest_share=Decimal(intr),
                                  mode=mode, repay_by=BY, max_instalments=n, note=note)


def unload(apps, schema_editor):
    PolicyVersion = apps.get_model("waivers", "PolicyVersion")
    PolicyVersion.objects.filter(name="2026年第1版", tiers__requests__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("waivers", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
