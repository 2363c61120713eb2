"""Case pages: the list (every case for the court liaison, the cases of loans in scope for others),
a case with its stage timeline, and the court liaison's forms; filing a case from a loan.

Every case is fetched through LitigationCase.objects.for_user, so a case outside the person's units
is a 404. Rules live in services; the views only turn their refusals into messages.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from npl.core.money import ZERO, fmt_wan
from npl.litigation import services, stages
from npl.litigation.choices import ENFORCEMENT_STAGES, Direction, Listing
from npl.litigation.filtersets import CaseFilterSet
from npl.litigation.forms import FileCaseForm, JudgmentForm, ListingForm, RecoveryForm, StageForm
from npl.litigation.models import LitigationCase
from npl.litigation.tables import CaseTable
from npl.loans.models import Loan


class CaseListView(LoginRequiredMixin, SingleTableMixin, FilterView):
    """涉诉案件: filters by stage, court, township; 50 a page."""

    table_class = CaseTable
    filterset_class = CaseFilterSet
    template_name = "litigation/case_list.html"
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return LitigationCase.objects.for_user(self.request.user).select_related("loan__borrower", "loan__township")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        row = self.object_list.order_by().aggregate(
            n=Count("pk"), judged=Sum("judgment_amount"), recovered=Sum("enforcement_recovered")
        )
        ctx["found"] = row["n"]
        ctx["judged_wan"] = fmt_wan(row["judged"] or ZERO)
        ctx["recovered_wan"] = fmt_wan(row["recovered"] or ZERO)
        ctx["is_court"] = services.is_court(self.request.user)
        return ctx


def _case(request, pk: int) -> LitigationCase:
    return get_object_or_404(
        LitigationCase.objects.for_user(request.user).select_related("loan__borrower", "loan__township", "loan__branch"),
        pk=pk,
    )


def _stage_choices(case: LitigationCase) -> list[str]:
    history, _ = services.case_history(case)
    return stages.next_stages(case.stage, history, case.judgment_on)


def _may_request_listing(user, case: LitigationCase) -> bool:
    return (
        services.may_request_listing(user) and case.direction == Direction.BANK_SUED_BORROWER
        and case.stage in ENFORCEMENT_STAGES and not case.dishonest_listing
    )


def _detail(request, case: LitigationCase, **forms):
    """The case page; `forms` replaces a blank form with the bound one that failed."""
    user = request.user
    court = services.is_court(user)
    initial = {"version": case.version}
    ctx = {
        "case": case,
        "loan": case.loan,
        "stages": case.stages.select_related("actor").order_by("on", "pk"),
        "recoveries": case.recoveries.select_related("actor").order_by("on", "pk"),
        "is_court": court,
        "may_request_listing": _may_request_listing(user, case),
        "may_mark_listed": court and case.direction == Direction.BANK_SUED_BORROWER
        and case.stage in ENFORCEMENT_STAGES and case.dishonest_listing != Listing.LISTED,
    }
    if court:
        choices = _stage_choices(case)
        ctx["stage_form"] = forms.get("stage_form") or (StageForm(initial=initial, choices=choices) if choices else None)
        ctx["judgment_form"] = forms.get("judgment_form") or JudgmentForm(initial={
            **initial, "amount": case.judgment_amount, "judgment_on": case.judgment_on, "performance_due": case.performance_due,
        })
        ctx["recovery_form"] = forms.get("recovery_form") or RecoveryForm(initial=initial)
        ctx["may_record_judgment"] = services.has_judgment(case)
        ctx["may_record_recovery"] = case.direction == Direction.BANK_SUED_BORROWER and services.in_enforcement(case)
    if ctx["may_request_listing"] or ctx["may_mark_listed"]:
        ctx["listing_form"] = forms.get("listing_form") or ListingForm(initial=initial)
    return render(request, "litigation/case_detail.html", ctx, status=400 if forms else 200)


@login_required
def case_detail(request, pk: int):
    """One case: facts, the dated stages, money recovered; the court liaison's forms beside them."""
    return _detail(request, _case(request, pk))


