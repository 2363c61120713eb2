"""The loan workflow (DOMAIN.md, 'Lifecycle'): states, the moves between them, who may make each, and the
one function that makes a move under optimistic locking.

registered → in_collection → (plan_agreed) → partly_repaid → settled, and written_off (核销) which stays
collectible (账销案存): repayments, actions and plans go on, and full repayment still settles it. Interest
suspension (停息挂账) is a side flag on Loan (`interest_suspended`); litigation lives in npl.litigation and
task reductions in npl.campaigns, each with their own records.

Moves made by the platform itself (a repayment lowering the balance, a plan broken by the daily sweep) are
made with `user=None` and need the SYSTEM role in the table. `loans.services.refresh_current` applies the
repayment-driven moves (partly repaid, settled, back in collection) to many loans at once; the table lists
them so that the page and the docs show one picture.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone

from npl.accounts.choices import Role
from npl.core import derived
from npl.loans.choices import EventKind, LoanStatus
from npl.loans.models import Loan, LoanEvent

S = LoanStatus
SYSTEM = "system"  # the platform acting on its own (sweep, repayment confirmation)
STALE_MESSAGE = "该贷款已被他人修改，请刷新后重试"


class StaleVersion(ValidationError):
    """Someone else changed the loan since it was read (optimistic locking lost)."""

    def __init__(self):
        super().__init__(STALE_MESSAGE, code="stale")


def _repaid_any(loan: Loan) -> bool:
    return loan.repayments.filter(confirmed=True).exists()


def _has_approved_plan(loan: Loan) -> bool:
    return loan.plans.filter(status="approved").exists()


def _guard_plan_approved(loan: Loan) -> str:
    return "" if _has_approved_plan(loan) else "该贷款没有已批准的还款计划"


def _guard_plan_over(loan: Loan) -> str:
    return "还款计划仍在执行中" if _has_approved_plan(loan) else ""


def _guard_plan_over_unpaid(loan: Loan) -> str:
    return _guard_plan_over(loan) or ("该贷款已有还款，应转为部分还款" if _repaid_any(loan) else "")


def _guard_plan_over_paid(loan: Loan) -> str:
    return _guard_plan_over(loan) or ("" if _repaid_any(loan) else "该贷款尚无已确认的还款")


def _guard_balance_zero(loan: Loan) -> str:
    return "" if loan.principal_balance == 0 else "本金余额尚未还清，不能结清"


def _guard_balance_left(loan: Loan) -> str:
    return "" if loan.principal_balance > 0 else "本金余额为零，无需此操作"


@dataclass(frozen=True)
class Move:
    """One allowed move: from any of `sources` to `target`, by any of `roles`, if `guard` returns no refusal."""

    code: str
    label: str
    sources: frozenset
    target: str
    roles: frozenset
    guard: Callable[[Loan], str] | None = None
    manual: bool = False  # offered as a button on the 处置 page (others happen through their own service)
    needs_reason: bool = False


OPEN = frozenset({S.REGISTERED, S.IN_COLLECTION, S.PLAN_AGREED, S.PARTLY_REPAID})
R = Role
MOVES: tuple[Move, ...] = (
    Move("start_collection", "开始清收", frozenset({S.REGISTERED}), S.IN_COLLECTION,
         frozenset({R.COLLECTOR, R.TOWNSHIP_ADMIN, R.BRANCH_STAFF, R.DISTRICT_ADMIN, SYSTEM}), manual=True),
    # Through collection.services.decide_plan: the township admin's approval of a submitted plan.
    Move("agree_plan", "确认还款计划", frozenset({S.REGISTERED, S.IN_COLLECTION, S.PARTLY_REPAID}), S.PLAN_AGREED,
         frozenset({R.TOWNSHIP_ADMIN, SYSTEM}), _guard_plan_approved),
    # A plan broken or fulfilled ends the plan state; repayments decide where the loan goes back to.
    Move("plan_ended", "还款计划终止，恢复清收", frozenset({S.PLAN_AGREED}), S.IN_COLLECTION,
         frozenset({SYSTEM}), _guard_plan_over_unpaid),
    Move("plan_ended_paid", "还款计划终止，部分还款", frozenset({S.PLAN_AGREED}), S.PARTLY_REPAID,
         frozenset({SYSTEM}), _guard_plan_over_paid),
    Move("partly_repaid", "部分还款", frozenset({S.REGISTERED, S.IN_COLLECTION}), S.PARTLY_REPAID,
         frozenset({SYSTEM}), lambda loan: "" if _repaid_any(loan) else "该贷款尚无已确认的还款"),
    Move("settle", "结清", OPEN | {S.WRITTEN_OFF}, S.SETTLED,
         frozenset({R.BRANCH_STAFF, R.DISTRICT_ADMIN, SYSTEM}), _guard_balance_zero, manual=True, needs_reason=True),
    Move("reopen", "恢复清收", frozenset({S.SETTLED}), S.IN_COLLECTION,
         frozenset({R.BRANCH_STAFF, R.DISTRICT_ADMIN, SYSTEM}), _guard_balance_left, manual=True, needs_reason=True),
    Move("write_off", "核销（账销案存）", OPEN, S.WRITTEN_OFF,
         frozenset({R.BRANCH_STAFF, R.DISTRICT_ADMIN}), _guard_balance_left, manual=True, needs_reason=True),
)

# Who may do the collection actions that are not moves (checked with `require`); scope still applies.
ACTION_ROLES: dict[str, tuple[str, frozenset]] = {
    "record_action": ("登记催收记录", frozenset({R.COLLECTOR, R.TOWNSHIP_ADMIN, R.BRANCH_STAFF, R.DISTRICT_ADMIN})),
    "record_repayment": ("登记现场还款", frozenset({R.COLLECTOR, R.TOWNSHIP_ADMIN, R.BRANCH_STAFF, R.DISTRICT_ADMIN})),
    "review_repayment": ("确认或退回还款", frozenset({R.BRANCH_STAFF})),
    # The bank's own booking (its flow, a 借新还旧 disbursement): confirmed at once, like an import.
    "post_bank_repayment": ("登记银行还款流水", frozenset({R.BRANCH_STAFF, SYSTEM})),
    "submit_plan": ("提交还款计划", frozenset({R.COLLECTOR, R.TOWNSHIP_ADMIN})),
    "decide_plan": ("审批还款计划", frozenset({R.TOWNSHIP_ADMIN})),
    "set_terms": ("设置还款冲抵顺序", frozenset({R.BRANCH_STAFF, R.DISTRICT_ADMIN})),
    "suspend_interest": ("办理停息挂账", frozenset({R.BRANCH_STAFF, R.DISTRICT_ADMIN, SYSTEM})),
}
# States in which each action is refused, with the message (账销案存: written-off loans stay open to all).
ACTION_CLOSED_STATES: dict[str, dict[str, str]] = {
    "record_action": {S.SETTLED: "已结清的贷款无需再催收"},
    "record_repayment": {S.SETTLED: "已结清的贷款不能再登记还款"},
    "submit_plan": {S.SETTLED: "已结清的贷款不能再登记还款计划"},
    "decide_plan": {S.SETTLED: "已结清的贷款不能再审批还款计划"},
    "suspend_interest": {S.SETTLED: "已结清的贷款无需停息挂账"},
}


def role_of(user) -> str:
    """The role a person acts in; None is the platform itself; a superuser acts as the district admin."""
    if user is None:
        return SYSTEM
    if user.is_superuser:
        return R.DISTRICT_ADMIN
    return user.role or ""


def _role_label(role: str) -> str:
    if role == SYSTEM:
        return "系统"
    return R(role).label if role in R.values else "无角色"


def check_scope(loan: Loan, user) -> None:
    """A person acts only on loans in their scope (collectors: their own; branch staff: their branch …)."""
    if user is not None and not Loan.objects.for_user(user).filter(pk=loan.pk).exists():
        raise PermissionDenied("该贷款不在您的管辖范围内")


def require(user, action: str, loan: Loan) -> None:
    """Refuse (PermissionDenied / ValidationError in Chinese) unless `user` may do `action` on `loan` now."""
    label, roles = ACTION_ROLES[action]
    role = role_of(user)
    if role not in roles:
        raise PermissionDenied(f"您的角色（{_role_label(role)}）无权{label}")
    check_scope(loan, user)
    closed = ACTION_CLOSED_STATES.get(action, {})
    if loan.status in closed:
        raise ValidationError(closed[loan.status], code="state")


def may(user, action: str, loan: Loan) -> bool:
    """Whether `require` would pass (for showing or hiding a button)."""
    try:
        require(user, action, loan)
    except (PermissionDenied, ValidationError):
        return False
    return True


def find_move(source: str, target: str) -> Move | None:
    for move in MOVES:
        if source in move.sources and move.target == target:
            return move
    return None


def _refusal(source: str, target: str) -> str:
    if source == target:
        return f"贷款已是“{LoanStatus(target).label}”状态"
    verbs = [m.label for m in MOVES if m.target == target]
    verb = verbs[0] if verbs else f"转为“{LoanStatus(target).label}”"
    if source == S.SETTLED:
        return f"已结清的贷款不能再{verb}"
    if source == S.WRITTEN_OFF:
        return f"已核销的贷款不能{verb}（账销案存：仍可催收和还款）"
    return f"“{LoanStatus(source).label}”的贷款不能{verb}"


def check_move(loan: Loan, to_state: str, user, reason: str = "") -> Move:
    """The move from the loan's state to `to_state` if `user` may make it now; else a Chinese refusal."""
    if to_state not in LoanStatus.values:
        raise ValidationError(f"未知的状态：{to_state}", code="state")
    move = find_move(loan.status, to_state)
    if move is None:
        raise ValidationError(_refusal(loan.status, to_state), code="state")
    role = role_of(user)
    if role not in move.roles:
        if move.roles == {SYSTEM}:
            raise PermissionDenied(f"“{move.label}”由系统根据还款和计划自动办理")
        raise PermissionDenied(f"您的角色（{_role_label(role)}）无权{move.label}")
    check_scope(loan, user)
    if move.guard is not None:
        why = move.guard(loan)
        if why:
            raise ValidationError(why, code="guard")
    if move.needs_reason and user is not None and not (reason or "").strip():
        raise ValidationError(f"{move.label}须填写原因", code="reason")
    return move


