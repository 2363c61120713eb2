"""Interest accrual after the bank's latest figures (docs/interest-and-waivers.md has the method and an example).

`accrue` is pure: the bank's figures on its snapshot day, the loan's terms, what was paid and waived after,
and a day → the owed figures on that day with one line per stretch of accrual. `gather` reads those inputs
from the database for one loan. Day by day, from the snapshot day (exclusive) to the as-of day (inclusive):

- a repayment or applied waiver dated D counts at the start of D (D is not charged on what it cleared);
- suspended days (停息挂账) and a loan without a rate accrue nothing;
- on or before maturity: contract interest = principal × rate / 360, booked off the balance sheet (表外) when
  the loan is non-accrual (次级/可疑/损失), else on it (表内);
- after maturity: penalty interest (罚息) = overdue principal × rate × (1 + markup) / 360;
- every accruing day: compound interest (复利) = unpaid contract interest (表内 + 表外) × rate × (1 + markup) / 360;
- interest repaid goes to 表内 → 表外 → 罚息 → 复利 (contract interest first: it is what compounds, and the
  waiver tiers mostly forgive penalty and compound, so money paid never lands on what would be waived);
- an applied waiver takes its amount off the interest claim: each part what the tier reckoned, and what a part
  no longer holds (repaid first) off the other interest parts, 复利 first.
Amounts are kept exact while accruing and each figure is rounded to the fen (half-up) once, at the end.
"""
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from npl.core.money import CENT, fmt_yuan

ZERO = Decimal("0")
DAYS_A_YEAR = Decimal("360")
PARTS = ("interest_on", "interest_off", "penalty", "compound")  # the order interest repaid is applied in
LABELS = {"interest_on": "表内欠息", "interest_off": "表外欠息", "penalty": "罚息", "compound": "复利", "costs": "费用"}


@dataclass(frozen=True)
class Start:
    """The bank's figures for the loan on the as-of day of its latest import."""

    day: dt.date
    principal: Decimal
    interest_on: Decimal = ZERO
    interest_off: Decimal = ZERO
    penalty: Decimal = ZERO
    compound: Decimal = ZERO
    costs: Decimal = ZERO


@dataclass(frozen=True)
class Terms:
    """What accrual depends on: annual rate in % (None: unknown), maturity, markup in %, non-accrual, suspensions."""

    rate: Decimal | None
    maturity: dt.date
    markup: Decimal = Decimal("50")
    off_balance: bool = False
    suspended: tuple[tuple[dt.date, dt.date], ...] = ()  # (first day, last day) inclusive


@dataclass(frozen=True)
class Movement:
    """Something that lowers the figures on a day: a confirmed repayment or an applied waiver (write-down)."""

    day: dt.date
    principal: Decimal = ZERO
    interest: Decimal = ZERO  # repaid interest, spread over PARTS in order
    costs: Decimal = ZERO
    waived: tuple[tuple[str, Decimal], ...] = ()  # (part, amount) taken off that part; what it no longer holds, off the others
    label: str = ""


@dataclass(frozen=True)
class Accrual:
    """The figures owed on `as_of` (rounded to the fen) and how each was reached."""

    as_of: dt.date
    principal: Decimal
    interest_on: Decimal
    interest_off: Decimal
    penalty: Decimal
    compound: Decimal
    costs: Decimal
    accrued: dict = field(default_factory=dict)  # part → accrued after the snapshot (rounded)
    lines: tuple[str, ...] = ()


