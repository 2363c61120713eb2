"""Campaign figures exactly as DOMAIN.md "Reporting conventions" defines them.

task       = loans of the campaign's scope that exist with a balance > 0 on the baseline day, less
             reductions (核减) approved on or before the as-of day;
task amount= their balances on the baseline day;
collected  = confirmed principal repaid by task loans after the baseline day and on or before the
             as-of day (count: task loans with any such principal; partial repayments included);
remaining  = task amount − collected amount; recovery rate = collected / task, percent, 2 places;
interest collected is shown beside, never inside; collected is split by channel.
Two SQL statements whatever the grouping: one over task loans, one over their repayments.
"""
import datetime as dt
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone

from npl.campaigns.models import Campaign, TaskReduction
from npl.categories.reports import scoped_loans
from npl.collection.choices import Channel
from npl.collection.models import Repayment
from npl.core.money import fmt_yuan, percent
from npl.loans.balances import BALANCE, aggregate_over, col, from_cents, sum_cents, with_balance
from npl.org.models import District

# A repayment dated on the baseline day is inside the baseline snapshot, so it is not collected by the
# campaign: the period starts the day after the baseline (decided by the sample set, see docs/categories.md).
COLLECTED_AFTER_BASELINE_EXCLUSIVE = True

GROUPS = {
    None: None,
    "township": "township_id",
    "community": "community_id",
    "responsible_person": "responsible_person_id",
}


def reduced_loan_ids(campaign: Campaign, as_of: dt.date):
    """Loans an approved reduction has taken out of the task on or before `as_of`."""
    return TaskReduction.objects.filter(
        campaign=campaign, status=TaskReduction.Status.APPROVED, decided_on__lte=as_of
    ).values("loan_id")


def task_loans(campaign: Campaign, as_of: dt.date | None = None, *, township=None, user=None):
    """The campaign's task loans on `as_of`, annotated with `balance` = their balance on the baseline."""
    as_of = as_of or timezone.localdate()
    qs = scoped_loans(township=township, user=user)
    if campaign.township_id:
        qs = qs.filter(township_id=campaign.township_id)
    qs = with_balance(qs, campaign.baseline).filter(**{f"{BALANCE}__gt": 0})
    return qs.exclude(pk__in=reduced_loan_ids(campaign, as_of))


def collected_repayments(campaign: Campaign, as_of: dt.date, task):
    """Confirmed repayments of the task loans inside the campaign's period."""
    after = Q(paid_on__gt=campaign.baseline) if COLLECTED_AFTER_BASELINE_EXCLUSIVE else Q(paid_on__gte=campaign.baseline)
    return Repayment.objects.filter(after, confirmed=True, paid_on__lte=as_of, loan_id__in=task.order_by().values("pk"))


def _figures(task_n: int, task_c, coll_n: int, coll_c, interest_c, channels: dict) -> dict:
    task_amount, collected = from_cents(task_c), from_cents(coll_c)
    return {
        "task_count": task_n or 0,
        "task_amount": task_amount,
        "collected_count": coll_n or 0,
        "collected_amount": collected,
        "remaining_amount": task_amount - collected,
        "interest_collected": from_cents(interest_c),
        "recovery_rate": percent(collected, task_amount),
        "collected_by_channel": channels,
    }


def campaign_figures(campaign: Campaign, as_of: dt.date | None = None, *, township=None, user=None, group=None) -> dict:
    """Figures (Decimals) for the whole scope (group=None → {None: figs}) or per township, community
    or responsible person (group key → figs; the key is the unit's id, None for loans without one)."""
    as_of = as_of or timezone.localdate()
    field = GROUPS[group]
    task = task_loans(campaign, as_of, township=township, user=user)
    g = {"g": F(field)} if field else {}
    loan_rows = aggregate_over(
        task.annotate(**g).values(*g, BALANCE),
        {"n": "COUNT(*)", "a": sum_cents(col(BALANCE))},
        group_by=["g"] if field else (),
    )
    rep = collected_repayments(campaign, as_of, task)
    rg = {"g": F(f"loan__{field}")} if field else {}
    channel_sums = {
        f"c_{c.value}": sum_cents(f"CASE WHEN {col('channel')} = '{c.value}' THEN {col('principal')} END")
        for c in Channel
    }
    rep_rows = aggregate_over(
        rep.annotate(**rg).values(*rg, "loan_id", "principal", "interest", "channel"),
        {
            "n": f"COUNT(DISTINCT CASE WHEN {col('principal')} > 0 THEN {col('loan_id')} END)",
            "p": sum_cents(col("principal")),
            "i": sum_cents(col("interest")),
            **channel_sums,
        },
        group_by=["g"] if field else (),
    )
    by_loan = {r.get("g"): r for r in loan_rows}
    by_rep = {r.get("g"): r for r in rep_rows}
    out = {}
    for key in by_loan.keys() | by_rep.keys():
        lr, rr = by_loan.get(key, {}), by_rep.get(key, {})
        channels = {c.value: from_cents(rr.get(f"c_{c.value}")) for c in Channel}
        out[key] = _figures(lr.get("n"), lr.get("a"), rr.get("n"), rr.get("p"), rr.get("i"), channels)
    if field is None and None not in out:
        out[None] = _figures(0, 0, 0, 0, 0, {c.value: Decimal("0.00") for c in Channel})
    return out


def as_json(figs: dict) -> dict:
    """Decimals → the INTAKE.md strings (amounts in 元 with 2 places, rate with 2 places)."""
    out = {}
    for k, v in figs.items():
        if k == "collected_by_channel":
            out[k] = {c: fmt_yuan(a) for c, a in v.items()}
        elif k == "recovery_rate":
            out[k] = f"{v:.2f}"
        elif isinstance(v, Decimal):
            out[k] = fmt_yuan(v)
        else:
            out[k] = v
    return out


def summary(campaign: Campaign, as_of: dt.date | None = None, *, township=None, user=None) -> dict:
    """The summary in INTAKE.md shape: scope, campaign, as_of and the figures as strings."""
    as_of = as_of or timezone.localdate()
    figs = campaign_figures(campaign, as_of, township=township, user=user)[None]
    scope = township.name if township is not None else (campaign.township.name if campaign.township_id else District.current().name)
    return {"scope": scope, "campaign": campaign.name, "as_of": as_of.isoformat(), **as_json(figs)}