def _apply(loan: Loan, expected_version: int, changes: dict, events: list[LoanEvent]) -> Loan:
    """Write `changes` only if the loan is still at `expected_version`, bump the version, add the events."""
    done = Loan.objects.filter(pk=loan.pk, version=expected_version).update(
        **changes, version=F("version") + 1, updated_at=timezone.now()
    )
    if done == 0:
        raise StaleVersion()
    for field, value in changes.items():
        setattr(loan, field, value)
    loan.version = expected_version + 1
    LoanEvent.objects.bulk_create(events)
    return loan


def _fresh(loan: Loan, expected_version: int) -> Loan:
    """The loan as stored now; a different version than the caller read means someone else got there first."""
    current = Loan.objects.get(pk=loan.pk)
    if current.version != expected_version:
        raise StaleVersion()
    return current


def transition(loan: Loan, to_state: str, *, user, reason: str = "", expected_version: int,
               occurred_on=None) -> Loan:
    """Move a loan to `to_state`: check the table, guard, role and scope, write the event, bump the version.

    Optimistic locking: the update only happens if the loan is still at `expected_version`, so of two people
    acting at once one wins and the other gets "该贷款已被他人修改，请刷新后重试". Returns the loan as updated
    (the object passed in is updated too).
    """
    with derived.deferred():
        current = _fresh(loan, expected_version)
        check_move(current, to_state, user, reason)
        event = LoanEvent(
            loan_id=loan.pk, kind=EventKind.STATUS_CHANGED, field="status", before=current.status, after=to_state,
            actor=user, note=(reason or "").strip()[:500], occurred_on=occurred_on or timezone.localdate(),
        )
        _apply(current, expected_version, {"status": to_state}, [event])
    loan.status, loan.version = current.status, current.version
    return loan


