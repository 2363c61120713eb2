"""What is known of a loan on a cutoff day T, and whether it repaid in the 90 days after.

Everything a feature reads is dated on or before T (no leakage): the balance on T, actions on or
before T, promises judged only by repayments up to T, categories in force on T, case stages reached
by T, suspensions running on T. The label is any confirmed principal repayment in (T, T + 90].

Facts are loaded once for a set of loans (a few queries, `load_facts`), then features for any number
of cutoffs are computed in Python; categories on T come from the category engine (one query per
category code per cutoff), so a loan's categories are the ones every report shows that day.
"""
from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import BooleanField, ExpressionWrapper

HORIZON_DAYS = 90
NO_ACTION_DAYS = 720  # "days since" when there never was one: a long time, not infinity (keeps scaling sane)

# 催收结果 → what it says of contact. Imported ledger rows carry only the text (催收结果), field records
# carry collection.choices.Outcome codes: both map onto the same few kinds.
OUTCOME_KINDS = {
    # Outcome codes
    "met_borrower": "contact", "met_family": "contact", "promised": "promise", "repaid": "contact",
    "refused_talk": "refused", "dispute": "refused", "hardship": "hardship", "no_one": "unreachable",
    "lost_contact": "lost", "other": "other",
    # texts found in ledgers (the demo's and the banks')
    "本人接触": "contact", "家属接触": "contact", "承诺还款": "promise", "已还款": "contact", "已部分还款": "contact",
    "拒绝沟通": "refused", "拒绝还款": "refused", "对债务有异议": "refused", "确无还款能力": "hardship",
    "暂无还款能力": "hardship", "无人/未接通": "unreachable", "电话无人接听": "unreachable", "未见到本人": "unreachable",
    "失联": "lost", "号码已停机": "lost",
}
OUTCOME_ORDER = ("contact", "promise", "refused", "hardship", "unreachable", "lost")

# Categories used as features (codes of categories.choices); one engine query each per cutoff.
CATEGORY_FEATURES = ("deceased", "imprisoned", "lost_contact", "special_household", "public_servant",
                     "nominal_household", "impersonated_or_staff", "litigation")

# (name, Chinese label) in the model's column order. The labels are what reasons say.
FEATURES: tuple[tuple[str, str], ...] = (
    ("log_balance", "本金余额"),
    ("repaid_share", "已还本金占比"),
    ("years_overdue", "逾期年数"),
    ("mortgage", "有抵押物"),
    *((f"cat_{c}", label) for c, label in (
        ("deceased", "借款人已死亡"), ("imprisoned", "借款人在服刑"), ("lost_contact", "列入无法联系名单"),
        ("special_household", "特殊户"), ("public_servant", "公职人员"), ("nominal_household", "空挂户"),
        ("impersonated_or_staff", "冒名或职工借名"), ("litigation", "涉诉"),
    )),
    ("actions_90", "近90天催收次数"),
    ("actions_180", "近180天催收次数"),
    ("log_days_since_action", "距上次催收天数"),
    ("no_action_180", "180天无催收"),
    ("last_contact", "上次催收与本人或家属接触"),
    ("last_promise", "上次催收承诺还款"),
    ("last_refused", "上次催收拒绝还款"),
    ("last_hardship", "上次催收称无还款能力"),
    ("last_unreachable", "上次催收未联系上"),
    ("last_lost", "上次催收显示失联"),
    ("signed_180", "近180天本人签收催收文书"),
    ("promises_kept", "承诺已履行次数"),
    ("promises_broken", "承诺违约次数"),
    ("promise_open", "有未到期的还款承诺"),
    ("repayments_180", "近180天还款笔数"),
    ("log_repaid_180", "近180天还款本金"),
    ("ever_repaid", "曾有还款"),
    ("log_days_since_repayment", "距上次还款天数"),
    ("lit_judged", "已判决或调解"),
    ("lit_enforcing", "法院执行中"),
    ("interest_suspended", "停息挂账中"),
)
FEATURE_NAMES = tuple(name for name, _ in FEATURES)
FEATURE_LABELS = dict(FEATURES)


