"""Campaign figures exactly as DOMAIN.md "Reporting conventions" defines them.

task       = loans of the campaign's scope that exist with a balance > 0 on the baseline day, less
             reductions (核减) approved on or before the as-of day, and less loans whose waiver marked
             不计入考核 stands on the as-of day (approved on or before it, not voided by then);
task amount= their balances on the baseline day;
collected  = confirmed principal repaid by task loans after the baseline day and on or before the
             as-of day (count: task loans with any such principal; partial repayments included);
remaining  = task amount − collected amount; recovery rate = collected / task, percent, 2 places;
interest collected is shown beside, never inside; collected is split by channel.
One SQL statement whatever the groupings (`breakdowns`): the task loans, their repayments in the period.
"""
import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils import timezone

from npl.accounts.choices import Role
from npl.campaigns.models import Campaign, TaskLoan, TaskReduction, TaskUnit
from npl.categories.reports import scoped_loans
from npl.collection.choices import Channel
from npl.collection.models import Repayment
from npl.core.bulk import IN_CHUNK
from npl.core.money import fmt_yuan, percent
from npl.loans.balances import BALANCE, aggregate_over, col, fenced_sql, from_cents, run_sql, sum_cents, with_balance
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
    or responsible person (group key → figs; the key is the unit's id, None for loans without one)."""
    return breakdowns(campaign, as_of, (group,), township=township, user=user)[group]


PARTS = ("n", "a", "cn", "ca", "ci", *(f"c_{c.value}" for c in Channel))  # the cents and counts one unit sums


def breakdowns(campaign: Campaign, as_of: dt.date | None = None, groups=(None,), *, township=None, user=None) -> dict:
    """group → campaign_figures(…, group=group) for each of `groups`, read once grouped by every field the groups
    name together, each group's figures those rows added up (every task loan is in exactly one unit of each
    grouping). Read from the stored rows when the campaign's task is stored (`_stored_units`), else from ONE
    statement: the task loans with their baseline balances computed once, as a CTE, and their repayments in the
    period joined to it."""
    as_of = as_of or timezone.localdate()
    fields = list(dict.fromkeys(GROUPS[g] for g in groups if g))
    raw = _by_units(campaign, as_of, fields, township=township, user=user)
    out = {}
    for group in groups:
        at = fields.index(GROUPS[group]) if group else None
        sums: dict = {}
        for key, values in raw.items():
            unit = sums.setdefault(key[at] if group else None, dict.fromkeys(PARTS, 0))
            for part in PARTS:
                unit[part] += values.get(part) or 0
        figs = {
            unit: _figures(v["n"], v["a"], v["cn"], v["ca"], v["ci"], {c.value: from_cents(v[f"c_{c.value}"]) for c in Channel})
            for unit, v in sums.items()
        }
        if group is None and None not in figs:
            figs[None] = _figures(0, 0, 0, 0, 0, {c.value: Decimal("0.00") for c in Channel})
        out[group] = figs
    return out


def _by_units(campaign: Campaign, as_of: dt.date, fields: list[str], *, township, user) -> dict[tuple, dict]:
    """(the values of `fields`) → the task's count and cents, the collected count and cents, per channel too."""
    if campaign.task_stored:
        return _stored_units(campaign, as_of, fields, township=township, user=user)
    task = task_loans(campaign, as_of, township=township, user=user)
    names = [f"g{i}" for i in range(len(fields))] or ["g0"]
    keys = {name: F(f) for name, f in zip(names, fields)} if fields else {"g0": Value(0)}
    task_sql, task_params = fenced_sql(task.annotate(**keys).values("pk", *names, BALANCE))
    after = Q(paid_on__gt=campaign.baseline) if COLLECTED_AFTER_BASELINE_EXCLUSIVE else Q(paid_on__gte=campaign.baseline)
    reps = Repayment.objects.filter(after, confirmed=True, paid_on__lte=as_of).values("loan_id", "principal", "interest", "channel")
    rep_sql, rep_params = fenced_sql(reps)
    q = connection.ops.quote_name
    pk, bal = q("pk"), q(BALANCE)
    g = ", ".join(f"task.{q(n)}" for n in names)
    principal, interest, loan_id, channel = (f"r.{q(c)}" for c in ("principal", "interest", "loan_id", "channel"))
    channel_sums = [sum_cents(f"CASE WHEN {channel} = '{c.value}' THEN {principal} END") for c in Channel]
    nulls = ", ".join(f"NULL AS {q(name)}" for name in PARTS[2:])
    sql = f"""WITH task AS ({task_sql})
SELECT 'task' AS part, {g}, COUNT(*) AS n, {sum_cents(f"task.{bal}")} AS a, {nulls} FROM task GROUP BY {g}
UNION ALL
SELECT 'collected', {g}, NULL, NULL, COUNT(DISTINCT CASE WHEN {principal} > 0 THEN {loan_id} END), {sum_cents(principal)},
       {sum_cents(interest)}, {", ".join(channel_sums)}
FROM ({rep_sql}) r JOIN task ON task.{pk} = {loan_id} GROUP BY {g}"""
    out: dict[tuple, dict] = {}
    for r in run_sql(sql, (*task_params, *rep_params)):
        unit = out.setdefault(tuple(r[n] for n in names) if fields else (), {})
        for part in PARTS:
            if r[part] is not None:
                unit[part] = r[part]
    return out


def reads_stored_sums(campaign: Campaign, as_of: dt.date) -> bool:
    """Whether the stored rows' repayment sums are the collected figures on `as_of` as they stand: the campaign's
    task is stored and no confirmed repayment is dated after `as_of` (today, and any day since the last
    repayment). On other days the repayments dated after `as_of` are taken off them (`_later`)."""
    return campaign.task_stored and not Repayment.objects.filter(confirmed=True, paid_on__gt=as_of).exists()


def _unit_scope(user) -> Q | None:
    """`accounts.scope.loan_scope` over a `TaskLoan`'s stored units, for the scopes made of whole units (a
    district, a region, a township, a collector's own loans); None for the others, read through the loans."""
    if user is None:
        return Q()
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Q()
    if user.is_region_wide:
        return Q(township__district__in=user.region.districts()) if user.region_id else None
    if not user.district_id:
        return None
    district = Q(township__district_id=user.district_id)
    if user.is_district_wide:
        return district
    if user.role == Role.TOWNSHIP_ADMIN and user.township_id:
        return district & Q(township_id=user.township_id)
    if user.role == Role.COLLECTOR:
        return district & Q(responsible_person_id=user.pk)
    return None


def _stored_units(campaign: Campaign, as_of: dt.date, fields: list[str], *, township, user) -> dict[tuple, dict]:
    """`_by_units` from the stored rows (the campaign's task is stored): no balance computed. A scope of whole units
    adds up the units' `TaskUnit` sums less the rows of the task loans reduced or waived by `as_of`; any other scope
    (a branch, a liaison's loans) adds up its `TaskLoan` rows but those. Both then take off what was repaid after
    `as_of` (`_later`: nothing to read on a day after which no confirmed repayment is dated, today)."""
    rows = TaskLoan.objects.filter(campaign=campaign)
    scope = _unit_scope(user)
    rows = rows.filter(scope) if scope is not None else rows.filter(loan_id__in=scoped_loans(user=user).values("pk"))
    rows = _within(rows, campaign, township)
    # The loans out of the task by then (few: reductions, waivers), by id.
    gone = sorted(set(reduced_loan_ids(campaign, as_of).values_list("loan_id", flat=True))
                  | set(kpi_excluded_loan_ids(as_of).values_list("loan_id", flat=True)))
    kept = rows.exclude(loan_id__ids=gone) if gone else rows
    if scope is None:
        out = _add_rows(kept, fields)
    else:
        out = _unit_sums(campaign, scope, fields, township)
        for start in range(0, len(gone), IN_CHUNK):
            _take_off(out, _add_rows(rows.filter(loan_id__ids=gone[start : start + IN_CHUNK]), fields))
    if not reads_stored_sums(campaign, as_of):
        _take_off(out, _later(campaign, kept, as_of, fields))
    return {key: values for key, values in out.items() if values["n"]}


def _within(rows, campaign: Campaign, township):
    """Stored rows (`TaskLoan` or `TaskUnit`, both naming a township) of the campaign's district and township and
    of the township asked for."""
    if campaign.district_id:
        rows = rows.filter(township__district_id=campaign.district_id)
    if campaign.township_id:
        rows = rows.filter(township_id=campaign.township_id)
    if township is not None:
        rows = rows.filter(township_id=township.pk)
    return rows


def _take_off(out: dict[tuple, dict], minus: dict[tuple, dict]) -> None:
    """Subtract each key's figures of `minus` from `out` (a key `out` lacks starts at 0)."""
    for key, values in minus.items():
        for part in PARTS:
            out.setdefault(key, dict.fromkeys(PARTS, 0))[part] -= values.get(part) or 0


def _unit_sums(campaign: Campaign, scope: Q, fields: list[str], township) -> dict[tuple, dict]:
    """The `TaskUnit` sums of the units in scope, grouped by `fields`, in `_by_units`' shape."""
    units = _within(TaskUnit.objects.filter(campaign=campaign).filter(_as_units(scope)), campaign, township)
    keys = [UNIT_KEYS[f] for f in fields]
    sums = ("task_count", "task_amount", "collected_count", "collected_principal", "collected_interest",
            *(f"collected_{c.value}" for c in Channel))
    out: dict[tuple, dict] = {}
    for r in units.order_by().values_list(*keys, *sums):
        unit = out.setdefault(tuple(k or None for k in r[: len(keys)]), dict.fromkeys(PARTS, 0))
        for part, value in zip(PARTS, r[len(keys):]):
            unit[part] += value if part in ("n", "cn") else Decimal(value) * 100
    return out


def _later(campaign: Campaign, rows, as_of: dt.date, fields: list[str]) -> dict[tuple, dict]:
    """What the stored sums of these TaskLoan rows hold that `as_of`'s figures do not: the confirmed repayments
    dated after it (and after the baseline), and a collected loan for each row whose first principal came after it."""
    names = [f"g{i}" for i in range(len(fields))]
    keys = {name: F(f) for name, f in zip(names, fields)}
    cut = max(as_of, campaign.baseline)
    reps = rows.filter(loan__repayments__confirmed=True, loan__repayments__paid_on__gt=cut).annotate(
        **keys, p=F("loan__repayments__principal"), i=F("loan__repayments__interest"), ch=F("loan__repayments__channel"))
    selects = {"ca": sum_cents(col("p")), "ci": sum_cents(col("i")),
               **{f"c_{c.value}": sum_cents(f"CASE WHEN {col('ch')} = '{c.value}' THEN {col('p')} END") for c in Channel}}
    out: dict[tuple, dict] = {}
    for r in aggregate_over(reps.values(*names, "p", "i", "ch"), selects, group_by=names):
        out[tuple(r[n] for n in names)] = {part: r.get(part) or 0 for part in PARTS}
    late = rows.filter(first_collected_on__gt=as_of).annotate(**keys).values(*names)
    for r in aggregate_over(late, {"cn": "COUNT(*)"}, group_by=names):
        out.setdefault(tuple(r[n] for n in names), dict.fromkeys(PARTS, 0))["cn"] = r["cn"]
    return out


# TaskLoan's unit fields → TaskUnit's (0 for none there).
UNIT_KEYS = {"township_id": "township_id", "community_id": "community_key", "responsible_person_id": "person_key"}


def _as_units(scope: Q) -> Q:
    """A `_unit_scope` condition over TaskLoan fields, over TaskUnit's."""
    out = Q()
    out.connector, out.negated = scope.connector, scope.negated
    for child in scope.children:
        if isinstance(child, Q):
            out.children.append(_as_units(child))
        else:
            name, value = child
            out.children.append(("person_key" if name == "responsible_person_id" else name, value))
    return out


def _add_rows(rows, fields: list[str]) -> dict[tuple, dict]:
    """One aggregate of these TaskLoan rows as they stand (as `TaskUnit` adds them up), grouped by `fields`."""
    names = [f"g{i}" for i in range(len(fields))]
    keys = {name: F(f) for name, f in zip(names, fields)}
    flag = Case(When(first_collected_on__isnull=False, then=Value(1)), default=Value(0), output_field=IntegerField())
    channels = {f"c_{c.value}": f"collected_{c.value}" for c in Channel}
    inner = rows.annotate(**keys, flag=flag).values(*names, "balance", "flag", "collected_principal", "collected_interest",
                                                    *channels.values())
    selects = {"n": "COUNT(*)", "a": sum_cents(col("balance")), "cn": f"SUM({col('flag')})",
               "ca": sum_cents(col("collected_principal")), "ci": sum_cents(col("collected_interest")),
               **{part: sum_cents(col(name)) for part, name in channels.items()}}
    out = {}
    for r in aggregate_over(inner, selects, group_by=names):
        if r["n"]:
            out[tuple(r[n] for n in names)] = {part: r[part] for part in PARTS}
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
