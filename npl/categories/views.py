"""Category pages: the nine-category table (district / township, any day), each figure's loans, manual
add/remove requests and decisions, threshold. The table's exports are reports.category_exports."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from npl.categories import services, stored
from npl.categories.access import report_scope
from npl.categories.choices import BY_CODE, NAMES, SUB_PARENT
from npl.categories.engine import loans_in
from npl.categories.forms import DecisionForm, ManualRequestForm, ThresholdForm
from npl.categories.models import ManualMembership, ThresholdChange
from npl.categories.reports import category_report, scoped_loans, visible_codes
from npl.categories.services import is_district_admin, threshold_on
from npl.core import tenancy
from npl.loans.balances import BALANCE
from npl.loans.models import Loan
from npl.org.models import District, Township


def _report(request):
    scope = report_scope(request)
    data = category_report(township=scope.township, as_of=scope.day, user=request.user, district=scope.district)
    data["scope"] = scope.label
    return scope, data


@login_required
def report(request):
    """九类特殊贷款 table: 笔, 户, 万元, each figure a link to its loans."""
    scope, data = _report(request)
    if scope.date_error:
        messages.error(request, scope.date_error)
    towns = Township.objects.filter(district=District.current()) if scope.can_choose_township else []
    return render(request, "categories/report.html", {
        "scope": scope, "report": data, "towns": towns, "query": scope.query(),
        "threshold": threshold_on(scope.day, request.user.district_id), "may_manage": is_district_admin(request.user),
        "may_request": services.may_request(request.user),
    })


@login_required
def category_loans(request, code: str):
    """The loans behind one figure: the category (or subcategory) on the day, in the user's scope."""
    if code not in NAMES or code not in visible_codes(request.user):
        raise Http404("类别不存在")
    scope = report_scope(request)
    loans = scoped_loans(township=scope.township, user=request.user, district=scope.district)
    # Today from the stored memberships (issue 16); another day by the engine's rules.
    qs = stored.loans_in(code, loans) if stored.answers(scope.day) else loans_in(code, scope.day, loans)
    qs = qs.select_related("borrower", "township", "community").order_by("township__name", "loan_no")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    parent = SUB_PARENT.get(code)
    return render(request, "categories/loans.html", {
        "code": code, "name": NAMES[code], "parent": (parent, NAMES[parent]) if parent else None,
        "subs": [(s.code, s.name) for s in BY_CODE[code].subcategories] if code in BY_CODE else [],
        "scope": scope, "page": page, "query": scope.query(), "balance_field": BALANCE,
    })


@login_required
def manual_list(request):
    """Manual add/remove requests: the district admin decides pending ones; township admins see theirs."""
    user = request.user
    if not services.may_request(user):
        raise PermissionDenied("无权查看类别调整")
    qs = ManualMembership.objects.filter(loan__in=Loan.objects.for_user(user)).select_related(
        "loan", "loan__township", "requested_by", "decided_by"
    ).order_by("-requested_at")
    return render(request, "categories/manual_list.html", {
        "pending": qs.filter(status=ManualMembership.Status.PENDING),
        "decided": qs.exclude(status=ManualMembership.Status.PENDING)[:100],
        "may_decide": is_district_admin(user), "form": DecisionForm(),
    })


@login_required
def manual_new(request):
    """A township admin asks to add a loan to a category or remove it, with a reason."""
    if not services.may_request(request.user):
        raise PermissionDenied("只有乡镇管理员可以申请调整类别")
    form = ManualRequestForm(request.POST or None, initial={"loan_no": request.GET.get("loan", "")})
    if request.method == "POST" and form.is_valid():
        loan = Loan.objects.for_user(request.user).filter(loan_no=form.cleaned_data["loan_no"].strip()).first()
        if loan is None:
            form.add_error("loan_no", "未找到该贷款")
        else:
            try:
                services.request_membership(
                    loan, form.cleaned_data["code"], form.cleaned_data["op"], request.user, form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                form.add_error(None, "；".join(exc.messages))
            else:
                messages.success(request, "已提交，待区金融办审批")
                return redirect("categories:manual")
    return render(request, "categories/manual_form.html", {"form": form})


@login_required
@require_POST
def manual_decide(request, pk: int):
    """The district admin approves or refuses a manual request (from today)."""
    if not is_district_admin(request.user):
        raise PermissionDenied("只有区金融办可以审批类别调整")
    m = get_object_or_404(ManualMembership, pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide_membership(m, request.user, form.cleaned_data["decision"] == "approve", form.cleaned_data["note"])
            messages.success(request, "已审批")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    return redirect("categories:manual")


@login_required
def threshold(request):
    """The large-mortgage threshold that applies to this person's district (or the province default): shown to
    all, changed from today on by a district admin (their district's own) or the 省金融办 (the default)."""
    user = request.user
    if not (user.is_superuser or user.role):
        raise PermissionDenied("您的账号尚未分配角色")
    from django.utils import timezone

    t = tenancy.page_context(user, services.THRESHOLD)
    current = services.threshold_of(t["owner"], timezone.localdate())
    form = ThresholdForm(request.POST or None, initial={"value": current})
    if request.method == "POST":
        tenancy.editing_district(user, services.THRESHOLD)  # anyone else: 403
        if form.is_valid():
            try:
                services.set_threshold(form.cleaned_data["value"], user)
            except ValidationError as exc:
                form.add_error(None, "；".join(exc.messages))
            else:
                messages.success(request, "门槛已更新，自今日起生效")
                return redirect(reverse("categories:threshold"))
    history = ThresholdChange.objects.filter(**tenancy.of_owner(t["owner"]))
    return render(request, "categories/threshold.html", {
        "form": form, "current": current, "history": history.select_related("set_by").order_by("-valid_from", "-pk"),
        "may_manage": t["may_edit"], "tenancy": t,
    })