def fen(value: Decimal) -> Decimal:
    """Round once to the fen, half-up (四舍五入到分)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def rate_text(value: Decimal) -> str:
    return f"{value.normalize():f}%"


@dataclass
class _Stretch:
    """Consecutive days accruing one part on one base (the base of compound interest changes daily)."""

    part: str
    first: dt.date
    last: dt.date
    base: Decimal
    base_end: Decimal
    annual: Decimal  # annual rate in %, markup included
    amount: Decimal
    days: int = 1


def _describe(s: _Stretch) -> str:
    span = f"{s.first:%Y-%m-%d}至{s.last:%Y-%m-%d}共{s.days}天"
    if s.part == "compound":
        base = f"未付利息 {fmt_yuan(s.base)} 元" if s.base == s.base_end else f"未付利息由 {fmt_yuan(s.base)} 元至 {fmt_yuan(s.base_end)} 元（逐日）"
        return f"复利：{span}，{base} × 年利率 {rate_text(s.annual)} ÷ 360，计 {fmt_yuan(fen(s.amount))} 元"
    what = {"interest_on": "合同利息（表内）", "interest_off": "合同利息（表外，非应计贷款）", "penalty": "逾期罚息"}[s.part]
    return (f"{what}：{span}，本金 {fmt_yuan(s.base)} 元 × 年利率 {rate_text(s.annual)} ÷ 360 × {s.days} 天"
            f" = {fmt_yuan(fen(s.amount))} 元")


def accrue(start: Start, terms: Terms, movements: list[Movement], as_of: dt.date) -> Accrual:
    """The owed figures on `as_of`: start, less what was paid or waived, plus what accrued day by day."""
    if as_of < start.day:
        raise ValueError("测算日期早于银行数据日期")
    with localcontext() as ctx:
        ctx.prec = 40
        return _accrue(start, terms, sorted(movements, key=lambda m: m.day), as_of)


def _accrue(start: Start, terms: Terms, movements: list[Movement], as_of: dt.date) -> Accrual:
    principal = start.principal
    owed = {p: getattr(start, p) for p in PARTS}
    costs = start.costs
    accrued = dict.fromkeys(PARTS, ZERO)
    lines = [f"起点：{start.day:%Y-%m-%d} 银行数据，本金 {fmt_yuan(start.principal)} 元，表内欠息 {fmt_yuan(start.interest_on)} 元，"
             f"表外欠息 {fmt_yuan(start.interest_off)} 元，罚息 {fmt_yuan(start.penalty)} 元，复利 {fmt_yuan(start.compound)} 元，"
             f"费用 {fmt_yuan(start.costs)} 元"]
    stretches: list[_Stretch] = []
    open_: dict[str, _Stretch] = {}
    rate = terms.rate / 100 if terms.rate is not None else None
    penalty_annual = terms.rate * (1 + terms.markup / 100) if terms.rate is not None else None
    suspended_days, excess = 0, ZERO
    i = 0
    day = start.day
    while day < as_of:
        day += dt.timedelta(days=1)
        while i < len(movements) and movements[i].day <= day:
            m = movements[i]
            i += 1
            if m.day <= start.day:
                continue  # already inside the bank's figures
            principal = max(principal - m.principal, ZERO)
            costs = max(costs - m.costs, ZERO)
            left = m.interest
            for part in PARTS:
                take = min(left, owed[part])
                owed[part] -= take
                left -= take
            excess += left
            short = ZERO
            for part, amount in m.waived:
                take = min(amount, max(owed[part], ZERO))
                owed[part] -= take
                short += amount - take
            # A waiver forgives an amount of the interest claim; its split by part is how the tier reckoned it.
            # Repayments in the agreement may have paid a part first (interest repaid goes 表内 → 表外 → 罚息 → 复利),
            # so what a part no longer holds comes off the others (复利, 罚息, … first), never off principal.
            for part in reversed(PARTS):
                take = min(short, max(owed[part], ZERO))
                owed[part] -= take
                short -= take
            if m.label:
                lines.append(m.label)
        if rate is None or any(a <= day <= b for a, b in terms.suspended):
            suspended_days += rate is not None
            open_.clear()
            continue
        todays = []
        if day <= terms.maturity:
            part = "interest_off" if terms.off_balance else "interest_on"
            todays.append((part, principal, terms.rate, principal * rate / DAYS_A_YEAR))
        else:
            todays.append(("penalty", principal, penalty_annual, principal * penalty_annual / 100 / DAYS_A_YEAR))
        unpaid = owed["interest_on"] + owed["interest_off"]
        todays.append(("compound", unpaid, penalty_annual, unpaid * penalty_annual / 100 / DAYS_A_YEAR))
        seen = set()
        for part, base, annual, amount in todays:
            seen.add(part)
            if amount == 0:
                open_.pop(part, None)
                continue
            s = open_.get(part)
            same_base = s is not None and (part == "compound" or s.base == base) and s.annual == annual
            if same_base and s.last == day - dt.timedelta(days=1):
                s.last, s.days, s.base_end, s.amount = day, s.days + 1, base, s.amount + amount
            else:
                s = _Stretch(part, day, day, base, base, annual, amount)
                open_[part] = s
                stretches.append(s)
        for part in list(open_):
            if part not in seen:
                open_.pop(part)
        # Today's accrual is added after every base of the day was read: compound never feeds on today's interest.
        for part, _base, _annual, amount in todays:
            owed[part] += amount
            accrued[part] += amount
    for s in stretches:
        lines.append(_describe(s))
    if terms.rate is None:
        lines.append("执行利率缺失：无法计息，测算日欠息按银行数据（扣减其后还款）列示")
    if suspended_days:
        lines.append(f"停息挂账：共{suspended_days}天不计息")
    if excess > 0:
        lines.append(f"另有已还利息 {fmt_yuan(excess)} 元超过欠息，未冲抵本金（请网点核对）")
    return Accrual(
        as_of=as_of, principal=fen(principal), costs=fen(costs),
        accrued={p: fen(v) for p, v in accrued.items()}, lines=tuple(lines),
        **{p: fen(max(v, ZERO)) for p, v in owed.items()},
    )
