"""Collection services: actions and promises, field repayments (maker-checker) and their allocation, plans
(一笔一策), interest suspension, write-off, and the daily sweep that settles promises and plans.

Each service runs in one transaction, holds the loan's row lock while it reads and writes figures (so that
parallel postings serialise and lose nothing), checks who may act through npl.loans.workflow, and writes a
LoanEvent for everything that happens to the loan.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from npl.collection.choices import (
    ALLOCATION_PARTS,
    AllocationOrder,
    Channel,
    DemandBy,
    DemandEvidence,
    InstalmentStatus,
    Method,
    Outcome,
    PlanStatus,
    PromiseStatus,
    Signature,
)
from npl.collection.models import (
    CollectionAction,
    ContractTerms,
    GuarantorDemand,
    InterestSuspension,
    PlanInstalment,
    Repayment,
    RepaymentAgreement,
    RepaymentPlan,
)
from npl.core import bulk, derived
from npl.core.money import ZERO, fmt_yuan
from npl.loans import workflow
from npl.loans.choices import EventKind, LoanStatus
from npl.loans.models import Guarantor, Loan, LoanEvent
from npl.loans.services import refresh_current

PLAN_GRACE_DAYS_KEY = "plan_grace_days"
PLAN_GRACE_DAYS_DEFAULT = 10  # days after a missed instalment before the plan counts as broken
SWEEP_CHUNK = 500  # loans per transaction of the sweep's promises and plans (and per set query of promises)
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
# Magic numbers of what a phone camera or scanner sends: JPEG, PNG, WebP, HEIC/HEIF, PDF.
EVIDENCE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"%PDF-")


def _today() -> dt.date:
    return timezone.localdate()


def _name(user) -> str:
    return str(user) if user is not None else "系统"


def _event(loan, kind, *, field="", before=None, after=None, note="", on=None, actor=None) -> LoanEvent:
    return LoanEvent(loan_id=getattr(loan, "pk", loan), kind=kind, field=field, before=before, after=after,
                     note=note[:500], occurred_on=on, actor=actor)


def check_evidence(upload) -> None:
    """A photo or scan of the signed notice: at most 5 MB, and really an image or PDF (not just by name)."""
    if upload is None:
        return
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError("证据文件不能超过5MB", code="evidence")
    head = upload.read(16)
    upload.seek(0)
    is_webp = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    is_heic = head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heif")
    if not (head.startswith(EVIDENCE_SIGNATURES) or is_webp or is_heic):
        raise ValidationError("证据须为照片（JPG、PNG、WebP、HEIC）或PDF扫描件", code="evidence")


# --- actions and promises ---------------------------------------------------------------------------


def record_action(loan: Loan, user, *, acted_on: dt.date, method: str, outcome_code: str, signature: str = "",
                  promise_amount: Decimal | None = None, promise_date: dt.date | None = None,
                  next_follow_up: dt.date | None = None, evidence=None, note: str = "") -> CollectionAction:
    """催收记录: what was done and how it was received; a promise to pay opens; the first action starts collection."""
    today = _today()
    with derived.deferred():
        loan = workflow.lock(loan)
        workflow.require(user, "record_action", loan)
        errors = {}
        if acted_on > today:
            errors["acted_on"] = "催收日期不能晚于今天"
        if method not in Method.values:
            errors["method"] = "请选择催收方式"
        if outcome_code not in Outcome.values:
            errors["outcome_code"] = "请选择接触结果"
        if signature and signature not in Signature.values:
            errors["signature"] = "签收情况无效"
        if (promise_amount is None) != (promise_date is None):
            errors["promise_date"] = "承诺还款须同时填写金额和日期"
        elif promise_date is not None:
            if promise_date < acted_on:
                errors["promise_date"] = "承诺还款日期不能早于催收日期"
            if promise_amount <= 0:
                errors["promise_amount"] = "承诺还款金额须大于0"
        elif outcome_code == Outcome.PROMISED:
            errors["promise_amount"] = "接触结果为“承诺还款”时须填写承诺金额和日期"
        if next_follow_up is not None and next_follow_up < acted_on:
            errors["next_follow_up"] = "下次跟进日期不能早于催收日期"
        if not errors and CollectionAction.objects.filter(loan=loan, acted_on=acted_on, method=method).exists():
            errors["method"] = "该贷款当天已有同一方式的催收记录"
        if errors:
            raise ValidationError(errors)
        check_evidence(evidence)
        action = CollectionAction.objects.create(
            loan=loan, acted_on=acted_on, method=method, signature=signature, outcome_code=outcome_code,
            outcome=Outcome(outcome_code).label, collector=user, collector_name=_name(user)[:50],
            promise_amount=promise_amount, promise_date=promise_date,
            promise_status=PromiseStatus.OPEN if promise_date else "", next_follow_up=next_follow_up,
            evidence=evidence or "", note=note.strip(),
        )
        text = f"{action.get_method_display()}（{action.get_signature_display() or '无签收'}）{action.outcome}"
        if promise_date:
            text += f"，承诺{promise_date:%Y-%m-%d}前还款{fmt_yuan(promise_amount)}元"
        after = {"method": method, "signature": signature, "outcome": outcome_code}
        if promise_date:
            after.update(promise_date=promise_date.isoformat(), promise_amount=fmt_yuan(promise_amount))
        LoanEvent.objects.bulk_create([_event(loan, EventKind.ACTION, field="action", after=after,
                                              note=f"{text}。{note.strip()}".rstrip("。") , on=acted_on, actor=user)])
        if loan.status == LoanStatus.REGISTERED:
            workflow.transition(loan, LoanStatus.IN_COLLECTION, user=user, reason="首次催收", expected_version=loan.version,
                                occurred_on=acted_on)
        if promise_date:
            _settle_promises([loan.pk], today, actor=user)
    return action


def _settle_promises(loan_ids, today: dt.date, *, actor=None) -> tuple[int, int]:
    """Open (and broken) promises of these loans against their confirmed repayments: (kept, broken) newly set.

    Kept: confirmed repayments of the loan from the promise's day to its date reach the amount. Broken: its
    date has passed unpaid. A broken promise that a late-arriving bank record shows was paid in time becomes
    kept, with its own event (the broken event stays in the history). Set-based (issue 16): one query for the
    promises, one for the repayments, one UPDATE of imported rows now open, one executemany of the changes
    and one insert of the events, however many loans (the caller holds their locks; at most SWEEP_CHUNK ids
    at a time keeps the IN lists bounded).
    """
    loan_ids = list(loan_ids)
    if not loan_ids:
        return 0, 0
    promises = list(
        CollectionAction.objects.filter(loan_id__in=loan_ids, promise_date__isnull=False)
        .filter(Q(promise_status__in=["", PromiseStatus.OPEN, PromiseStatus.BROKEN]))
        .order_by("loan_id", "acted_on", "pk")  # per loan, the model's own order (as one loan at a time read them)
    )
    if not promises:
        return 0, 0
    pays = defaultdict(list)  # loan id → [(paid_on, principal, interest, costs)] by day
    for loan_id, *pay in (Repayment.objects.filter(loan_id__in={p.loan_id for p in promises}, confirmed=True)
                          .order_by("loan_id", "paid_on", "pk")
                          .values_list("loan_id", "paid_on", "principal", "interest", "costs")):
        pays[loan_id].append(pay)
    kept = broken = 0
    events, changed, now_open = [], [], []
    for p in promises:
        want = p.promise_amount if p.promise_amount else Decimal("0.01")
        got, reached = ZERO, None
        for on, principal, interest, costs in pays.get(p.loan_id, ()):
            if p.acted_on <= on <= p.promise_date:
                got += principal + interest + costs
                if got >= want:
                    reached = on
                    break
        before = p.promise_status or PromiseStatus.OPEN
        if reached is not None:
            new, closed, note = PromiseStatus.KEPT, reached, f"承诺还款已履行：{p.promise_date:%Y-%m-%d}前已还{fmt_yuan(got)}元"
        elif today > p.promise_date:
            new, closed = PromiseStatus.BROKEN, p.promise_date + dt.timedelta(days=1)
            note = f"承诺{p.promise_date:%Y-%m-%d}前还款{fmt_yuan(p.promise_amount or 0)}元，到期未还（已还{fmt_yuan(got)}元）"
        else:
            new, closed, note = PromiseStatus.OPEN, None, ""
        if new == before:
            if not p.promise_status:  # an imported ledger row: record that it is open, without an event
                now_open.append(p.pk)
            continue
        p.promise_status, p.promise_closed_on = str(new), closed
        changed.append(p)
        kept += new == PromiseStatus.KEPT
        broken += new == PromiseStatus.BROKEN
        events.append(_event(p.loan_id, EventKind.ACTION, field="promise", before=before, after=str(new), note=note,
                             on=closed, actor=actor))
    if now_open:
        CollectionAction.objects.filter(pk__in=now_open).update(promise_status=PromiseStatus.OPEN)
    # One executemany whatever the spread of days (kept promises close on their own repayment's day).
    bulk.update_objects(CollectionAction, changed, ["promise_status", "promise_closed_on"])
    LoanEvent.objects.bulk_create(events)
    return kept, broken


def record_guarantor_demand(guarantor: Guarantor, user, *, demanded_on: dt.date, evidence_type: str,
                            made_by: str = DemandBy.BANK, evidence=None, note: str = "") -> GuarantorDemand:
    """要求保证人承担保证责任: the dated demand that starts (or restarts) the guarantor's own limitation period."""
    today = _today()
    with derived.deferred():
        loan = workflow.lock(guarantor.loan_id)
        workflow.require(user, "record_action", loan)
        guarantor.refresh_from_db(fields=["released_on"])  # read under the loan's lock: a 借新还旧 may have released it
        errors = {}
        if demanded_on > today:
            errors["demanded_on"] = "要求承担保证责任日期不能晚于今天"
        elif demanded_on <= loan.maturity_date:
            errors["demanded_on"] = f"贷款{loan.maturity_date:%Y-%m-%d}到期后才能要求保证人承担保证责任"
        if evidence_type not in DemandEvidence.values:
            errors["evidence_type"] = "请选择证据类型"
        if made_by not in DemandBy.values:
            errors["made_by"] = "请选择主张人"
        elif made_by == DemandBy.COLLECTOR and evidence_type != DemandEvidence.SIGNED_RECEIPT:
            errors["evidence_type"] = "催收人员代表银行主张时，须有保证人签收的回执"
        if guarantor.released_on is not None and guarantor.released_on <= demanded_on:
            errors["guarantor"] = f"该保证人已于{guarantor.released_on:%Y-%m-%d}解除保证责任"
        if not errors and GuarantorDemand.objects.filter(guarantor=guarantor, demanded_on=demanded_on).exists():
            errors["demanded_on"] = "该保证人当天已有要求承担保证责任的记录"
        if errors:
            raise ValidationError(errors)
        check_evidence(evidence)
        demand = GuarantorDemand.objects.create(
            guarantor=guarantor, demanded_on=demanded_on, made_by=made_by, evidence_type=evidence_type,
            evidence=evidence or "", note=note.strip(), recorded_by=user,
        )
        text = (f"要求保证人{guarantor}承担保证责任（{DemandBy(made_by).label}，{DemandEvidence(evidence_type).label}）。"
                f"{note.strip()}").rstrip("。")
        LoanEvent.objects.bulk_create([_event(loan, EventKind.ACTION, field="guarantor", on=demanded_on, actor=user, note=text,
                                              after={"demanded_on": demanded_on.isoformat(), "made_by": made_by,
                                                     "evidence_type": evidence_type})])
    return demand