@dataclass
class LoanFacts:
    """One loan's dated facts, sorted by day: what features and labels are computed from."""

    loan_id: int
    amount: float
    mortgage: bool
    maturity: dt.date
    snapshots: list = field(default_factory=list)  # (as_of, principal balance), by day
    repay_days: list = field(default_factory=list)  # paid_on of confirmed repayments, sorted
    repay_principal: list = field(default_factory=list)  # principal, same order
    repay_total: list = field(default_factory=list)  # principal + interest + costs, same order
    actions: list = field(default_factory=list)  # (acted_on, outcome kind, signed by borrower, promise_date, promise_amount)
    cases: list = field(default_factory=list)  # (filed_on, judged_on, enforcing_on, closed_on)
    suspensions: list = field(default_factory=list)  # (starts_on, last day)


def outcome_kind(code: str, text: str) -> str:
    """The kind of a ledger outcome: from its code when a collector picked one, else from its text."""
    if code:
        return OUTCOME_KINDS.get(code, "other")
    text = (text or "").strip()
    if text in OUTCOME_KINDS:
        return OUTCOME_KINDS[text]
    for key, kind in OUTCOME_KINDS.items():  # free text such as "电话无人接听，已短信告知"
        if not key.isascii() and key in text:
            return kind
    return "other"


def load_facts(loan_ids) -> dict[int, LoanFacts]:
    """The dated facts of the given loans (six queries, whatever the number of cutoffs)."""
    from npl.collection.choices import Signature
    from npl.collection.models import CollectionAction, InterestSuspension, Repayment
    from npl.litigation.choices import ENFORCEMENT_STAGES, JUDGMENT_STAGES, Direction, Stage
    from npl.litigation.models import CaseStage, LitigationCase
    from npl.loans.models import Loan, LoanSnapshot

    ids = list(loan_ids)
    facts = {
        pk: LoanFacts(pk, float(amount), mortgage, maturity)
        for pk, amount, mortgage, maturity in Loan.objects.filter(pk__ids=ids).values_list(
            "pk", "amount", "has_mortgage", "maturity_date")
    }
    for loan_id, as_of, balance in LoanSnapshot.objects.filter(loan_id__ids=ids).order_by("loan_id", "as_of").values_list(
            "loan_id", "as_of", "principal_balance"):
        facts[loan_id].snapshots.append((as_of, float(balance)))
    for loan_id, paid_on, principal, interest, costs in Repayment.objects.filter(
            loan_id__ids=ids, confirmed=True).order_by("loan_id", "paid_on", "pk").values_list(
            "loan_id", "paid_on", "principal", "interest", "costs"):
        f = facts[loan_id]
        f.repay_days.append(paid_on)
        f.repay_principal.append(float(principal))
        f.repay_total.append(float(principal + interest + costs))
    for loan_id, on, code, text, sig, p_date, p_amount in CollectionAction.objects.filter(loan_id__ids=ids).order_by(
            "loan_id", "acted_on", "pk").values_list("loan_id", "acted_on", "outcome_code", "outcome", "signature",
                                                     "promise_date", "promise_amount"):
        kind = "promise" if p_date is not None else outcome_kind(code, text)
        facts[loan_id].actions.append((on, kind, sig == Signature.BORROWER, p_date,
                                       float(p_amount) if p_amount is not None else 0.0))
    stages = defaultdict(list)
    for case_id, stage, on in CaseStage.objects.filter(case__loan_id__ids=ids).values_list("case_id", "stage", "on"):
        stages[case_id].append((stage, on))
    # Only dated facts: a case's current `stage` says nothing of when it was reached.
    for case_id, loan_id, filed, judged, enf_filed in LitigationCase.objects.filter(
            loan_id__ids=ids, direction=Direction.BANK_SUED_BORROWER).values_list(
            "pk", "loan_id", "filed_on", "judgment_on", "enforcement_filed_on"):
        judged_on = min([d for d in [judged, *(on for s, on in stages[case_id] if s in JUDGMENT_STAGES)] if d], default=None)
        enforcing_on = min([d for d in [enf_filed, *(on for s, on in stages[case_id] if s in ENFORCEMENT_STAGES)] if d],
                           default=None)
        closed_on = min([on for s, on in stages[case_id] if s == Stage.CLOSED], default=None)
        facts[loan_id].cases.append((filed, judged_on, enforcing_on, closed_on))
    for loan_id, starts, until, ended in InterestSuspension.objects.filter(loan_id__ids=ids).values_list(
            "loan_id", "starts_on", "until", "ended_on"):
        last = min(until, ended - dt.timedelta(days=1)) if ended else until
        facts[loan_id].suspensions.append((starts, last))
    return facts


