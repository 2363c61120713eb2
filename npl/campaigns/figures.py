"""Campaign figures exactly as DOMAIN.md "Reporting conventions" defines them.

task       = loans of the campaign's scope that exist with a balance > 0 on the baseline day, less
             reductions (核减) approved on or before the as-of day, and less loans whose waiver marked
             不计入考核 stands on the as-of day (approved on or before it, not voided by then);
task amount= their balances on the baseline day;
collected  = confirmed principal repaid by task loans after the baseline day and on or before the
             as-of day (count: task loans with any such principal; partial repayments included);
remaining  = task amount − collected amount; recovery rate = collected / task, percent, 2 places;
interest collected is shown beside, never inside; collected is split by channel.
Two SQL statements whatever the grouping: one over task loans, one over their repayments.
"""
import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.models import F, Q, Value
from django.utils import timezone

from npl.campaigns.models import Campaign, TaskReduction
from npl.categories.reports import scoped_loans
from npl.collection.choices import Channel
from npl.collection.models import Repayment
from npl.core.money import fmt_yuan, percent
from npl.loans.balances import BALANCE, fenced_sql, from_cents, run_sql, sum_cents, with_balance
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


def kpi_excluded_loan_ids(as_of: dt.date):
    """Loans a waiver marked 不计入考核 takes out of the figures: approved on or before `as_of`, not voided by then."""
    # Lazy: waivers sits above campaigns in the app order (it reads campaign-free loan figures).
    from npl.waivers.models import WaiverRequest

    return WaiverRequest.objects.kpi_excluded_on(as_of).values("loan_id")


def task_loans(campaign: Campaign, as_of: dt.date | None = None, *, township=None, user=None):
    """The campaign's task loans on `as_of`, annotated with `balance` = their balance on the baseline: the stored
    `TaskLoan` rows when they are the campaign's whole task (`Campaign.task_stored`), else computed."""
    as_of = as_of or timezone.localdate()
    qs = scoped_loans(township=township, user=user)
    if campaign.district_id:
        qs = qs.filter(township__district_id=campaign.district_id)
    if campaign.township_id:
        qs = qs.filter(township_id=campaign.township_id)
    if campaign.task_stored:  # the stored baseline balances (campaigns.derive): no balance computed per request
        qs = qs.filter(campaign_tasks__campaign=campaign).annotate(**{BALANCE: F("campaign_tasks__balance")})
    else:
        qs = with_balance(qs, campaign.baseline).filter(**{f"{BALANCE}__gt": 0})
    return qs.exclude(pk__in=reduced_loan_ids(campaign, as_of)).exclude(pk__in=kpi_excluded_loan_ids(as_of))


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
    or responsible person (group key → figs; the key is the unit's id, None for loans without one).

    One statement: the task loans (with their baseline balances) are computed once, as a CTE, and
    both the task figures and the collected figures (their repayments in the period) are taken from it."""
    as_of = as_of or timezone.localdate()
    field = GROUPS[group]
    task = task_loans(campaign, as_of, township=township, user=user)
    task_sql, task_params = fenced_sql(task.annotate(g=F(field) if field else Value(0)).values("pk", "g", BALANCE))
    after = Q(paid_on__gt=campaign.baseline) if COLLECTED_AFTER_BASELINE_EXCLUSIVE else Q(paid_on__gte=campaign.baseline)
    reps = Repayment.objects.filter(after, confirmed=True, paid_on__lte=as_of).values("loan_id", "principal", "interest", "channel")
    rep_sql, rep_params = fenced_sql(reps)
    q = connection.ops.quote_name
    pk, g, bal = q("pk"), q("g"), q(BALANCE)
    principal, interest, loan_id, channel = (f"r.{q(c)}" for c in ("principal", "interest", "loan_id", "channel"))
    channel_sums = [sum_cents(f"CASE WHEN {channel} = '{c.value}' THEN {principal} END") for c in Channel]
    names = ["n", "a", "i", *(f"c_{c.value}" for c in Channel)]
    nulls = ", ".join(f"NULL AS {q(name)}" for name in names[2:])
    sql = f"""WITH task AS ({task_sql})
SELECT 'task' AS part, task.{g} AS g, COUNT(*) AS n, {sum_cents(f"task.{bal}")} AS a, {nulls} FROM task GROUP BY task.{g}
UNION ALL
SELECT 'collected', task.{g}, COUNT(DISTINCT CASE WHEN {principal} > 0 THEN {loan_id} END), {sum_cents(principal)},
       {sum_cents(interest)}, {", ".join(channel_sums)}
FROM ({rep_sql}) r JOIN task ON task.{pk} = {loan_id} GROUP BY task.{g}"""
    rows = run_sql(sql, (*task_params, *rep_params))
    by_loan, by_rep = {}, {}
    for r in rows:
        values = dict(zip(names, [r[k] for k in ("n", "a", *names[2:])]))
        key = r["g"] if field else None
        (by_loan if r["part"] == "task" else by_rep)[key] = values
    out = {}
    for key in by_loan.keys() | by_rep.keys():
        lr, rr = by_loan.get(key, {}), by_rep.get(key, {})
        channels = {c.value: from_cents(rr.get(f"c_{c.value}")) for c in Channel}
        out[key] = _figures(lr.get("n"), lr.get("a"), rr.get("n"), rr.get("a"), rr.get("i"), channels)
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
    scope = township.name if township is not None else (campaign.township.name if campaign.township_id else (campaign.district or District.current()).name)
    return {"scope": scope, "campaign": campaign.name, "as_of": as_of.isoformat(), **as_json(figs)}