# --- repayments ---------------------------------------------------------------------------------------


def allocation_order(loan: Loan) -> str:
    """The contract's order, or the statutory one (costs → interest → principal, 民法典 art. 561)."""
    terms = ContractTerms.objects.filter(loan_id=loan.pk).first()
    return terms.allocation_order if terms else AllocationOrder.COSTS_INTEREST_PRINCIPAL


def claim(loan: Loan, on: dt.date | None = None):
    """The claim a repayment dated `on` meets (npl.waivers.payoff.Due): the payoff's accrued figures that day.

    The day is the later of `on`, the bank's figures day and the last confirmed repayment, so nothing already
    paid is counted again. Penalty and compound interest accrued since the bank's figures are in it, exactly
    as the payoff and the 明白纸 show them, so paying the quoted `to_pay` is never refused.
    """
    # Lazy import: collection sits below waivers in the app order, and the accrual has one implementation
    # (npl.waivers.interest via payoff), which the cap and the split of a repayment must share with the payoff.
    from npl.waivers.payoff import PayoffError, due_on

    day = max(on or _today(), loan.snapshot_date)
    last = (Repayment.objects.filter(loan_id=loan.pk, confirmed=True).order_by("-paid_on")
            .values_list("paid_on", flat=True).first())
    if last is not None and last > day:
        day = last
    try:
        return due_on(loan, day)
    except PayoffError as exc:
        raise ValidationError(str(exc), code="payoff") from exc