def set_interest_suspended(loan: Loan, suspended: bool, *, user, reason: str, expected_version: int,
                           occurred_on=None) -> Loan:
    """停息挂账 on or off: the side flag, with the same locking and an event (records live in collection)."""
    with derived.deferred():
        current = _fresh(loan, expected_version)
        require(user, "suspend_interest", current)
        if current.interest_suspended == suspended:
            raise ValidationError("该贷款已停息挂账" if suspended else "该贷款未停息挂账", code="state")
        if not (reason or "").strip():
            raise ValidationError("须填写原因", code="reason")
        event = LoanEvent(
            loan_id=loan.pk, kind=EventKind.STATUS_CHANGED, field="interest_suspended", before=current.interest_suspended,
            after=suspended, actor=user, note=reason.strip()[:500], occurred_on=occurred_on or timezone.localdate(),
        )
        _apply(current, expected_version, {"interest_suspended": suspended}, [event])
    loan.interest_suspended, loan.version = current.interest_suspended, current.version
    return loan


def lock(loan_or_pk) -> Loan:
    """The loan row locked until the end of the transaction (repayments: read the balance, then write it)."""
    pk = getattr(loan_or_pk, "pk", loan_or_pk)
    return Loan.objects.select_for_update().get(pk=pk)


def lock_all(pks) -> list[int]:
    """The loan rows locked until the end of the transaction, in one statement (a chunk of the daily sweep).

    Taken in ascending id order, as every bulk pass takes them, so two of them cannot deadlock; returns the ids
    found."""
    return list(Loan.objects.select_for_update().filter(pk__in=list(pks)).order_by("pk").values_list("pk", flat=True))


def change_locked(loan: Loan, changes: dict, events: list[LoanEvent]) -> Loan:
    """Write fields of a loan held by `lock` (e.g. the people a plan names), bumping the version, with events."""
    return _apply(loan, loan.version, changes, events)


@dataclass(frozen=True)
class Offer:
    """A manual move as the 处置 page offers it: allowed now, or shown with why not."""

    move: Move
    allowed: bool
    why: str = ""


def offers(loan: Loan, user) -> list[Offer]:
    """The manual moves from the loan's state that this person's role may make, each with its guard's verdict."""
    role = role_of(user)
    out = []
    for move in MOVES:
        if not move.manual or loan.status not in move.sources or role not in move.roles:
            continue
        why = move.guard(loan) if move.guard else ""
        out.append(Offer(move, not why, why))
    return out
