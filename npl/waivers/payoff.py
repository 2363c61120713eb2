"""The payoff calculator (结清测算): what a borrower owes on a day, what the ruler lets be waived, what to pay.

Pure given the database state: the same loan, figures, repayments, suspensions, waivers and policy
tables and the same day always give the same Payoff. How the waiver shows (docs/interest-and-waivers.md):
- no request: `waivable` is the offer of the single tier of the policy in force that applies;
- a request approved but not yet applied (先还后免): the offer of its tier on the day's figures, its
  condition being the agreed repayment (a repayment pays that offer's interest last: `due_on`.reserved);
- an applied request: the figures are the claim as it would stand without the waiver, `waivable` is the
  amount already waived (fixed when it was applied, on the figures before the repayments that met the
  agreement: `waiver_basis`; accrual after it runs on what is left), so `to_pay` is what is really still owed;
- a voided request: nothing of it counts any more (the interest is restored); the policy version in force
  then offers nothing to that loan unless that version says a voided waiver may be offered again.
"""
import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from npl.core.money import CENT, fmt_yuan
from npl.waivers.choices import NON_ACCRUAL, PENALTY_MARKUP_DEFAULT, PENALTY_MARKUP_KEY, RequestStatus
from npl.waivers.interest import LABELS, Movement, Start, Terms, accrue, fen, rate_text
from npl.waivers.policy import choose_tier, cn_date, condition_text, offer, rule_text, share_text, tier_label

NO_POLICY = "无适用减免政策"


class PayoffError(ValueError):
    """The payoff cannot be computed for this loan and day; the message is Chinese and shown to users."""


@dataclass(frozen=True)
class Payoff:
    """One loan's payoff on one day, each figure with the line that explains it."""

    loan_no: str
    as_of: dt.date
    principal: Decimal          # principal balance on as_of (npl.loans.balances.balance_on)
    interest_on: Decimal        # 表内欠息
    interest_off: Decimal       # 表外欠息
    interest: Decimal           # interest_on + interest_off
    penalty: Decimal            # 罚息
    compound: Decimal           # 复利
    costs: Decimal              # 费用
    waivable: Decimal           # what the policy in force lets be waived (or has waived: see the module doc)
    to_pay: Decimal             # principal + interest + penalty + compound + costs - waivable
    policy: str                 # e.g. "2026年第1版 · 特殊户（低保户）· 一次性结清本金" or "无适用减免政策"
    rule: str                   # the rule applied in plain Chinese (for the 明白纸)
    condition: str              # the condition in plain Chinese
    lines: tuple[str, ...]      # how each figure was reached
    waiver_state: str = ""      # "", "offer", "approved", "applied", "voided"
    waiver_request_id: int | None = None
    waivable_penalty: Decimal = Decimal("0.00")
    waivable_compound: Decimal = Decimal("0.00")
    waivable_interest: Decimal = Decimal("0.00")

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.penalty + self.compound + self.costs

    def as_json(self) -> dict:
        """The CLI/API form: amounts as strings in 元 with 2 places, the day in ISO form."""
        return {
            "loan_no": self.loan_no,
            "as_of": self.as_of.isoformat(),
            "principal": fmt_yuan(self.principal),
            "interest": fmt_yuan(self.interest),
            "penalty": fmt_yuan(self.penalty),
            "compound": fmt_yuan(self.compound),
            "waivable": fmt_yuan(self.waivable),
            "to_pay": fmt_yuan(self.to_pay),
            "policy": self.policy,
            "lines": list(self.lines),
            "interest_on": fmt_yuan(self.interest_on),
            "interest_off": fmt_yuan(self.interest_off),
            "costs": fmt_yuan(self.costs),
            "total": fmt_yuan(self.total),
            "rule": self.rule,
            "condition": self.condition,
            "waiver_state": self.waiver_state,
        }


def penalty_markup() -> Decimal:
    """罚息上浮比例 (%) from the Setting row `penalty_markup_percent`, 50 when none was set."""
    from npl.core.models import Setting

    row = Setting.objects.filter(key=PENALTY_MARKUP_KEY).first()
    return Decimal(row.value if row is not None else PENALTY_MARKUP_DEFAULT)