def categories_on(loan_ids, day: dt.date) -> dict[int, set[str]]:
    """The feature categories each loan is in on `day`, as the category engine says (one query). Today, once the
    stored memberships are complete (`core.derived.current`), read from them instead of the engine's whole-table
    conditions: the suggestions deriver scores one loan in a few queries."""
    from npl.categories.engine import conditions
    from npl.core import derived
    from npl.loans.balances import with_balance
    from npl.loans.models import Loan

    if derived.current("memberships", day):
        from npl.categories.models import Membership

        stored: dict[int, set[str]] = {int(pk): set() for pk in loan_ids}
        for loan_id, code in Membership.objects.filter(loan_id__ids=list(stored), code__in=CATEGORY_FEATURES).values_list(
                "loan_id", "code"):
            stored[loan_id].add(code)
        return stored
    loan_ids = list(loan_ids)
    conds = conditions(day, CATEGORY_FEATURES, loan_ids=loan_ids)  # read for these loans only (categories.engine.Rules)
    flags = {f"c_{code}": ExpressionWrapper(q, output_field=BooleanField()) for code, q in conds.items()}
    out: dict[int, set[str]] = {}
    qs = with_balance(Loan.objects.filter(pk__ids=list(loan_ids)), day).annotate(**flags).values("pk", *flags)
    for row in qs:
        out[row["pk"]] = {code for code in CATEGORY_FEATURES if row[f"c_{code}"]}
    return out


def balance_on(f: LoanFacts, day: dt.date) -> float | None:
    """Principal balance on `day`: the latest snapshot on or before it less principal repaid since, up to the day.

    Before the bank's first snapshot the balance is carried back from it: the first snapshot plus the
    principal repaid after `day` up to that snapshot (the bank's figure of that day, which the platform
    received later; it holds nothing from after `day` that the balance on `day` did not already hold).
    """
    if not f.snapshots:
        return None
    i = bisect_right([s[0] for s in f.snapshots], day) - 1
    if i >= 0:
        snap_day, snap = f.snapshots[i]
        lo, hi = bisect_right(f.repay_days, snap_day), bisect_right(f.repay_days, day)
        return snap - sum(f.repay_principal[lo:hi])
    snap_day, snap = f.snapshots[0]
    lo, hi = bisect_right(f.repay_days, day), bisect_right(f.repay_days, snap_day)
    return snap + sum(f.repay_principal[lo:hi])


def label(f: LoanFacts, day: dt.date, horizon: int = HORIZON_DAYS) -> bool:
    """Any confirmed principal repayment in (day, day + horizon]."""
    end = day + dt.timedelta(days=horizon)
    lo, hi = bisect_right(f.repay_days, day), bisect_right(f.repay_days, end)
    return any(p > 0 for p in f.repay_principal[lo:hi])


def promise_states(f: LoanFacts, day: dt.date) -> tuple[int, int, int]:
    """(kept, broken, open) promises as they stood on `day`, judged only by repayments up to `day`.

    As collection.services settles them: kept when repayments from the promise's day to its date reach
    the amount; broken once the date has passed unpaid.
    """
    kept = broken = open_ = 0
    for on, _kind, _signed, p_date, p_amount in f.actions:
        if on > day:
            break
        if p_date is None:
            continue
        want, got, reached = p_amount or 0.01, 0.0, False
        lo = bisect_left(f.repay_days, on)
        hi = bisect_right(f.repay_days, min(p_date, day))
        for k in range(lo, hi):
            got += f.repay_total[k]
            if got >= want:
                reached = True
                break
        if reached:
            kept += 1
        elif day > p_date:
            broken += 1
        else:
            open_ += 1
    return kept, broken, open_


