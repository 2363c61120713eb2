"""Refinancing pages: the township's request form, the branch's queue, a request with its timed steps
and printout, and the district's table of processing time per branch.

Requests are fetched through RefinanceRequest.objects.for_user (loans in scope): others are a 404.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from npl.accounts.choices import Role
from npl.loans.models import Loan
from npl.refinance import services
from npl.refinance.choices import OPEN_STEPS, STRETCHES, Step
from npl.refinance.forms import PeriodForm, RequestForm, StepForm
from npl.refinance.models import RefinanceRequest
from npl.refinance.timing import hours, processing_times, shown

ROLES = {Role.DISTRICT_ADMIN, Role.DISTRICT_LEADER, Role.TOWNSHIP_ADMIN, Role.BRANCH_STAFF}
STEP_BUTTONS = {Step.RECEIVED: "受理", Step.DOCUMENTS_COMPLETE: "资料齐全", Step.APPROVED: "审批通过",
                Step.REFUSED: "审批不通过", Step.DISBURSED: "已放款"}


def _may_see(user) -> None:
    if not (user.is_superuser or user.role in ROLES):
        raise PermissionDenied("无权查看借新还旧/转贷申请")


def _scoped(user):
    return RefinanceRequest.objects.for_user(user).select_related("loan__borrower", "township", "branch", "requested_by")


@login_required
def request_list(request):
    """Open requests oldest first (the branch's queue), then the latest closed ones."""
    user = request.user
    _may_see(user)
    qs = _scoped(user)
    if user.role == Role.BRANCH_STAFF:
        qs = qs.filter(branch_id=user.branch_id)
    now = timezone.now()
    open_rows = [(r, shown(hours(now - r.requested_at))) for r in qs.filter(status__in=OPEN_STEPS).order_by("requested_at", "pk")]
    closed = qs.exclude(status__in=OPEN_STEPS).order_by("-closed_at", "-pk")[:100]
    return render(request, "refinance/list.html", {
        "open_rows": open_rows, "closed": closed,
        "may_request": services.may_request(user), "may_see_timing": user.is_district_wide,
    })


@login_required
def request_new(request):
    """The township admin asks for a refinancing of a loan in its township, recording its agreement."""
    user = request.user
    if not services.may_request(user):
        raise PermissionDenied("只有乡镇管理员可以提出借新还旧/转贷申请")
    form = RequestForm(request.POST or None, initial={"loan_no": request.GET.get("loan", "")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        loan = Loan.objects.for_user(user).filter(loan_no=d["loan_no"].strip()).first()
        if loan is None:
            form.add_error("loan_no", "借据号不存在或不在您的管辖范围内")
        else:
            try:
                req = services.request_refinance(loan, user, kind=d["kind"], reason=d["reason"], amount=d["amount"],
                                                 township_agreed=d["township_agreed"])
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, f"已提交{req.get_kind_display()}申请，等待{req.branch.name}受理")
                return redirect("refinance:detail", pk=req.pk)
    return render(request, "refinance/form.html", {"form": form})


def _steps_with_durations(req):
    rows, previous = [], None
    for s in req.steps.select_related("actor").order_by("at", "pk"):
        rows.append((s, shown(hours(s.at - previous)) if previous else None))
        previous = s.at
    return rows


@login_required
def request_detail(request, pk: int):
    """A request: its facts, the township's agreement, each step with its time, and the next steps."""
    _may_see(request.user)
    req = get_object_or_404(_scoped(request.user), pk=pk)
    user = request.user
    buttons = [(s, STEP_BUTTONS[s]) for s in services.next_steps(req)] if services.may_process(user, req) else []
    return render(request, "refinance/detail.html", {
        "req": req, "steps": _steps_with_durations(req), "buttons": buttons,
        "may_withdraw": req.is_open and services.may_withdraw(user, req),
        "total_hours": shown(hours(req.disbursed_at - req.requested_at)) if req.disbursed_at else None,
        "open_hours": shown(hours(timezone.now() - req.requested_at)) if req.is_open else None,
    })


@require_POST
@login_required
def step(request, pk: int):
    """POST: a branch step, or the township's withdrawal."""
    _may_see(request.user)
    req = get_object_or_404(_scoped(request.user), pk=pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, "提交的内容不完整，请重试")
        return redirect("refinance:detail", pk=req.pk)
    d = form.cleaned_data
    try:
        if d["step"] == Step.WITHDRAWN:
            services.withdraw(req, request.user, note=d["note"], expected_version=d["version"])
        else:
            services.take_step(req, request.user, d["step"], note=d["note"], new_loan_no=d["new_loan_no"],
                               payoff_txn_no=d["payoff_txn_no"], payoff_amount=d["payoff_amount"],
                               expected_version=d["version"])
    except ValidationError as exc:  # a refused step, or a refused payoff booking (then nothing is saved)
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已办理：{Step(d['step']).label}")
    return redirect("refinance:detail", pk=req.pk)


@login_required
def printout(request, pk: int):
    """申请单 for the file: the township's agreement as recorded on the platform stands for the stamp."""
    _may_see(request.user)
    req = get_object_or_404(_scoped(request.user), pk=pk)
    return render(request, "refinance/print.html", {"req": req, "steps": _steps_with_durations(req), "printed_at": timezone.now()})


@login_required
def timing(request):
    """办理时长: per branch, hours from request to disbursement (district roles)."""
    if not request.user.is_district_wide:
        raise PermissionDenied("办理时长统计仅供区金融办和区领导查看")
    form = PeriodForm(request.GET or None)
    since = until = None
    if form.is_bound and form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    rows = processing_times(RefinanceRequest.objects.for_user(request.user), since=since, until=until)
    return render(request, "refinance/timing.html", {
        "form": form, "rows": rows, "stretches": [label for _, _, label in STRETCHES],
    })