def owed(loan: Loan, on: dt.date | None = None) -> dict[str, Decimal]:
    """What the borrower owes on `on` (default today): costs, interest (accrued, less any applied waiver), principal."""
    due = claim(loan, on)
    return {"costs": due.costs, "interest": due.interest, "principal": due.principal}


def allocate(amount: Decimal, due: dict[str, Decimal], order: str, reserved: Decimal = ZERO) -> dict[str, Decimal]:
    """Split `amount` over costs / interest / principal in the contract's order; more than is owed is refused.

    `reserved` is interest an approved waiver (先还后免) would forgive: it is paid only after everything else,
    so the money that meets the agreement lands on principal and on the interest that is not waived.
    """
    room = dict(due, interest=max(due["interest"] - reserved, ZERO))
    left, out = amount, {}
    for part in ALLOCATION_PARTS[AllocationOrder(order)]:
        out[part] = min(left, room[part])
        left -= out[part]
    extra = min(left, due["interest"] - room["interest"])
    out["interest"] += extra
    left -= extra
    if left > 0:
        raise ValidationError(f"还款金额超过当前应还总额 {fmt_yuan(sum(due.values()))} 元", code="amount")
    return out


def _split(loan: Loan, amount: Decimal, paid_on: dt.date) -> dict[str, Decimal]:
    """A repayment's split against the claim on its day, in the contract's order."""
    due = claim(loan, paid_on)
    return allocate(amount, {"costs": due.costs, "interest": due.interest, "principal": due.principal},
                    allocation_order(loan), due.reserved)


def record_repayment(loan: Loan, user, *, paid_on: dt.date, amount: Decimal, channel: str = Channel.CASH,
                     note: str = "", new_loan_no: str = "", continuing_guarantors=()) -> Repayment:
    """现场还款: recorded by a collector, not counted anywhere until branch staff of the loan's branch confirm it."""
    with derived.deferred():
        loan = workflow.lock(loan)
        workflow.require(user, "record_repayment", loan)
        if paid_on > _today():
            raise ValidationError({"paid_on": "还款日期不能晚于今天"})
        if amount is None or amount <= 0:
            raise ValidationError({"amount": "还款金额须大于0"})
        if channel not in Channel.values:
            raise ValidationError({"channel": "还款方式无效"})
        split = _split(loan, amount, paid_on)
        rep = Repayment.objects.create(
            txn_no=f"XC{paid_on:%Y%m%d}{uuid.uuid4().hex[:12].upper()}", loan=loan, paid_on=paid_on, amount=amount,
            channel=channel, channel_text=Channel(channel).label, confirmed=False, recorded_by=user, note=note.strip(),
            new_loan_no=new_loan_no.strip() if channel == Channel.REFINANCE else "", **split,
        )
        if channel == Channel.REFINANCE and continuing_guarantors:
            rep.continuing_guarantors.set([g for g in continuing_guarantors if g.loan_id == loan.pk])
        LoanEvent.objects.bulk_create([_event(
            loan, EventKind.REPAYMENT, field="repayment_recorded", on=paid_on, actor=user,
            after={"txn_no": rep.txn_no, "amount": fmt_yuan(amount), "channel": channel, "confirmed": False},
            note=f"现场登记还款 {fmt_yuan(amount)} 元（{rep.channel_text}），待网点确认",
        )])
    return rep