def suspensions(loan) -> tuple[tuple[dt.date, dt.date], ...]:
    """Suspended days as (first, last) inclusive: an ended suspension stops the day before it ended."""
    from npl.collection.models import InterestSuspension

    return _suspended(InterestSuspension.objects.filter(loan_id=loan.pk).order_by("starts_on", "pk"))


def _suspended(rows) -> tuple[tuple[dt.date, dt.date], ...]:
    out = []
    for s in rows:
        last = s.ended_on - dt.timedelta(days=1) if s.ended_on else s.until
        if last >= s.starts_on:
            out.append((s.starts_on, last))
    return tuple(out)


@dataclass
class _Facts:
    """What one loan's payoff reads from the database besides the loan row, gathered for many loans at once."""

    snapshot_principal: Decimal | None = None  # the bank's principal on the loan's snapshot day
    repayments: list = field(default_factory=list)  # confirmed, after the snapshot day, up to as_of, in date order
    suspended: tuple = ()
    requests: list = field(default_factory=list)
    balance: Decimal | None = None  # principal balance on as_of (npl.loans.balances)


def _gather(loans: list, as_of: dt.date) -> dict[int, _Facts]:
    """The facts of every loan in a few queries (one per table), whatever the number of loans."""
    from npl.collection.models import InterestSuspension, Repayment
    from npl.loans.balances import BALANCE, with_balance
    from npl.loans.models import Loan, LoanSnapshot
    from npl.waivers.models import WaiverRequest

    facts = {loan.pk: _Facts() for loan in loans}
    ids = list(facts)
    days = {loan.pk: loan.snapshot_date for loan in loans}
    for loan_id, day, principal in LoanSnapshot.objects.filter(loan_id__ids=ids, as_of__in=set(days.values())).values_list(
            "loan_id", "as_of", "principal_balance"):
        if days[loan_id] == day:
            facts[loan_id].snapshot_principal = principal
    missing: dict[dt.date, list] = {}
    for loan in loans:
        if facts[loan.pk].snapshot_principal is None:
            missing.setdefault(loan.snapshot_date, []).append(loan)
    for day, group in missing.items():  # no snapshot row of that day (rare): the balance that day, else the column
        found = dict(with_balance(Loan.objects.filter(pk__ids=[x.pk for x in group]), day).values_list("pk", BALANCE))
        for loan in group:
            balance = found.get(loan.pk)
            facts[loan.pk].snapshot_principal = _cents(balance) if balance else loan.principal_balance
    if days:
        repaid = Repayment.objects.filter(loan_id__ids=ids, confirmed=True, paid_on__gt=min(days.values()), paid_on__lte=as_of)
        for r in repaid.order_by("paid_on", "pk"):
            if r.paid_on > days[r.loan_id]:
                facts[r.loan_id].repayments.append(r)
    by_loan: dict[int, list] = {}
    for s in InterestSuspension.objects.filter(loan_id__ids=ids).order_by("starts_on", "pk"):
        by_loan.setdefault(s.loan_id, []).append(s)
    for loan_id, rows in by_loan.items():
        facts[loan_id].suspended = _suspended(rows)
    for req in WaiverRequest.objects.filter(loan_id__ids=ids).select_related("tier__version"):
        facts[req.loan_id].requests.append(req)
    for loan_id, balance in with_balance(Loan.objects.filter(pk__ids=ids), as_of).values_list("pk", BALANCE):
        facts[loan_id].balance = None if balance is None else _cents(balance)
    return facts


