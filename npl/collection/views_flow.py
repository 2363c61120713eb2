"""处置 pages: a loan's flow (state, moves, actions, promises, repayments, plan), the field forms, and the
queues of repayments to confirm (branch staff) and plans to approve (township admins).

Loans are reached through Loan.objects.for_user: outside the person's scope is a 404. A role that may not
do something gets a 403 (the services raise PermissionDenied); a wrong move comes back as a Chinese message.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from npl.collection import services
from npl.collection.choices import ACTIVE_PLAN_STATUSES, AllocationOrder, PlanStatus
from npl.collection.forms import (
    ActionForm,
    DecisionForm,
    GuarantorDemandForm,
    InstalmentFormSet,
    MoveForm,
    PlanForm,
    RepaymentForm,
    ResumeForm,
    ReviewForm,
    SuspendForm,
    TermsForm,
    apply_errors,
)
from npl.collection.models import CollectionAction, PlanInstalment, Repayment, RepaymentPlan
from npl.loans import history, workflow
from npl.loans.choices import LoanStatus
from npl.loans.models import Loan

LOAN_RELATED = ("borrower", "township", "branch", "responsible_leader", "responsible_person")


def _loan(request, loan_no: str) -> Loan:
    return get_object_or_404(Loan.objects.for_user(request.user).select_related(*LOAN_RELATED), loan_no=loan_no)


def _flow_url(loan) -> str:
    return reverse("collection:flow", args=[loan.loan_no])


def _refused(request, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


def _run(request, form, act, invalid: str | None) -> None:
    """A posted form's one action: `act(cleaned_data)` calls the service and returns the success message;
    an invalid form shows `invalid` (if any), a refusal shows the service's own Chinese reasons."""
    if not form.is_valid():
        if invalid:
            messages.error(request, invalid)
        return
    try:
        done = act(form.cleaned_data)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, done)


def _require_page(request, action: str, loan: Loan):
    """Open a form page only for those who may use it: 403 for the role, a message for a closed state."""
    try:
        workflow.require(request.user, action, loan)
    except ValidationError as exc:
        _refused(request, exc)
        return redirect(_flow_url(loan))
    return None


@login_required
def loan_flow(request, loan_no: str):
    """处置: the loan's state and what this person may do next, with its ledger, promises, repayments and plan."""
    loan = _loan(request, loan_no)
    user = request.user
    plans = list(loan.plans.select_related("submitted_by", "decided_by", "responsible_leader", "responsible_person")
                 .prefetch_related(Prefetch("instalments", queryset=PlanInstalment.objects.order_by("seq"))))
    active = next((p for p in plans if p.status in ACTIVE_PLAN_STATUSES), None)
    suspension = loan.interest_suspensions.filter(ended_on__isnull=True).first()
    owed = services.owed(loan)
    ctx = {
        "loan": loan,
        "offers": workflow.offers(loan, user),
        "may": {a: workflow.may(user, a, loan) for a in workflow.ACTION_ROLES},
        "actions": loan.actions.select_related("collector").order_by("-acted_on", "-pk"),
        "promises": loan.actions.filter(promise_date__isnull=False).order_by("-promise_date", "-pk"),
        "repayments": loan.repayments.select_related("recorded_by", "confirmed_by", "refused_by").order_by("-paid_on", "-pk"),
        "active_plan": active,
        "other_plans": [p for p in plans if p is not active],
        "suspension": suspension,
        "suspensions": loan.interest_suspensions.order_by("-starts_on", "-pk"),
        "allocation_label": AllocationOrder(services.allocation_order(loan)).label,
        "owed": owed,
        "owed_total": sum(owed.values()),
        "guarantors": loan.guarantors.prefetch_related("demands").order_by("pk"),
        "events": history.rows(loan.events.select_related("actor", "batch").order_by("-at", "-pk")),
        "move_form": MoveForm(initial={"version": loan.version}),
        "suspend_form": SuspendForm(initial={"version": loan.version, "until": services.release_date(loan, timezone.localdate())}),
        "resume_form": ResumeForm(initial={"version": loan.version}),
        "terms_form": TermsForm(initial={"allocation_order": services.allocation_order(loan)}),
        "decision_form": DecisionForm(),
        "review_form": ReviewForm(),
        "is_settled": loan.status == LoanStatus.SETTLED,
    }
    return render(request, "collection/flow.html", ctx)