def review_repayment(rep: Repayment, user, *, confirm: bool, reason: str = "") -> Repayment:
    """Branch staff of the loan's branch confirm or refuse a field repayment; never the person who recorded it.

    On confirmation the amount is split against what is owed at that moment (under the loan's row lock) and
    the balance, status, promises, plan instalments and (for 借新还旧) the old guarantors follow.
    """
    with derived.deferred():
        loan = workflow.lock(rep.loan_id)
        workflow.require(user, "review_repayment", loan)
        rep = Repayment.objects.select_for_update().get(pk=rep.pk)
        if rep.confirmed:
            raise ValidationError("该笔还款已确认", code="state")
        if rep.refused_at:
            raise ValidationError("该笔还款已退回", code="state")
        if rep.recorded_by_id == user.pk:
            raise ValidationError("登记人不能确认或退回自己登记的还款（须由另一人复核）", code="maker_checker")
        now = timezone.now()
        if not confirm:
            if not reason.strip():
                raise ValidationError({"reason": "退回须填写原因"})
            rep.refused_by, rep.refused_at, rep.refusal_reason = user, now, reason.strip()[:300]
            rep.save(update_fields=["refused_by", "refused_at", "refusal_reason"])
            LoanEvent.objects.bulk_create([_event(
                loan, EventKind.REPAYMENT, field="repayment_refused", on=rep.paid_on, actor=user,
                before={"txn_no": rep.txn_no, "confirmed": False}, after={"txn_no": rep.txn_no, "refused": True},
                note=f"网点退回现场还款 {fmt_yuan(rep.amount or rep.total)} 元：{rep.refusal_reason}",
            )])
            return rep
        split = _split(loan, rep.amount if rep.amount is not None else rep.total, rep.paid_on)
        for part, value in split.items():
            setattr(rep, part, value)
        rep.confirmed, rep.confirmed_by, rep.confirmed_at = True, user, now
        rep.save(update_fields=["principal", "interest", "costs", "confirmed", "confirmed_by", "confirmed_at"])
        LoanEvent.objects.bulk_create([_event(
            loan, EventKind.REPAYMENT, field="repayment", on=rep.paid_on, actor=user,
            after={"txn_no": rep.txn_no, "costs": fmt_yuan(rep.costs), "interest": fmt_yuan(rep.interest),
                   "principal": fmt_yuan(rep.principal), "channel": rep.channel, "confirmed": True},
            note=(f"网点确认还款：费用{fmt_yuan(rep.costs)}元、利息{fmt_yuan(rep.interest)}元、本金{fmt_yuan(rep.principal)}元"
                  f"（{rep.get_channel_display()}，冲抵顺序：{AllocationOrder(allocation_order(loan)).label}）"),
        )])
        after_confirmed([loan.pk], actor=user, note="还款确认后余额")
    return rep


def post_bank_repayment(loan: Loan, user, *, txn_no: str, paid_on: dt.date, amount: Decimal | None = None,
                        principal: Decimal | None = None, interest: Decimal = ZERO, costs: Decimal = ZERO,
                        channel: str = Channel.CASH, new_loan_no: str = "", continuing_guarantors=(),
                        note: str = "") -> Repayment:
    """A repayment the bank has already booked (a 借新还旧 disbursement, a flow line): confirmed at once.

    Give either `amount` (split by the contract's order) or the bank's own split (`principal`, `interest`,
    `costs`). Balances, promises, plans and the old guarantors follow as after a branch confirmation.
    """
    with derived.deferred():
        loan = workflow.lock(loan)
        workflow.require(user, "post_bank_repayment", loan)
        txn_no = (txn_no or "").strip()
        if not txn_no:
            raise ValidationError({"txn_no": "须填写交易流水号"})
        if Repayment.objects.filter(txn_no=txn_no).exists():
            raise ValidationError({"txn_no": f"交易流水号 {txn_no} 已存在"})
        if channel not in Channel.values:
            raise ValidationError({"channel": "还款方式无效"})
        if amount is not None:
            if amount <= 0:
                raise ValidationError({"amount": "还款金额须大于0"})
            split = _split(loan, amount, paid_on)
        else:
            split = {"principal": principal or ZERO, "interest": interest or ZERO, "costs": costs or ZERO}
            if min(split.values()) < 0 or sum(split.values()) <= 0:
                raise ValidationError({"principal": "还款金额须大于0"})
        rep = Repayment.objects.create(
            txn_no=txn_no, loan=loan, paid_on=paid_on, amount=amount, channel=channel, channel_text=Channel(channel).label,
            confirmed=True, recorded_by=user, confirmed_by=user, confirmed_at=timezone.now(), note=note.strip()[:500],
            new_loan_no=new_loan_no.strip() if channel == Channel.REFINANCE else "", **split,
        )
        if channel == Channel.REFINANCE and continuing_guarantors:
            rep.continuing_guarantors.set([g for g in continuing_guarantors if g.loan_id == loan.pk])
        LoanEvent.objects.bulk_create([_event(
            loan, EventKind.REPAYMENT, field="repayment", on=paid_on, actor=user,
            after={"txn_no": txn_no, "costs": fmt_yuan(rep.costs), "interest": fmt_yuan(rep.interest),
                   "principal": fmt_yuan(rep.principal), "channel": channel, "confirmed": True},
            note=f"银行还款入账：本金{fmt_yuan(rep.principal)}元、利息{fmt_yuan(rep.interest)}元、费用{fmt_yuan(rep.costs)}元"
                 f"（{rep.channel_text}{'，新借据' + rep.new_loan_no if rep.new_loan_no else ''}）",
        )])
        after_confirmed([loan.pk], actor=user, note="还款后余额")
    return rep