def _cents(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _movements(repayments, applied) -> list[Movement]:
    out = [
        Movement(day=r.paid_on, principal=r.principal, interest=r.interest, costs=r.costs,
                 label=f"还款：{r.paid_on:%Y-%m-%d} 归还本金 {fmt_yuan(r.principal)} 元、利息 {fmt_yuan(r.interest)} 元、"
                       f"费用 {fmt_yuan(r.costs)} 元（流水 {r.txn_no}）")
        for r in repayments
    ]
    if applied is not None:
        out.append(Movement(
            day=applied.applied_on, label=f"减免：{applied.applied_on:%Y-%m-%d} 减免申请#{applied.pk}生效，减免 {fmt_yuan(applied.waived_total)} 元",
            waived=(("penalty", applied.waived_penalty), ("compound", applied.waived_compound),
                    ("interest_on", applied.waived_interest_on), ("interest_off", applied.waived_interest_off))))
    return out


def _basis_day(approved, facts: _Facts) -> dt.date | None:
    """The day of the first repayment counted towards an approved waiver's agreement (from its approval day;
    repayments inside the bank's figures are already in them), or None while there is none."""
    return next((r.paid_on for r in facts.repayments if r.paid_on >= approved.approved_on), None)


def _before(loan, day: dt.date, facts: _Facts, markup: Decimal):
    """The accrual to `day` as it stood before that day's repayments (and any later): what the payoff showed that day."""
    day = max(day, loan.snapshot_date)
    return _accrual(loan, day, replace(facts, repayments=[r for r in facts.repayments if r.paid_on < day]), markup, None)


def waiver_basis(req, on: dt.date):
    """The figures a waiver applied on `on` is fixed on (先还后免): the accrual to the day of the first repayment
    counted towards its agreement, before that day's repayments; on `on` itself if none is after the bank's figures.

    Not the figures left after those repayments: they have already paid interest, and the tier's shares of the
    remainder would waive too little. The approved-state payoff offers the same (see `_payoff`), so what the
    borrower is shown, what a repayment holds back (`due_on`) and what is waived are one amount.
    """
    loan = req.loan
    facts = _gather([loan], max(on, loan.snapshot_date))[loan.pk]
    return _before(loan, _basis_day(req, facts) or on, facts, penalty_markup())


@dataclass(frozen=True)
class Due:
    """What a repayment dated `as_of` meets: the accrued claim of the payoff that day, less any applied waiver."""

    as_of: dt.date
    costs: Decimal
    interest: Decimal    # 表内 + 表外 + 罚息 + 复利, as accrued to as_of
    principal: Decimal   # principal balance on as_of
    reserved: Decimal    # the part of `interest` an approved, not yet applied waiver (先还后免) would forgive

    @property
    def total(self) -> Decimal:
        return self.costs + self.interest + self.principal


def due_on(loan, as_of: dt.date) -> Due:
    """The claim a repayment dated `as_of` is capped by and split against (collection.services.owed/allocate).

    The same accrued figures as `compute_payoff` that day, so paying the payoff's `to_pay` is never refused.
    After an applied waiver the claim is what is really still owed; while a waiver is approved and waiting
    for its repayment, the interest it would forgive is `reserved` (paid last: see collection.services.allocate).
    """
    p = compute_payoff(loan, as_of)
    interest = p.interest + p.penalty + p.compound
    if p.waiver_state == "applied":
        return Due(as_of, p.costs, interest - p.waivable, p.principal, Decimal("0.00"))
    reserved = p.waivable if p.waiver_state == "approved" else Decimal("0.00")
    return Due(as_of, p.costs, interest, p.principal, reserved)


def _too_early(loan, as_of: dt.date) -> str:
    return f"测算日期 {as_of:%Y-%m-%d} 早于银行最新数据日期 {loan.snapshot_date:%Y-%m-%d}，无法测算"


def _accrual(loan, as_of: dt.date, facts: _Facts, markup: Decimal, applied):
    if as_of < loan.snapshot_date:
        raise PayoffError(_too_early(loan, as_of))
    terms = Terms(rate=Decimal(loan.rate) if loan.rate is not None else None, maturity=loan.maturity_date, markup=markup,
                  off_balance=loan.classification in NON_ACCRUAL, suspended=facts.suspended)
    start = Start(day=loan.snapshot_date, principal=fen(facts.snapshot_principal), interest_on=fen(loan.interest_on),
                  interest_off=fen(loan.interest_off), penalty=fen(loan.penalty_interest),
                  compound=fen(loan.compound_interest), costs=fen(loan.costs))
    return accrue(start, terms, _movements(facts.repayments, applied), as_of)


def _latest(rows, key):
    """The row with the greatest (key, pk), as `order_by("-key", "-pk").first()` would pick."""
    return max(rows, key=lambda r: (key(r), r.pk), default=None)


def pick_requests(requests, as_of: dt.date):
    """The requests that shape the payoff on `as_of`: (applied, approved, voided), each the latest or None.

    Applied: applied on or before the day. Approved: approved on or before the day and not applied by then
    (先还后免: still waiting for the agreed repayment). Voided: voided on or before the day.
    """
    applied = _latest([r for r in requests if r.status == RequestStatus.APPLIED and r.applied_on <= as_of],
                      lambda r: r.applied_on)
    approved = _latest([r for r in requests if r.approved_on is not None and r.approved_on <= as_of and (
        r.status == RequestStatus.APPROVED or (r.status == RequestStatus.APPLIED and r.applied_on > as_of))],
        lambda r: r.approved_on)
    voided = _latest([r for r in requests if r.status == RequestStatus.VOIDED and r.voided_on <= as_of],
                     lambda r: r.voided_on)
    return applied, approved, voided


def compute_payoff(loan, as_of: dt.date | None = None) -> Payoff:
    """Principal, each interest component, the waivable part under the ruler, and what to pay on `as_of`."""
    as_of = as_of or timezone.localdate()
    return compute_payoffs([loan], as_of)[loan.pk]


CHUNK = 500  # loans per round of queries: keeps each IN list well inside every database's limits


def compute_payoffs(loans, as_of: dt.date | None = None, *, chunk: int = CHUNK) -> dict[int, Payoff]:
    """The payoff of each loan (loan pk → Payoff), exactly as compute_payoff gives it, in a fixed number of
    queries per chunk of loans: the facts of the chunk, the categories of those that need a tier, the policy once.

    Raises PayoffError for the first loan (in the given order) whose payoff cannot be computed.
    """
    from npl.core import tenancy
    from npl.waivers.models import POLICY, PolicyVersion

    as_of = as_of or timezone.localdate()
    loans = list({loan.pk: loan for loan in loans}.values())
    markup = penalty_markup()
    # Each loan's district's policy (its own, or the province default's): each owner's version read once.
    owners = tenancy.owners(POLICY)
    policies: dict = {}

    def policy_of(loan):
        owner = owners.of_township(loan.township_id)
        if owner not in policies:
            version = PolicyVersion.in_force_of(owner, as_of)
            policies[owner] = (version, list(version.tiers.select_related("version")) if version is not None else [])
        return policies[owner]
    out = {}
    for i in range(0, len(loans), chunk):
        part = loans[i:i + chunk]
        facts = _gather(part, as_of)
        states = {}
        for loan in part:
            f = facts[loan.pk]
            applied, approved, voided = pick_requests(f.requests, as_of)
            acc = _accrual(loan, as_of, f, markup, applied)
            if f.balance is None:
                raise PayoffError(f"贷款 {loan.loan_no} 在 {as_of:%Y-%m-%d} 尚无银行数据，无法测算")
            states[loan.pk] = (applied, approved, voided, acc)
        # Categories only where the ruler has to choose a tier (no request decides the payoff already).
        need = [loan.pk for loan in part if _needs_tier(states[loan.pk], policy_of(loan)[0])]
        codes = _categories(need, as_of) if need else {}
        for loan in part:
            applied, approved, voided, acc = states[loan.pk]
            version, tiers = policy_of(loan)
            basis = None
            if applied is None and approved is not None:
                day = _basis_day(approved, facts[loan.pk])
                basis = _before(loan, day, facts[loan.pk], markup) if day is not None else None
            out[loan.pk] = _payoff(loan, as_of, facts[loan.pk].balance, acc, markup, applied, approved, voided, version,
                                   tiers, [code for code, _name in codes.get(loan.pk, [])], basis)
    return out


def _categories(loan_ids: list[int], day: dt.date) -> dict[int, list[tuple[str, str]]]:
    """Categories of these loans on `day`: today the stored memberships (they ask the engine themselves before
    today's rows are complete), another day the engine. The engine's query for a handful of loans still reads
    every roster's borrowers (0.5 s a payoff at 20,000 loans on SQLite, growing with the portfolio)."""
    from npl.categories.engine import loan_categories_many
    from npl.categories.stored import loan_categories

    if day == timezone.localdate():
        return loan_categories(loan_ids)
    return loan_categories_many(loan_ids, day)


def _needs_tier(state, version) -> bool:
    applied, approved, voided, _acc = state
    return applied is None and approved is None and version is not None and not _blocked(voided, version)


def _blocked(voided, version) -> bool:
    """A voided waiver under the version in force bars a new offer, unless that version says otherwise."""
    return voided is not None and voided.tier.version_id == version.pk and not version.reoffer_after_void


def _payoff(loan, as_of, principal, acc, markup, applied, approved, voided, version, tiers, codes, basis=None) -> Payoff:
    """The one place the payoff's rules are applied, to facts already gathered.

    `basis`: for an approved waiver whose agreement has begun to be paid, the figures before the first of those
    repayments (`waiver_basis`): its offer is reckoned on them, as it will be fixed.
    """
    lines = list(acc.lines)
    lines.append(f"本金：{as_of:%Y-%m-%d} 本金余额 {fmt_yuan(principal)} 元")
    if loan.rate is not None:
        lines.append(f"利率：执行年利率 {rate_text(loan.rate)}，日利率 = 年利率 ÷ 360；罚息利率 = 年利率 × (1 + {rate_text(markup)})；"
                     f"到期日 {loan.maturity_date:%Y-%m-%d}")
    figures = {"penalty": acc.penalty, "compound": acc.compound, "interest_on": acc.interest_on, "interest_off": acc.interest_off}
    if applied is not None:
        # Show the claim as it would stand without the waiver; waivable is what was waived.
        figures = {"penalty": acc.penalty + applied.waived_penalty, "compound": acc.compound + applied.waived_compound,
                   "interest_on": acc.interest_on + applied.waived_interest_on,
                   "interest_off": acc.interest_off + applied.waived_interest_off}
    for part, accrued in acc.accrued.items():
        lines.append(f"{LABELS[part]}：{fmt_yuan(figures[part])} 元（其中测算期新增 {fmt_yuan(accrued)} 元）")
    lines.append(f"费用：{fmt_yuan(acc.costs)} 元")

    state, req_id, parts = "", None, (Decimal("0.00"),) * 3
    rule, condition, policy = "", "", NO_POLICY
    if applied is not None:
        t = applied.tier
        state, req_id = "applied", applied.pk
        parts = (applied.waived_penalty, applied.waived_compound, applied.waived_interest_on + applied.waived_interest_off)
        policy = f"{tier_label(t)}（减免申请#{applied.pk}已于{applied.applied_on:%Y-%m-%d}生效）"
        rule = rule_text(t)
        condition = f"已于{cn_date(applied.applied_on)}按约定还款，减免已生效"
        lines.append(f"已减免：{fmt_yuan(sum(parts))} 元（罚息 {fmt_yuan(parts[0])}、复利 {fmt_yuan(parts[1])}、"
                     f"利息 {fmt_yuan(parts[2])}），减免申请#{applied.pk}于 {applied.applied_on:%Y-%m-%d} 生效")
    elif approved is not None:
        t = approved.tier
        shown = figures if basis is None else {p: getattr(basis, p) for p in ("penalty", "compound", "interest_on", "interest_off")}
        o = offer(t, _Figures(**shown))
        state, req_id = "approved", approved.pk
        parts = _within((o.penalty, o.compound, o.interest), sum(figures.values()))
        policy = f"{tier_label(t)}（减免申请#{approved.pk}已批准，还款后生效）"
        rule = rule_text(t)
        condition = f"{cn_date(approved.deadline)}前归还约定金额 {fmt_yuan(approved.agreed_amount)} 元（{approved.get_mode_display()}），先还后免"
        since = "" if basis is None else f"，按{basis.as_of:%Y-%m-%d}约定还款前的欠息计算"
        lines.append(_offer_line(o, shown, f"减免申请#{approved.pk}已批准，{condition}{since}"))
    elif version is None:
        rule = f"{cn_date(as_of)}没有生效的减免政策"
        lines.append(f"可减免：0.00 元（{rule}）")
    elif _blocked(voided, version):
        state, req_id = "voided", voided.pk
        rule = (f"减免申请#{voided.pk}已于{cn_date(voided.voided_on)}因“{voided.void_reason}”作废，利息恢复；"
                f"{version.name}政策内不再减免")
        lines.append(f"可减免：0.00 元（{rule}）")
    else:
        best, reason = choose_tier(tiers, codes, _Figures(**figures), as_of)
        if voided is not None:
            lines.append(f"减免申请#{voided.pk}已于 {voided.voided_on:%Y-%m-%d} 作废，利息已恢复")
        if best is None:
            rule = f"{version.name}：{reason}"
            lines.append(f"可减免：0.00 元（{reason}）")
        else:
            state = "offer"
            parts = (best.penalty, best.compound, best.interest)
            policy, rule, condition = tier_label(best.tier), rule_text(best.tier), condition_text(best.tier)
            lines.append(_offer_line(best, figures, reason))
    waivable = sum(parts)
    interest = figures["interest_on"] + figures["interest_off"]
    to_pay = principal + interest + figures["penalty"] + figures["compound"] + acc.costs - waivable
    lines.append(f"应还：本金 {fmt_yuan(principal)} + 利息 {fmt_yuan(interest)} + 罚息 {fmt_yuan(figures['penalty'])} + "
                 f"复利 {fmt_yuan(figures['compound'])} + 费用 {fmt_yuan(acc.costs)} − 减免 {fmt_yuan(waivable)} = {fmt_yuan(to_pay)} 元")
    return Payoff(
        loan_no=loan.loan_no, as_of=as_of, principal=principal, interest_on=figures["interest_on"],
        interest_off=figures["interest_off"], interest=interest, penalty=figures["penalty"], compound=figures["compound"],
        costs=acc.costs, waivable=waivable, to_pay=to_pay, policy=policy, rule=rule, condition=condition,
        lines=tuple(lines), waiver_state=state, waiver_request_id=req_id,
        waivable_penalty=parts[0], waivable_compound=parts[1], waivable_interest=parts[2],
    )


def _within(parts: tuple, limit: Decimal) -> tuple:
    """(penalty, compound, interest) cut to at most `limit` in all, compound first, then penalty, then interest.

    An offer reckoned before the agreement's first repayment can exceed the interest still owed after it by
    the accrual that repayment's own day no longer bears (a repayment counts at the start of its day); what
    the payoff holds back, and what a repayment leaves for the waiver, is never more than is still owed.
    """
    over = sum(parts) - limit
    out = list(parts)
    for i in (1, 0, 2):
        cut = min(max(over, Decimal("0")), out[i])
        out[i] -= cut
        over -= cut
    return tuple(out)


@dataclass(frozen=True)
class _Figures:
    penalty: Decimal
    compound: Decimal
    interest_on: Decimal
    interest_off: Decimal


def _offer_line(o, figures: dict, reason: str) -> str:
    t = o.tier
    interest = figures["interest_on"] + figures["interest_off"]
    return (f"可减免：罚息 {fmt_yuan(figures['penalty'])} × {share_text(t.penalty_share)} = {fmt_yuan(o.penalty)} 元，"
            f"复利 {fmt_yuan(figures['compound'])} × {share_text(t.compound_share)} = {fmt_yuan(o.compound)} 元，"
            f"利息 {fmt_yuan(interest)} × {share_text(t.interest_share)} = {fmt_yuan(o.interest)} 元（表内、表外分别计算），"
            f"合计 {fmt_yuan(o.total)} 元（{reason}）")