@require_POST
@login_required
def move(request, loan_no: str):
    """A workflow move (开始清收, 结清, 恢复清收, 核销) at the version the page showed."""
    loan = _loan(request, loan_no)

    def act(data):
        if data["to_state"] == LoanStatus.WRITTEN_OFF:
            services.write_off(loan, request.user, reason=data["reason"], expected_version=data["version"])
        else:
            workflow.transition(loan, data["to_state"], user=request.user, reason=data["reason"],
                                expected_version=data["version"])
        return f"已转为“{loan.get_status_display()}”"

    _run(request, MoveForm(request.POST), act, "请求无效，请刷新后重试")
    return redirect(_flow_url(loan))


@require_POST
@login_required
def suspend(request, loan_no: str):
    """停息挂账 with an end date (the release date for imprisoned borrowers by default)."""
    loan = _loan(request, loan_no)

    def act(data):
        s = services.suspend_interest(loan, request.user, reason=data["reason"], until=data["until"],
                                      expected_version=data["version"])
        return f"已停息挂账至 {s.until:%Y-%m-%d}"

    _run(request, SuspendForm(request.POST), act, "请填写停息原因")
    return redirect(_flow_url(loan))


@require_POST
@login_required
def resume(request, loan_no: str):
    """恢复计息 before the suspension's end date."""
    loan = _loan(request, loan_no)

    def act(data):
        services.resume_interest(loan, request.user, reason=data["reason"], expected_version=data["version"])
        return "已恢复计息"

    _run(request, ResumeForm(request.POST), act, "请填写恢复计息原因")
    return redirect(_flow_url(loan))


@require_POST
@login_required
def terms(request, loan_no: str):
    """合同约定的还款冲抵顺序."""
    loan = _loan(request, loan_no)

    def act(data):
        services.set_allocation_order(loan, request.user, data["allocation_order"], data["note"])
        return "已保存还款冲抵顺序"

    _run(request, TermsForm(request.POST), act, None)
    return redirect(_flow_url(loan))


@login_required
def action_new(request, loan_no: str):
    """登记催收: the field form, usable on a phone (camera for the signed notice)."""
    loan = _loan(request, loan_no)
    if (closed := _require_page(request, "record_action", loan)) is not None:
        return closed
    form = ActionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_action(loan, request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "催收记录已保存")
            return redirect(_flow_url(loan))
    return render(request, "collection/action_form.html", {"loan": loan, "form": form})