def after_confirmed(loan_ids, *, actor=None, note: str = "", batch=None, today: dt.date | None = None) -> None:
    """Everything that follows confirmed repayments: balances and status, 借新还旧 guarantors, promises, plans.

    The repayments importer may call this instead of refresh_current alone (same balance behaviour).
    """
    today = today or _today()
    loan_ids = list(loan_ids)
    refresh_current(loan_ids, batch=batch, actor=actor, note=note)
    release_old_guarantors_many(Repayment.objects.filter(loan_id__ids=loan_ids, confirmed=True, channel=Channel.REFINANCE,
                                                         guarantors_processed=False), actor=actor)
    # Only loans with a promise to judge or an approved plan need the passes (two set queries, not two queries
    # a loan: an import of 20,000 repayments mostly touches loans with neither). Promises are settled a chunk
    # of loans at a time; plans are judged one loan at a time.
    with_promises = sorted(set(CollectionAction.objects.filter(loan_id__ids=loan_ids, promise_date__isnull=False).filter(
        Q(promise_status__in=["", PromiseStatus.OPEN, PromiseStatus.BROKEN])).values_list("loan_id", flat=True)))
    with_plans = set(RepaymentPlan.objects.filter(loan_id__ids=loan_ids, status=PlanStatus.APPROVED)
                     .values_list("loan_id", flat=True))
    for start in range(0, len(with_promises), SWEEP_CHUNK):
        _settle_promises(with_promises[start : start + SWEEP_CHUNK], today, actor=actor)
    for loan_id in loan_ids:
        if loan_id in with_plans:
            _evaluate_plans(loan_id, today, actor=actor)


def release_old_guarantors(rep: Repayment, *, actor=None) -> list[Guarantor]:
    """借新还旧 releases the old loan's guarantors, except those marked (or found) guaranteeing the new loan."""
    return release_old_guarantors_many([rep], actor=actor)


def release_old_guarantors_many(reps, *, actor=None) -> list[Guarantor]:
    """release_old_guarantors for many refinancing repayments in a fixed handful of queries (an import's), in the
    order they were paid: a guarantor a repayment released is not released again by a later one of its loan."""
    reps = sorted(reps, key=lambda r: (r.paid_on, r.pk))
    if not reps:
        return []
    keep: dict[int, set[int]] = defaultdict(set)
    through = Repayment.continuing_guarantors.through
    for rep_id, guarantor_id in through.objects.filter(repayment_id__ids=[r.pk for r in reps]).values_list(
            "repayment_id", "guarantor_id"):
        keep[rep_id].add(guarantor_id)
    new_hashes: dict[str, set[str]] = defaultdict(set)  # the new loan's number → its guarantors' ID hashes
    new_nos = sorted({r.new_loan_no for r in reps if r.new_loan_no})
    for loan_no, id_hash in Guarantor.objects.filter(loan__loan_no__in=new_nos).exclude(id_hash="").values_list(
            "loan__loan_no", "id_hash"):
        new_hashes[loan_no].add(id_hash)
    open_ones: dict[int, list[Guarantor]] = defaultdict(list)
    for g in Guarantor.objects.filter(loan_id__ids=sorted({r.loan_id for r in reps}), released_on__isnull=True).order_by("pk"):
        open_ones[g.loan_id].append(g)
    released, events = [], []
    for rep in reps:
        hashes = new_hashes.get(rep.new_loan_no, set()) if rep.new_loan_no else set()
        for g in open_ones[rep.loan_id]:
            if g.released_on is not None or g.pk in keep[rep.pk] or (g.id_hash and g.id_hash in hashes):
                continue
            g.released_on = rep.paid_on
            g.released_reason = f"借新还旧（{'新借据' + rep.new_loan_no if rep.new_loan_no else '流水' + rep.txn_no}），未为新贷款提供担保"[:200]
            released.append(g)
            events.append(_event(rep.loan_id, EventKind.FIELD_CHANGED, field="guarantor", before={"保证人": str(g), "状态": "保证中"},
                                 after={"保证人": str(g), "状态": "已解除"}, note=f"保证人{g}：{g.released_reason}",
                                 on=rep.paid_on, actor=actor))
    bulk.update_objects(Guarantor, released, ["released_on", "released_reason"])
    LoanEvent.objects.bulk_create(events)
    Repayment.objects.filter(pk__ids=[r.pk for r in reps]).update(guarantors_processed=True)
    return released