def features(f: LoanFacts, cats: set[str], day: dt.date, balance: float | None = None) -> dict[str, float]:
    """The feature row of one loan on `day` (names as FEATURE_NAMES)."""
    balance = balance_on(f, day) if balance is None else balance
    balance = max(balance or 0.0, 0.0)
    x = dict.fromkeys(FEATURE_NAMES, 0.0)
    x["log_balance"] = math.log1p(balance)
    x["repaid_share"] = min(max(1 - balance / f.amount, 0.0), 1.0) if f.amount > 0 else 0.0
    x["years_overdue"] = max((day - f.maturity).days, 0) / 365
    x["mortgage"] = float(f.mortgage)
    for code in cats:
        x[f"cat_{code}"] = 1.0
    d90, d180 = day - dt.timedelta(days=90), day - dt.timedelta(days=180)
    last = None
    for on, kind, signed, _p_date, _p_amount in f.actions:
        if on > day:
            break
        last = (on, kind)
        if on > d180:
            x["actions_180"] += 1
            x["signed_180"] = max(x["signed_180"], float(signed))
            if on > d90:
                x["actions_90"] += 1
    if last is None:
        x["log_days_since_action"] = math.log1p(NO_ACTION_DAYS)
        x["no_action_180"] = 1.0
    else:
        x["log_days_since_action"] = math.log1p(min((day - last[0]).days, NO_ACTION_DAYS))
        x["no_action_180"] = float(last[0] <= d180)
        if last[1] in OUTCOME_ORDER:
            x[f"last_{last[1]}"] = 1.0
    kept, broken, open_ = promise_states(f, day)
    x["promises_kept"], x["promises_broken"], x["promise_open"] = float(kept), float(broken), float(open_ > 0)
    hi = bisect_right(f.repay_days, day)
    paid = [(f.repay_days[k], f.repay_principal[k]) for k in range(hi) if f.repay_principal[k] > 0]
    recent = [p for on, p in paid if on > d180]
    x["repayments_180"] = float(len(recent))
    x["log_repaid_180"] = math.log1p(sum(recent))
    x["ever_repaid"] = float(bool(paid))
    x["log_days_since_repayment"] = math.log1p(min((day - paid[-1][0]).days, NO_ACTION_DAYS) if paid else NO_ACTION_DAYS)
    for filed, judged, enforcing, closed in f.cases:
        if filed and filed <= day and not (closed and closed <= day):
            x["lit_judged"] = max(x["lit_judged"], float(bool(judged and judged <= day)))
            x["lit_enforcing"] = max(x["lit_enforcing"], float(bool(enforcing and enforcing <= day)))
    x["interest_suspended"] = float(any(s <= day <= e for s, e in f.suspensions))
    return x


@dataclass
class Sample:
    """One (loan, cutoff) row: its features, and its label when the window has passed."""

    loan_id: int
    cutoff: dt.date
    x: dict
    y: bool | None


def samples(loan_ids, cutoffs, *, labelled: bool = True, facts: dict | None = None) -> list[Sample]:
    """Feature rows for every loan alive (balance > 0) on each cutoff; labels when `labelled`."""
    ids = list(loan_ids)
    facts = load_facts(ids) if facts is None else facts
    out = []
    for day in sorted(cutoffs):
        cats = categories_on(ids, day)
        for pk in ids:
            f = facts.get(pk)
            if f is None or f.snapshots and day < f.snapshots[0][0] and not _existed(f, day):
                continue
            balance = balance_on(f, day)
            if balance is None or balance <= 0:
                continue
            out.append(Sample(pk, day, features(f, cats.get(pk, set()), day, balance),
                              label(f, day) if labelled else None))
    return out


def _existed(f: LoanFacts, day: dt.date) -> bool:
    # A loan carried back before its first snapshot existed on `day` once it was past due (an NPL then).
    return day > f.maturity


def vector(x: dict) -> list[float]:
    """A feature row in model column order."""
    return [x[name] for name in FEATURE_NAMES]