@login_required
def guarantor_demand_new(request, loan_no: str):
    """要求保证人承担保证责任: the dated demand that starts the guarantor's own limitation period (民法典第694条)."""
    loan = _loan(request, loan_no)
    if (closed := _require_page(request, "record_action", loan)) is not None:
        return closed
    if not loan.guarantors.exists():
        raise Http404("该贷款没有保证人")
    form = GuarantorDemandForm(request.POST or None, request.FILES or None, loan=loan)
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            demand = services.record_guarantor_demand(data.pop("guarantor"), request.user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已登记 {demand.demanded_on:%Y-%m-%d} 要求保证人{demand.guarantor}承担保证责任")
            return redirect(_flow_url(loan))
    return render(request, "collection/guarantor_demand_form.html", {"loan": loan, "form": form})


@login_required
def repayment_new(request, loan_no: str):
    """现场还款登记: waits for branch confirmation before it counts."""
    loan = _loan(request, loan_no)
    if (closed := _require_page(request, "record_repayment", loan)) is not None:
        return closed
    form = RepaymentForm(request.POST or None, loan=loan)
    if request.method == "POST" and form.is_valid():
        try:
            rep = services.record_repayment(loan, request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已登记还款 {rep.amount} 元，待网点确认")
            return redirect(_flow_url(loan))
    ctx = {"loan": loan, "form": form, "owed": services.owed(loan),
           "allocation_label": AllocationOrder(services.allocation_order(loan)).label}
    return render(request, "collection/repayment_form.html", ctx)


def _decide(request, form, act, *, queue: str, loan):
    """A maker-checker decision posted from the loan page or a queue: run it, say how it went, go back.

    `act(cleaned_data)` calls the service and returns the success message; a refusal is shown as is.
    """
    _run(request, form, act, "请求无效")
    if request.POST.get("next") == "queue":
        return redirect(queue)
    return redirect(_flow_url(loan))


@require_POST
@login_required
def repayment_review(request, pk: int):
    """Branch staff confirm or refuse a field repayment of their branch (maker-checker)."""
    rep = get_object_or_404(Repayment.objects.filter(loan__in=Loan.objects.for_user(request.user)), pk=pk)

    def act(data):
        confirm = data["decision"] == "confirm"
        services.review_repayment(rep, request.user, confirm=confirm, reason=data["reason"])
        return f"还款 {rep.txn_no} 已{'确认' if confirm else '退回'}"

    return _decide(request, ReviewForm(request.POST), act, queue="collection:repayment_queue", loan=rep.loan)


@login_required
def plan_new(request, loan_no: str):
    """一笔一策: submit the borrower's signed plan with its instalments for the township admin's approval."""
    loan = _loan(request, loan_no)
    if (closed := _require_page(request, "submit_plan", loan)) is not None:
        return closed
    form = PlanForm(request.POST or None, request.FILES or None, loan=loan)
    rows = InstalmentFormSet(request.POST or None, prefix="inst")
    if request.method == "POST" and form.is_valid() and rows.is_valid():
        instalments = [(r["due_on"], r["amount"]) for r in rows.cleaned_data if r.get("due_on")]
        try:
            services.submit_plan(loan, request.user, instalments=instalments, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "还款计划已提交，待乡镇管理员审批")
            return redirect(_flow_url(loan))
    ctx = {"loan": loan, "form": form, "rows": rows, "owed_total": sum(services.owed(loan).values())}
    return render(request, "collection/plan_form.html", ctx)


@require_POST
@login_required
def plan_decide(request, pk: int):
    """The township admin approves or refuses a submitted plan."""
    plan = get_object_or_404(RepaymentPlan.objects.filter(loan__in=Loan.objects.for_user(request.user)), pk=pk)

    def act(data):
        approve = data["decision"] == "approve"
        services.decide_plan(plan, request.user, approve=approve, note=data["note"])
        return "还款计划已批准" if approve else "还款计划已驳回"

    return _decide(request, DecisionForm(request.POST), act, queue="collection:plan_queue", loan=plan.loan)


@login_required
def repayment_queue(request):
    """待确认还款: field repayments of the person's branch waiting for a second pair of eyes."""
    if workflow.role_of(request.user) not in workflow.ACTION_ROLES["review_repayment"][1]:
        raise PermissionDenied("只有农合行网点人员确认还款")
    pending = (Repayment.objects.filter(loan__in=Loan.objects.for_user(request.user), confirmed=False, refused_at__isnull=True)
               .select_related("loan", "loan__borrower", "loan__township", "recorded_by").order_by("paid_on", "pk"))
    return render(request, "collection/repayment_queue.html", {"pending": pending, "review_form": ReviewForm()})


@login_required
def plan_queue(request):
    """待审批还款计划: plans submitted in the township admin's township."""
    if workflow.role_of(request.user) not in workflow.ACTION_ROLES["decide_plan"][1]:
        raise PermissionDenied("只有乡镇管理员审批还款计划")
    plans = (RepaymentPlan.objects.filter(loan__in=Loan.objects.for_user(request.user), status=PlanStatus.SUBMITTED)
             .select_related("loan", "loan__borrower", "submitted_by", "responsible_person")
             .prefetch_related("instalments").order_by("submitted_at", "pk"))
    # Every plan listed is in the admin's township, so each may be decided here (maker-checker aside).
    return render(request, "collection/plan_queue.html", {"plans": plans, "may_decide": {"decide_plan": True}})


def _file(field):
    if not field:
        raise Http404("没有证据文件")
    try:
        return FileResponse(field.open("rb"), as_attachment=False, filename=field.name.rsplit("/", 1)[-1])
    except FileNotFoundError as exc:
        raise Http404("证据文件不存在") from exc


@login_required
def action_evidence(request, pk: int):
    """An action's evidence photo, only for those who may see the loan (media is not served publicly)."""
    action = get_object_or_404(CollectionAction.objects.filter(loan__in=Loan.objects.for_user(request.user)), pk=pk)
    return _file(action.evidence)


@login_required
def plan_evidence(request, pk: int):
    """A plan's signed copy, only for those who may see the loan."""
    plan = get_object_or_404(RepaymentPlan.objects.filter(loan__in=Loan.objects.for_user(request.user)), pk=pk)
    return _file(plan.evidence)