def set_allocation_order(loan: Loan, user, order: str, note: str = "") -> ContractTerms:
    """合同约定的冲抵顺序: a per-loan setting, changed with an event (past confirmed splits stay as they were)."""
    with derived.deferred():
        loan = workflow.lock(loan)
        workflow.require(user, "set_terms", loan)
        if order not in AllocationOrder.values:
            raise ValidationError({"allocation_order": "冲抵顺序无效"})
        before = allocation_order(loan)
        terms, _ = ContractTerms.objects.update_or_create(loan=loan, defaults={
            "allocation_order": order, "note": note.strip()[:300], "set_by": user})
        if before != order:
            LoanEvent.objects.bulk_create([_event(
                loan, EventKind.FIELD_CHANGED, field="allocation_order", before=AllocationOrder(before).label,
                after=AllocationOrder(order).label, note=note.strip(), on=_today(), actor=user)])
    return terms


# --- plans (一笔一策) --------------------------------------------------------------------------------


def plan_grace_days() -> int:
    """Days of grace after a missed instalment before the plan is broken (Setting `plan_grace_days`)."""
    from npl.core.models import Setting

    row = Setting.objects.filter(key=PLAN_GRACE_DAYS_KEY).first()
    try:
        return max(int(row.value), 0) if row else PLAN_GRACE_DAYS_DEFAULT
    except ValueError:
        return PLAN_GRACE_DAYS_DEFAULT


def submit_plan(loan: Loan, user, *, signed_on: dt.date, instalments: list[tuple[dt.date, Decimal]],
                measures: str = "", responsible_leader=None, responsible_person=None, evidence=None) -> RepaymentPlan:
    """A plan the borrower signed, submitted for the township admin's approval; one active plan per loan."""
    with derived.deferred():
        loan = workflow.lock(loan)
        workflow.require(user, "submit_plan", loan)
        if loan.plans.filter(status__in=[PlanStatus.SUBMITTED, PlanStatus.APPROVED]).exists():
            raise ValidationError("该贷款已有待审批或执行中的还款计划（一笔一策）", code="active_plan")
        if signed_on > _today():
            raise ValidationError({"signed_on": "借款人签字日期不能晚于今天"})
        rows = sorted(instalments)
        if not rows:
            raise ValidationError("还款计划至少要有一期", code="instalments")
        if any(amount is None or amount <= 0 for _, amount in rows):
            raise ValidationError("每期应还金额须大于0", code="instalments")
        if len({due for due, _ in rows}) != len(rows):
            raise ValidationError("各期应还日期不能重复", code="instalments")
        if rows[0][0] < signed_on:
            raise ValidationError("首期应还日期不能早于借款人签字日期", code="instalments")
        total = sum((amount for _, amount in rows), start=ZERO)
        due = sum(owed(loan).values(), start=ZERO)
        if total > due:
            raise ValidationError(f"还款计划总额 {fmt_yuan(total)} 元超过应还总额 {fmt_yuan(due)} 元", code="instalments")
        for label, person in (("责任领导", responsible_leader), ("责任人", responsible_person)):
            if person is not None and person.township_id != loan.township_id:
                raise ValidationError(f"{label}须为{loan.township.name}的人员", code="people")
        check_evidence(evidence)
        plan = RepaymentPlan.objects.create(
            loan=loan, responsible_leader=responsible_leader, responsible_person=responsible_person,
            measures=measures.strip(), signed_on=signed_on, evidence=evidence or "", submitted_by=user,
        )
        PlanInstalment.objects.bulk_create(
            PlanInstalment(plan=plan, seq=i, due_on=due_on, amount=amount) for i, (due_on, amount) in enumerate(rows, 1)
        )
        LoanEvent.objects.bulk_create([_event(
            loan, EventKind.PLAN, field="plan", after={"plan": plan.pk, "status": PlanStatus.SUBMITTED, "total": fmt_yuan(total),
                                                      "instalments": len(rows)},
            note=f"提交还款计划：{len(rows)}期共{fmt_yuan(total)}元，末期{rows[-1][0]:%Y-%m-%d}，待乡镇审批", on=signed_on, actor=user,
        )])
    return plan