def _post(request, pk: int, form_class, key: str, action, done: str, **form_kwargs):
    """Bind, call the service, and answer: redirect on success or staleness, the page with errors otherwise."""
    case = _case(request, pk)
    if callable(form_kwargs.get("choices")):
        form_kwargs["choices"] = form_kwargs["choices"](case)
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            action(case, form.cleaned_data)
        except services.StaleCase as exc:
            messages.error(request, exc.messages[0])
            return redirect("litigation:detail", pk=case.pk)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, done)
            return redirect("litigation:detail", pk=case.pk)
    return _detail(request, _case(request, pk), **{key: form})


def _court_only(request, what: str):
    if not services.is_court(request.user):
        raise PermissionDenied(f"只有区法院联络人可以{what}")


@require_POST
@login_required
def advance(request, pk: int):
    """POST: move the case to its next stage (court liaison)."""
    _case(request, pk)  # out of scope is a 404 before it is a 403
    _court_only(request, "变更诉讼阶段")

    def act(case, d):
        services.advance_stage(case, request.user, stage=d["stage"], on=d["on"], note=d["note"],
                               enforcement_case_no=d.get("enforcement_case_no", ""), expected_version=d["version"])

    return _post(request, pk, StageForm, "stage_form", act, "已更新案件阶段", choices=_stage_choices)


@require_POST
@login_required
def judgment(request, pk: int):
    """POST: the judgment's amount and performance period (court liaison)."""
    _case(request, pk)
    _court_only(request, "登记判决结果")

    def act(case, d):
        services.record_judgment(case, request.user, amount=d["amount"], judgment_on=d["judgment_on"],
                                 performance_due=d["performance_due"], expected_version=d["version"])

    return _post(request, pk, JudgmentForm, "judgment_form", act, "已登记判决结果")


@require_POST
@login_required
def recovery(request, pk: int):
    """POST: money enforcement brought in (court liaison)."""
    _case(request, pk)
    _court_only(request, "登记执行到位金额")

    def act(case, d):
        services.record_enforcement_recovery(case, request.user, amount=d["amount"], on=d["on"], txn_no=d["txn_no"],
                                             note=d["note"], expected_version=d["version"])

    return _post(request, pk, RecoveryForm, "recovery_form", act, "已登记执行到位金额")


@require_POST
@login_required
def listing(request, pk: int):
    """POST: a 失信 listing requested (bank side or court) or listed (court liaison)."""
    _case(request, pk)
    wanted = request.POST.get("action")
    if wanted == "listed":
        _court_only(request, "登记纳入失信名单")
    elif not services.may_request_listing(request.user):
        raise PermissionDenied("您的角色不能申请纳入失信名单")

    def act(case, d):
        service = services.mark_dishonest_listed if d["action"] == "listed" else services.request_dishonest_listing
        service(case, request.user, on=d["on"], note=d["note"], expected_version=d["version"])

    done = "已登记纳入失信名单" if wanted == "listed" else "已登记申请纳入失信名单"
    return _post(request, pk, ListingForm, "listing_form", act, done)


@login_required
def file_case(request, loan_no: str):
    """登记起诉: a township admin, the district admin or branch staff register a suit about a loan in scope."""
    loan = get_object_or_404(Loan.objects.for_user(request.user).select_related("borrower"), loan_no=loan_no)
    if not services.may_file(request.user):
        raise PermissionDenied("只有乡镇管理员、区金融办或网点人员可以登记起诉")
    form = FileCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.file_case(loan, request.user, direction=d["direction"], case_no=d["case_no"],
                                      court=d["court"], filed_on=d["filed_on"], note=d["note"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, f"已登记案件 {case.case_no}")
            return redirect("litigation:detail", pk=case.pk)
    return render(request, "litigation/file_case.html", {"form": form, "loan": loan})
