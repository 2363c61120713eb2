"""The clock rules as one pure function (no database): facts in, deadlines, statuses and the trail out.

DOMAIN.md "Legal clocks"; the choices made where the law leaves room are in docs/legal-clocks.md.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from npl.core.workdays import LIBRARY, Calendar, Extension, extend

# Statutory periods (民法典 arts. 188, 692; 民事诉讼法 art. 250): law, not settings officials tune.
LIMITATION_YEARS = 3
ENFORCEMENT_YEARS = 2
DEFAULT_GUARANTEE_MONTHS = 6
WARN_MONTHS = ((1, "due_1m"), (3, "due_3m"), (6, "due_6m"))

BASIS_LABELS = {
    "maturity": "到期日起算",
    "signed_notice": "催收通知签收",
    "newspaper_notice": "登报公告（借款人失联）",
    "repayment": "借款人还款",
    "agreement": "借款人书面同意还款",
    "lawsuit": "银行起诉",
    "revived": "时效届满后借款人本人确认（需法务复核）",
}
STATUS_LABELS = {
    "ok": "正常",
    "due_6m": "6个月内届满",
    "due_3m": "3个月内届满",
    "due_1m": "1个月内届满",
    "lapsed": "已届满",
    "suspended_by_suit": "诉讼中",
    "released": "已解除",
}
EFFECT_LABELS = {
    "start": "起算",
    "interrupt": "中断，重新计算",
    "revive": "时效复活",
    "suit": "诉讼",
    "enforcement": "申请执行期限",
    "ignored": "不影响时效",
}

BANK_SUED = "bank_sued_borrower"  # npl.litigation.choices.Direction; kept literal so this part needs no Django
METHOD_LABELS = {
    "visit": "上门催收",
    "phone": "电话催收",
    "sms": "短信催收",
    "letter": "信函催收",
    "lawyer": "律师函",
    "newspaper": "登报公告",
    "other": "其他催收",
}
SIGNATURE_LABELS = {"borrower": "借款人签收", "relative": "家属签收", "unsigned": "未签收", "refused": "拒签", "": "无签收记录"}


def add_years(day: dt.date, years: int) -> dt.date:
    """Same calendar date `years` later; 29 Feb falls back to the month's last day (民法典 art. 202)."""
    try:  # what relativedelta(years=…) gives, without its cost (a rebuild adds years to a million dates)
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without one
        return day.replace(year=day.year + years, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same date `months` later, or that month's last day when it lacks the date."""
    return day + relativedelta(months=months)


def status_for(deadline: dt.date, as_of: dt.date) -> str:
    """ok / due_6m / due_3m / due_1m / lapsed: lapsed only once as_of is past the deadline day."""
    if as_of > deadline:
        return "lapsed"
    for last, code in _warning_ends(as_of):
        if deadline <= last:
            return code
    return "ok"


@functools.lru_cache(maxsize=512)
def _warning_ends(as_of: dt.date) -> tuple[tuple[dt.date, str], ...]:
    """The last day of each warning's reach from as_of: the same for every loan counted on that day."""
    return tuple((add_months(as_of, months), code) for months, code in WARN_MONTHS)


# --- facts (inputs of the pure function) ---------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """A ledger line: method and 签收情况 decide whether it was a received demand."""

    on: dt.date
    method: str
    signature: str = ""
    label: str = ""


@dataclass(frozen=True)
class Payment:
    """A repayment; any confirmed, voluntary payment is the borrower agreeing to pay."""

    on: dt.date
    amount: Decimal = Decimal("0.01")
    channel: str = "cash"
    confirmed: bool = True
    label: str = ""


@dataclass(frozen=True)
class Agreement:
    """A signed plan, 还款协议书, security or extension request by the borrower."""

    on: dt.date
    kind_label: str = "还款协议书"
    label: str = ""


@dataclass(frozen=True)
class Suit:
    """A litigation case with its dates already resolved from the case and its stage history."""

    direction: str
    on: dt.date  # filing day (起诉日期, else 立案日期, else the day it counts from)
    case_no: str = ""
    judgment_on: dt.date | None = None  # judgment or mediation; None: not judged (or date unknown)
    judged_undated: bool = False  # the stage says judged but no date is recorded
    performance_due: dt.date | None = None
    enforcement_case_no: str = ""
    enforcement_on: dt.date | None = None  # day enforcement was applied for / filed, if known
    has_enforcement: bool = False  # an enforcement case exists (number or stage), dated or not
    closed: bool = False
    closed_on: dt.date | None = None

    def end_without_judgment(self, as_of: dt.date) -> dt.date | None:
        """The day a suit ended without judgment (withdrawn, dismissed) as seen on as_of; else None."""
        if not self.closed or self.judgment_on is not None or self.judged_undated or self.has_enforcement:
            return None  # open, or ended through a judgment (an enforcement case implies one)
        if self.closed_on is None:
            return self.on  # undated closing: count from the filing, the earlier (safer) day
        return self.closed_on if self.closed_on <= as_of else None

    def enforcement_started(self, as_of: dt.date) -> bool:
        if self.enforcement_on is not None:
            return self.enforcement_on <= as_of
        return self.has_enforcement


@dataclass(frozen=True)
class Demand:
    """The bank's demand that a guarantor pay (要求承担保证责任, 民法典 art. 694), with how it is proved."""

    on: dt.date
    label: str = ""  # the evidence, e.g. 保证人签收的通知书（回执）


@dataclass(frozen=True)
class GuarantorFact:
    """A guarantor as the clocks see it: masked name, contractual months, release day and the demands made on them."""

    name: str  # already masked for display
    months: int | None = None
    released_on: dt.date | None = None
    demands: tuple[Demand, ...] = ()


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of the evidence trail: what happened, what it did to the clock, and why."""

    on: dt.date
    what: str
    effect: str
    reason: str
    deadline: dt.date | None = None

    @property
    def effect_label(self) -> str:
        return EFFECT_LABELS[self.effect]

    @property
    def moved(self) -> bool:
        return self.effect in ("start", "interrupt", "revive", "suit")


def until(ext: Extension) -> str:
    """A deadline as the trail says it: the extended day, with the nominal day and the reason when it moved."""
    if not ext.reason:
        return f"{ext.deadline}"
    if ext.moved:
        return f"{ext.deadline}（名义届满日{ext.nominal}，{ext.reason}）"
    return f"{ext.deadline}（{ext.reason}）"


@dataclass(frozen=True)
class GuaranteeClock:
    """A guarantor's guarantee period: fixed from maturity, never interrupted (民法典 art. 692), past rest days (art. 203)."""

    name: str
    months: int
    contractual: bool
    ends_on: dt.date  # the last day, extended past rest days
    status: str
    released_on: dt.date | None = None
    extension: Extension | None = None
    # The guarantor's own limitation period (保证债务诉讼时效, art. 694): None until a demand within the
    # guarantee period; restarted by each later demand within it (art. 195); past rest days (art. 203).
    own: Extension | None = None
    own_status: str | None = None
    demanded_on: dt.date | None = None  # the demand within the guarantee period that started it
    own_from: dt.date | None = None  # the demand the current own period runs from
    steps: tuple[Step, ...] = ()  # each demand: what it did to the guarantor's clocks, and why

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def nominal_ends_on(self) -> dt.date:
        return self.extension.nominal if self.extension else self.ends_on

    @property
    def ends_reason(self) -> str:
        return self.extension.reason if self.extension else ""

    @property
    def own_deadline(self) -> dt.date | None:
        return self.own.deadline if self.own else None

    @property
    def own_status_label(self) -> str:
        return STATUS_LABELS.get(self.own_status or "", "")

    @property
    def claimed(self) -> bool:
        """Payment was demanded within the guarantee period: that period has done its work (art. 694)."""
        return self.demanded_on is not None

    @property
    def discharged(self) -> bool:
        """The guarantee period ended with no demand within it: the guarantor no longer answers (art. 693)."""
        return self.status == "lapsed" and not self.claimed


@dataclass
class Clock:
    """Everything the clocks say about one loan on one as-of day."""

    maturity: dt.date
    as_of: dt.date
    deadline: dt.date | None  # the last day of the limitation period, extended past rest days (art. 203)
    basis: str
    status: str
    enforcement_deadline: dt.date | None = None  # extended as well
    enforcement_status: str | None = None
    limitation: Extension | None = None  # nominal day, extended day and why (None while a suit holds the claim)
    enforcement: Extension | None = None
    revived_on: dt.date | None = None
    filed_after_lapse: bool = False
    trail: list[Step] = field(default_factory=list)
    guarantees: list[GuaranteeClock] = field(default_factory=list)
    release_date: dt.date | None = None

    @property
    def basis_label(self) -> str:
        return BASIS_LABELS[self.basis]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def enforcement_status_label(self) -> str:
        return STATUS_LABELS.get(self.enforcement_status or "", "")

    @property
    def nominal_deadline(self) -> dt.date | None:
        return self.limitation.nominal if self.limitation else None

    @property
    def deadline_reason(self) -> str:
        return self.limitation.reason if self.limitation else ""

    @property
    def enforcement_nominal_deadline(self) -> dt.date | None:
        return self.enforcement.nominal if self.enforcement else None

    @property
    def enforcement_reason(self) -> str:
        return self.enforcement.reason if self.enforcement else ""

    @property
    def schedule_missing(self) -> bool:
        """A deadline shown falls in a year with no holiday schedule: weekends alone were counted."""
        return any(e is not None and e.schedule_missing for e in (self.limitation, self.enforcement))

    @property
    def needs_legal_review(self) -> bool:
        return self.revived_on is not None or self.filed_after_lapse

    @property
    def released(self) -> bool:
        return self.release_date is not None and self.release_date <= self.as_of

    def report_row(self, loan_no: str) -> dict:
        """One entry of the `npl report clocks --json` answer: INTAKE.md's fields, then those docs/legal-clocks.md adds."""
        lim, enf = self.limitation, self.enforcement
        return {
            "loan_no": loan_no,
            "limitation_deadline": self.deadline.isoformat() if self.deadline else None,
            "limitation_basis": self.basis,
            "limitation_status": self.status,
            "enforcement_deadline": self.enforcement_deadline.isoformat() if self.enforcement_deadline else None,
            "limitation_nominal_deadline": lim.nominal.isoformat() if lim else None,
            "limitation_deadline_reason": (lim.reason or None) if lim else None,
            "limitation_schedule_missing": bool(lim and lim.schedule_missing),
            "enforcement_nominal_deadline": enf.nominal.isoformat() if enf else None,
            "enforcement_deadline_reason": (enf.reason or None) if enf else None,
            "enforcement_schedule_missing": bool(enf and enf.schedule_missing),
            "enforcement_status": self.enforcement_status,
        }


# Same-day order: the borrower's own acts first, so a revival is not overtaken by a weaker event of that day.
def _rank(ev) -> int:
    if isinstance(ev, Payment):
        return 0
    if isinstance(ev, Agreement):
        return 1
    if isinstance(ev, Action):
        return {"borrower": 2, "relative": 3}.get(ev.signature, 5 if ev.method != "newspaper" else 4)
    return 9  # suits last: a same-day demand is judged before the suit takes the claim over


def _describe(ev) -> str:
    if isinstance(ev, Action):
        text = f"{METHOD_LABELS.get(ev.method, ev.method)}（{SIGNATURE_LABELS.get(ev.signature, ev.signature)}）"
    elif isinstance(ev, Payment):
        text = f"还款 {ev.amount} 元"
    elif isinstance(ev, Agreement):
        text = f"借款人签署{ev.kind_label}"
    else:
        who = "银行起诉借款人" if ev.direction == BANK_SUED else "借款人起诉银行"
        text = f"{who}（{ev.case_no}）" if ev.case_no else who
    return f"{text} {getattr(ev, 'label', '')}".strip()


def _classify(ev, lost_contact_days: Container) -> tuple[str | None, bool, str]:
    """(basis if it interrupts, whether it is the borrower's own act, why not) for a non-suit event."""
    if isinstance(ev, Payment):
        if not ev.confirmed:
            return None, False, "还款尚未经网点确认，暂不计入"
        if ev.channel == "court":
            return None, False, "法院强制执行到位款不是借款人自愿还款，不另行中断时效"
        if ev.amount <= 0:
            return None, False, "还款金额为零"
        return "repayment", True, ""
    if isinstance(ev, Agreement):
        return "agreement", True, ""
    if ev.signature == "borrower":
        return "signed_notice", True, ""
    if ev.signature == "relative":
        return "signed_notice", False, ""
    if ev.method == "newspaper":
        if ev.on in lost_contact_days:
            return "newspaper_notice", False, ""
        return None, False, "登报当日借款人不在失联类别（下落明确），登报公告不中断时效"
    if ev.signature == "refused":
        return None, False, "借款人拒签，催收未被接收，不中断时效"
    if ev.signature == "unsigned":
        return None, False, "未签收（未送达），不中断时效"
    return None, False, "无签收记录的电话、上门等催收不能证明送达，不中断时效"


def compute_limitation(
    maturity: dt.date,
    events: Iterable,
    as_of: dt.date,
    lost_contact_days: Container = frozenset(),
    *,
    guarantors: Iterable[GuarantorFact] = (),
    release_date: dt.date | None = None,
    calendar: Calendar = LIBRARY,
) -> Clock:
    """The clocks of one loan on as_of from its facts (Action, Payment, Agreement, Suit); no database.

    `lost_contact_days` answers `day in lost_contact_days`: was the borrower in the lost-contact
    category that day (only newspaper notices ask). `calendar`: the rest days a period's last day is
    moved past (民法典 art. 203; npl.core.workdays); every deadline here is the extended one.
    """

    def period(start: dt.date) -> Extension:
        return extend(add_years(start, LIMITATION_YEARS), calendar)

    limitation: Extension | None = period(maturity)
    deadline: dt.date | None = limitation.deadline
    basis, last_on, revived_on = "maturity", maturity, None
    trail = [Step(maturity, "贷款到期", "start", f"自到期日次日起算三年（民法典第188条），至{until(limitation)}届满", deadline)]
    windows: list[tuple[dt.date, dt.date | None]] = []  # (start, end] in which a bank suit holds the claim
    active_suit: Suit | None = None
    filed_after_lapse = False
    bank_suits: list[Suit] = []

    def in_window(day):
        return any(start < day and (end is None or day <= end) for start, end in windows)

    for ev in sorted(events, key=lambda e: (e.on, _rank(e))):
        what = _describe(ev)
        if ev.on > as_of:
            trail.append(Step(ev.on, what, "ignored", f"晚于统计日{as_of}，不计入"))
            continue
        if isinstance(ev, Suit):
            if ev.direction != BANK_SUED:
                trail.append(Step(ev.on, what, "ignored", "借款人起诉银行，不影响本笔贷款的诉讼时效"))
                continue
            bank_suits.append(ev)
            end = ev.end_without_judgment(as_of)
            if active_suit is not None or in_window(ev.on):
                trail.append(Step(ev.on, what, "ignored", "另案诉讼期间，时效已因起诉中断"))
                if end is None:
                    active_suit = active_suit or ev
                    windows.append((ev.on, None))
                continue
            lapsed, old_deadline = ev.on > deadline, deadline
            if end is None:
                active_suit, deadline, basis = ev, None, "lawsuit"
                windows.append((ev.on, None))
                if lapsed:
                    filed_after_lapse = True
                    reason = (
                        f"起诉时诉讼时效已于{old_deadline}届满；诉讼期间标记为诉讼中，"
                        "借款人可提出时效抗辩，需法务复核"
                    )
                else:
                    reason = "银行起诉中断诉讼时效（民法典第195条）；诉讼期间不计算时效"
                trail.append(Step(ev.on, what, "suit", reason, None))
                continue
            if lapsed:
                trail.append(Step(ev.on, what, "ignored", f"起诉时诉讼时效已于{deadline}届满，案件未经判决终结，不产生中断"))
                continue
            if ev.on <= maturity:
                trail.append(Step(ev.on, what, "ignored", "到期前起诉且案件未经判决终结，不影响自到期日起算的时效"))
                continue
            limitation = period(end)
            deadline, basis, last_on = limitation.deadline, "lawsuit", end
            windows.append((ev.on, end))
            trail.append(
                Step(ev.on, what, "suit",
                     f"起诉中断时效；案件于{end}未经判决终结（撤诉、驳回等），自次日起重新计算三年，至{until(limitation)}", deadline)
            )
            continue
        if ev.on <= maturity:
            trail.append(Step(ev.on, what, "ignored", f"在到期日{maturity}当日或之前，不影响时效"))
            continue
        if in_window(ev.on):
            trail.append(Step(ev.on, what, "ignored", "银行起诉期间，时效已因起诉中断"))
            continue
        kind, own_act, why_not = _classify(ev, lost_contact_days)
        if kind is None:
            trail.append(Step(ev.on, what, "ignored", why_not))
            continue
        # The (extended) deadline day itself still counts: the period ends at its close, so a signature on
        # the Monday after a Sunday deadline interrupts, and from the Tuesday it is too late.
        if ev.on <= deadline:
            if ev.on == last_on:
                trail.append(Step(ev.on, what, "ignored", "同日已有中断事由，期限不变", deadline))
                continue
            within = f"（在顺延后的届满日{deadline}之内）" if ev.on > limitation.nominal else ""
            limitation = period(ev.on)
            deadline, basis, last_on = limitation.deadline, kind, ev.on
            trail.append(Step(ev.on, what, "interrupt",
                              f"{BASIS_LABELS[kind]}中断时效{within}，自次日起重新计算三年，至{until(limitation)}", deadline))
        elif own_act:
            limitation = period(ev.on)
            deadline, basis, last_on, revived_on = limitation.deadline, "revived", ev.on, ev.on
            trail.append(
                Step(ev.on, what, "revive", f"时效已届满，借款人本人行为使时效重新起算，至{until(limitation)}；需法务复核", deadline)
            )
        else:
            trail.append(Step(ev.on, what, "ignored", f"时效已于{deadline}届满，家属签收或登报公告不能使时效复活"))

    if active_suit is not None:  # pending or judged: the court holds the claim, no limitation deadline runs
        deadline, basis, status, limitation = None, "lawsuit", "suspended_by_suit", None
    else:
        status = status_for(deadline, as_of)

    enforcement = _enforcement(bank_suits, as_of, trail, calendar)
    enforcement_deadline = enforcement.deadline if enforcement else None
    clock = Clock(
        maturity=maturity,
        as_of=as_of,
        deadline=deadline,
        basis=basis,
        status=status,
        enforcement_deadline=enforcement_deadline,
        enforcement_status=status_for(enforcement_deadline, as_of) if enforcement_deadline else None,
        limitation=limitation,
        enforcement=enforcement,
        revived_on=revived_on,
        filed_after_lapse=filed_after_lapse,
        trail=sorted(trail, key=lambda s: s.on),
        guarantees=[_guarantee(g, maturity, as_of, calendar) for g in guarantors],
        release_date=release_date,
    )
    return clock


def _enforcement(bank_suits: list[Suit], as_of: dt.date, trail: list[Step], calendar: Calendar) -> Extension | None:
    """Earliest deadline to apply for enforcement among judged bank suits with no enforcement case yet, past rest days."""
    earliest = None
    for suit in bank_suits:
        judged = suit.judgment_on if suit.judgment_on and suit.judgment_on <= as_of else None
        if judged is None:
            if suit.judged_undated:
                trail.append(Step(suit.on, f"判决（{suit.case_no}）", "enforcement", "已判决但未登记判决日期，无法计算申请执行期限"))
            continue
        if suit.enforcement_started(as_of):
            label = f"执行案号{suit.enforcement_case_no}" if suit.enforcement_case_no else "已申请执行"
            trail.append(Step(suit.enforcement_on or judged, label, "enforcement", "已申请执行，申请执行期限不再计算"))
            continue
        if suit.closed and (suit.closed_on is None or suit.closed_on <= as_of):
            trail.append(Step(suit.closed_on or judged, f"结案（{suit.case_no}）", "enforcement", "案件已结案，不再计算申请执行期限"))
            continue
        start = suit.performance_due or judged
        due = extend(add_years(start, ENFORCEMENT_YEARS), calendar)
        source = "履行期限届满日" if suit.performance_due else "判决日期（未登记履行期限，以判决日期代替）"
        trail.append(
            Step(judged, f"判决/调解（{suit.case_no}）", "enforcement", f"申请执行期限二年，自{source}{start}次日起算，至{until(due)}")
        )
        if earliest is None or due.deadline < earliest.deadline:
            earliest = due
    return earliest


def _guarantee(g: GuarantorFact, maturity: dt.date, as_of: dt.date, calendar: Calendar) -> GuaranteeClock:
    months = g.months or DEFAULT_GUARANTEE_MONTHS
    ends = extend(add_months(maturity, months), calendar)
    released = g.released_on is not None and g.released_on <= as_of
    status = "released" if released else status_for(ends.deadline, as_of)
    own, demanded_on, own_from, steps = None, None, None, []
    for d in sorted(g.demands, key=lambda d: d.on):
        what = f"要求保证人{g.name}承担保证责任（{d.label}）" if d.label else f"要求保证人{g.name}承担保证责任"
        if d.on > as_of:
            steps.append(Step(d.on, what, "ignored", f"晚于统计日{as_of}，不计入"))
        elif released or (g.released_on is not None and g.released_on <= d.on):
            steps.append(Step(d.on, what, "ignored", f"保证人已于{g.released_on}解除保证责任，不计算保证债务诉讼时效"))
        elif d.on <= maturity:
            steps.append(Step(d.on, what, "ignored", f"在主债务到期日{maturity}当日或之前，保证期间尚未起算，不起算保证债务诉讼时效"))
        elif own is None and d.on > ends.deadline:
            steps.append(Step(d.on, what, "ignored",
                              f"保证期间已于{until(ends)}届满，未在保证期间内要求保证人承担保证责任，"
                              "保证人不再承担保证责任（民法典第693条）；此次主张不起算诉讼时效"))
        elif own is None:
            own, demanded_on, own_from = extend(add_years(d.on, LIMITATION_YEARS), calendar), d.on, d.on
            steps.append(Step(d.on, what, "start",
                              f"在保证期间（至{ends.deadline}）内要求保证人承担保证责任，自次日起算保证债务诉讼时效三年"
                              f"（民法典第694条），至{until(own)}", own.deadline))
        elif d.on <= own.deadline:
            own, own_from = extend(add_years(d.on, LIMITATION_YEARS), calendar), d.on
            steps.append(Step(d.on, what, "interrupt",
                              f"再次要求承担保证责任，中断保证债务诉讼时效（民法典第195条），自次日起重新计算三年，至{until(own)}",
                              own.deadline))
        else:
            steps.append(Step(d.on, what, "ignored",
                              f"保证债务诉讼时效已于{own.deadline}届满，银行再次主张不能使时效重新起算"))
    return GuaranteeClock(
        g.name, months, bool(g.months), ends.deadline, status, g.released_on, ends,
        own=None if released else own,
        own_status=None if released or own is None else status_for(own.deadline, as_of),
        demanded_on=None if released else demanded_on,
        own_from=None if released else own_from,
        steps=tuple(steps),
    )


class Intervals:
    """Days covered by [start, end) ranges (end None: still open), less the `minus` ranges."""

    def __init__(self, ranges=(), minus=()):
        self.ranges = list(ranges)
        self.minus = list(minus)

    @staticmethod
    def _hit(ranges, day):
        return any(start <= day and (end is None or day < end) for start, end in ranges)

    def __contains__(self, day) -> bool:
        return self._hit(self.ranges, day) and not self._hit(self.minus, day)

    def __bool__(self) -> bool:
        return bool(self.ranges)