def decide_plan(plan: RepaymentPlan, user, *, approve: bool, note: str = "") -> RepaymentPlan:
    """The township admin approves (→ plan_agreed, and a signed-plan agreement for the clocks) or refuses a plan."""
    with derived.deferred():
        loan = workflow.lock(plan.loan_id)
        workflow.require(user, "decide_plan", loan)
        plan = RepaymentPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.SUBMITTED:
            raise ValidationError(f"该还款计划为“{plan.get_status_display()}”，不能再审批", code="state")
        if plan.submitted_by_id == user.pk:
            raise ValidationError("提交人不能审批自己提交的还款计划（须由另一人审批）", code="maker_checker")
        if not approve and not note.strip():
            raise ValidationError({"note": "驳回须填写意见"})
        plan.decided_by, plan.decided_at, plan.decision_note = user, timezone.now(), note.strip()[:300]
        plan.status = PlanStatus.APPROVED if approve else PlanStatus.REFUSED
        events = [_event(loan, EventKind.PLAN, field="plan", before=PlanStatus.SUBMITTED.value, after=plan.status,
                         note=f"还款计划{'审批通过' if approve else '被驳回'}{'：' + plan.decision_note if plan.decision_note else ''}",
                         on=_today(), actor=user)]
        if approve:
            # The borrower's signature on the plan is an agreement to pay: it interrupts the limitation
            # period (basis `agreement`), which the clocks read from RepaymentAgreement.
            plan.agreement = RepaymentAgreement.objects.create(
                loan=loan, kind=RepaymentAgreement.Kind.PLAN, signed_on=plan.signed_on, evidence=plan.evidence.name or "",
                note=f"还款计划#{plan.pk}，{user}审批", recorded_by=user,
            )
        plan.save()
        LoanEvent.objects.bulk_create(events)
        if not approve:
            return plan
        people = {f: getattr(plan, f) for f in ("responsible_leader", "responsible_person") if getattr(plan, f) is not None}
        changes = {f"{f}_id": p.pk for f, p in people.items() if getattr(loan, f"{f}_id") != p.pk}
        if changes:
            workflow.change_locked(loan, changes, [
                _event(loan, EventKind.ASSIGNED, field=f, before=str(getattr(loan, f) or "—"), after=str(p),
                       note="按还款计划确定", on=_today(), actor=user)
                for f, p in people.items() if f"{f}_id" in changes
            ])
        if loan.status in workflow.find_move(LoanStatus.IN_COLLECTION, LoanStatus.PLAN_AGREED).sources:
            workflow.transition(loan, LoanStatus.PLAN_AGREED, user=user, reason=f"还款计划#{plan.pk}审批通过",
                                expected_version=loan.version)
        _evaluate_plans(loan.pk, _today(), actor=user)
    return plan


def _evaluate_plans(loan_id: int, today: dt.date, *, actor=None) -> dict[str, int]:
    """Judge an approved plan's instalments from confirmed repayments since the borrower signed it.

    Repayments fill instalments in order (cumulatively). An instalment unpaid after its date is missed; one
    missed for longer than the grace days breaks the plan; all paid completes it. Either way the loan leaves
    plan_agreed (for in_collection or partly_repaid). Returns counts of what changed.
    """
    counts = defaultdict(int)
    plan = RepaymentPlan.objects.filter(loan_id=loan_id, status=PlanStatus.APPROVED).first()
    if plan is None:
        return counts
    grace = dt.timedelta(days=plan_grace_days())
    pays = list(Repayment.objects.filter(loan_id=loan_id, confirmed=True, paid_on__gte=plan.signed_on)
                .order_by("paid_on", "pk").values_list("paid_on", "principal", "interest", "costs"))
    running, paid_by = ZERO, []  # (day, cumulative paid) after each repayment
    for on, principal, interest, costs in pays:
        running += principal + interest + costs
        paid_by.append((on, running))
    events, cum_due, broken_on = [], ZERO, None
    for inst in plan.instalments.order_by("seq"):
        cum_due += inst.amount
        reached = next((on for on, total in paid_by if total >= cum_due), None)
        if reached is not None:
            status, paid_on, missed_on = InstalmentStatus.PAID, reached, inst.missed_on
        elif today > inst.due_on:
            status, paid_on, missed_on = InstalmentStatus.MISSED, None, inst.due_on + dt.timedelta(days=1)
            if today > inst.due_on + grace and broken_on is None:
                broken_on = inst.due_on + grace + dt.timedelta(days=1)
        else:
            status, paid_on, missed_on = InstalmentStatus.DUE, None, None
        if status == inst.status:
            continue
        PlanInstalment.objects.filter(pk=inst.pk).update(status=status, paid_on=paid_on, missed_on=missed_on)
        counts[f"instalments_{status}"] += 1
        label = f"第{inst.seq}期（{inst.due_on:%Y-%m-%d}，{fmt_yuan(inst.amount)}元）"
        note = f"还款计划{label}已还清" if status == InstalmentStatus.PAID else f"还款计划{label}逾期未还"
        if status == InstalmentStatus.PAID and inst.status == InstalmentStatus.MISSED:
            note = f"还款计划{label}逾期后补还"
        events.append(_event(loan_id, EventKind.PLAN, field="instalment", before=inst.status, after=str(status),
                             note=note, on=paid_on or missed_on or today, actor=actor))
        inst.status = status
    ended = None
    if broken_on is not None:
        ended = (PlanStatus.BROKEN, broken_on, f"还款计划违约：有分期逾期超过{grace.days}天未还")
        RepaymentPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.BROKEN, broken_on=broken_on)
        counts["plans_broken"] += 1
    elif all(i.status == InstalmentStatus.PAID for i in plan.instalments.all()):
        last = max(i.paid_on for i in plan.instalments.all())
        ended = (PlanStatus.COMPLETED, last, "还款计划各期均已还清")
        RepaymentPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.COMPLETED, completed_on=last)
        counts["plans_completed"] += 1
    if ended:
        events.append(_event(loan_id, EventKind.PLAN, field="plan", before=PlanStatus.APPROVED.value, after=str(ended[0]),
                             note=ended[2], on=ended[1], actor=actor))
    LoanEvent.objects.bulk_create(events)
    if ended:
        loan = workflow.lock(loan_id)
        if loan.status == LoanStatus.PLAN_AGREED:
            repaid = Repayment.objects.filter(loan_id=loan_id, confirmed=True).exists()
            workflow.transition(loan, LoanStatus.PARTLY_REPAID if repaid else LoanStatus.IN_COLLECTION, user=None,
                                reason=ended[2], expected_version=loan.version, occurred_on=ended[1])
    return counts


# --- interest suspension and write-off --------------------------------------------------------------


def release_date(loan: Loan, day: dt.date) -> dt.date | None:
    """刑满释放日期 from the imprisoned roster entry in force on `day` for this borrower (if any)."""
    from npl.categories.models import RosterEntry

    entry = (RosterEntry.objects.in_force(day).filter(kind="imprisoned", person__id_hash=loan.borrower.id_hash)
             .applying_to(loan).order_by("-valid_from").first())
    if entry is None:
        return None
    value = (entry.details or {}).get("release_date") or (entry.details or {}).get("刑满释放日期")
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def suspend_interest(loan: Loan, user, *, reason: str, expected_version: int, until: dt.date | None = None,
                     starts_on: dt.date | None = None) -> InterestSuspension:
    """停息挂账 until a date; for an imprisoned borrower the date defaults to the release date on the roster."""
    today = _today()
    starts_on = starts_on or today
    with derived.deferred():
        until = until or release_date(loan, today)
        if until is None:
            raise ValidationError({"until": "请填写停息截止日期（服刑名单中没有该借款人的刑满释放日期）"})
        if until <= starts_on:
            raise ValidationError({"until": "停息截止日期须晚于起始日期"})
        workflow.set_interest_suspended(loan, True, user=user, reason=f"{reason.strip()}（至{until:%Y-%m-%d}）" if reason.strip() else "",
                                        expected_version=expected_version, occurred_on=starts_on)
        return InterestSuspension.objects.create(loan=loan, starts_on=starts_on, until=until, reason=reason.strip()[:300],
                                                 started_by=user)


def resume_interest(loan: Loan, user, *, reason: str, expected_version: int, on: dt.date | None = None) -> InterestSuspension:
    """恢复计息: end the open suspension (by hand, or by the sweep on its end date with user=None)."""
    on = on or _today()
    with derived.deferred():
        workflow.set_interest_suspended(loan, False, user=user, reason=reason, expected_version=expected_version, occurred_on=on)
        open_ = InterestSuspension.objects.select_for_update().filter(loan=loan, ended_on__isnull=True).first()
        if open_ is not None:
            open_.ended_on, open_.ended_by, open_.end_reason = on, user, reason.strip()[:300]
            open_.save(update_fields=["ended_on", "ended_by", "end_reason"])
    return open_


def write_off(loan: Loan, user, *, reason: str, expected_version: int) -> Loan:
    """核销 with its reason: the bank's books drop the loan, the claim and its collection go on (账销案存)."""
    return workflow.transition(loan, LoanStatus.WRITTEN_OFF, user=user, reason=reason, expected_version=expected_version)


# --- the daily sweep ----------------------------------------------------------------------------------


def sweep(today: dt.date | None = None) -> dict[str, int]:
    """Daily: promises kept or broken, plan instalments paid or missed, broken plans, suspensions that end,
    and 借新还旧 guarantors of imported refinancing repayments. Safe to run again.

    Promises and plans go a chunk of SWEEP_CHUNK loans at a time (ascending ids): one transaction and one
    derived refresh per chunk, the chunk's loans locked in one statement, its promises settled by set
    queries, each approved plan still judged on its own. Refinancing guarantors and suspensions: one
    transaction per loan."""
    today = today or _today()
    counts = defaultdict(int)
    promise_loans = set(CollectionAction.objects.filter(promise_date__isnull=False).filter(
        Q(promise_status__in=["", PromiseStatus.OPEN])).values_list("loan_id", flat=True))
    plan_loans = set(RepaymentPlan.objects.filter(status=PlanStatus.APPROVED).values_list("loan_id", flat=True))
    ids = sorted(promise_loans | plan_loans)
    for start in range(0, len(ids), SWEEP_CHUNK):
        chunk = ids[start : start + SWEEP_CHUNK]
        with derived.deferred():
            workflow.lock_all(chunk)
            # Every loan of the chunk, as one loan at a time did: a plan's loan may hold a broken promise
            # that a late bank record shows was kept.
            kept, broken = _settle_promises(chunk, today)
            counts["promises_kept"] += kept
            counts["promises_broken"] += broken
            for loan_id in chunk:
                if loan_id in plan_loans:
                    for key, n in _evaluate_plans(loan_id, today).items():
                        counts[key] += n
    for rep in Repayment.objects.filter(confirmed=True, channel=Channel.REFINANCE, guarantors_processed=False):
        with derived.deferred():
            workflow.lock(rep.loan_id)
            counts["guarantors_released"] += len(release_old_guarantors(rep))
    for s in InterestSuspension.objects.filter(ended_on__isnull=True, until__lt=today).select_related("loan"):
        with derived.deferred():
            loan = workflow.lock(s.loan_id)
            if loan.interest_suspended:
                resume_interest(loan, None, reason=f"停息截止日期{s.until:%Y-%m-%d}已到，恢复计息",
                                expected_version=loan.version, on=s.until + dt.timedelta(days=1))
                counts["suspensions_ended"] += 1
    return dict(counts)
