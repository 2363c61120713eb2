"""Campaign pages: list, create, the progress table per township / community / responsible person
ranked by recovery rate (人人肩上有指标), Excel export, and task reductions (核减)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from npl.accounts.choices import Role
from npl.accounts.models import User
from npl.campaigns import services
from npl.campaigns.access import require_follower, require_township_in_campaign, visible_campaigns
from npl.campaigns.figures import breakdowns, campaign_figures
from npl.campaigns.forms import CampaignForm, DecisionForm, ReductionForm
from npl.campaigns.models import TaskReduction
from npl.categories.access import report_scope
from npl.loans.models import Loan
from npl.org.models import Community, Township

BREAKDOWNS = {"township": "乡镇", "community": "社区/村", "responsible_person": "责任人"}


def _is_district_admin(user) -> bool:
    return user.is_superuser or user.role == Role.DISTRICT_ADMIN


def _names(group: str, keys) -> dict:
    keys = [k for k in keys if k is not None]
    if group == "township":
        names = dict(Township.objects.filter(pk__in=keys).values_list("pk", "name"))
    elif group == "community":
        names = dict(Community.objects.filter(pk__in=keys).values_list("pk", "name"))
    else:
        names = {u.pk: str(u) for u in User.objects.filter(pk__in=keys)}
    names[None] = {"township": "未知乡镇", "community": "未分社区/村", "responsible_person": "未分配责任人"}[group]
    return names


def ranked_rows(campaign, day, group, *, township, user, figs=None):
    """(name, figures) per unit of `group`, best recovery rate first (ties: larger task first)."""
    figs = campaign_figures(campaign, day, township=township, user=user, group=group) if figs is None else figs
    names = _names(group, figs)
    rows = [(names.get(k, str(k)), f, k) for k, f in figs.items()]
    rows.sort(key=lambda r: (-r[1]["recovery_rate"], -r[1]["task_amount"], r[0]))
    return rows


def breakdowns_for(user, scope) -> list[str]:
    """The breakdowns a scope shows: by township only over the whole district."""
    if scope.township is None:
        return ["township", "community", "responsible_person"]
    return ["community", "responsible_person"]


@login_required
def campaign_list(request):
    """清收行动 the user may follow, newest baseline first."""
    require_follower(request.user)
    return render(request, "campaigns/list.html", {
        "campaigns": visible_campaigns(request.user).order_by("-baseline", "name"),
        "may_create": _is_district_admin(request.user),
    })


@login_required
def campaign_new(request):
    """The district admin creates a campaign: its task is its scope's loans on the baseline day."""
    if not _is_district_admin(request.user):
        raise PermissionDenied("只有区金融办可以创建清收行动")
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            c = services.create_campaign(d["name"], d["baseline"], township=d["township"], ends_on=d["ends_on"], user=request.user)
        except ValidationError as exc:
            form.add_error(None, "；".join(exc.messages))
        else:
            messages.success(request, f"已创建清收行动“{c.name}”")
            return redirect("campaigns:detail", pk=c.pk)
    return render(request, "campaigns/form.html", {"form": form})


def campaign_and_scope(request, pk):
    """The campaign (404 outside what the user follows) and the report scope it is read in."""
    require_follower(request.user)
    campaign = get_object_or_404(visible_campaigns(request.user), pk=pk)
    scope = report_scope(request)
    require_township_in_campaign(campaign, scope.township)
    if campaign.township_id and scope.township is None:
        scope.township = campaign.township
        scope.label = campaign.township.name
    elif request.user.is_region_wide and scope.township is None:  # a city's office reading one district's campaign
        scope.label = campaign.district.name if campaign.district_id else scope.label
    return campaign, scope


@login_required
def campaign_detail(request, pk: int):
    """Overall figures, then a ranked table per township, community or responsible person."""
    campaign, scope = campaign_and_scope(request, pk)
    if scope.date_error:
        messages.error(request, scope.date_error)
    options = breakdowns_for(request.user, scope)
    group = request.GET.get("by") if request.GET.get("by") in options else options[0]
    figs = breakdowns(campaign, scope.day, (None, group), township=scope.township, user=request.user)  # one statement
    total = figs[None][None]
    rows = ranked_rows(campaign, scope.day, group, township=scope.township, user=request.user, figs=figs[group])
    towns = Township.objects.filter(district_id=campaign.district_id) if scope.can_choose_township and not campaign.township_id else []
    return render(request, "campaigns/detail.html", {
        "campaign": campaign, "scope": scope, "total": total, "rows": rows, "group": group,
        "group_label": BREAKDOWNS[group], "tabs": [(g, BREAKDOWNS[g]) for g in options], "towns": towns,
        "query": scope.query(), "extra_params": {"by": group},
        "may_decide": _is_district_admin(request.user),
        "may_request": request.user.role == Role.TOWNSHIP_ADMIN or _is_district_admin(request.user),
        "pending": campaign.reductions.filter(status=TaskReduction.Status.PENDING).count(),
    })


@login_required
def reductions(request, pk: int):
    """The campaign's reduction requests; the district admin approves or refuses pending ones."""
    require_follower(request.user)
    campaign = get_object_or_404(visible_campaigns(request.user), pk=pk)
    qs = campaign.reductions.filter(loan__in=Loan.objects.for_user(request.user)).select_related(
        "loan", "loan__township", "requested_by", "decided_by"
    ).order_by("-requested_at")
    if request.method == "POST":
        if not _is_district_admin(request.user):
            raise PermissionDenied("只有区金融办可以审批核减")
        red = get_object_or_404(qs, pk=request.POST.get("reduction"))
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                services.decide_reduction(red, request.user, form.cleaned_data["decision"] == "approve", form.cleaned_data["note"])
                messages.success(request, "已审批")
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
        return redirect("campaigns:reductions", pk=campaign.pk)
    return render(request, "campaigns/reductions.html", {
        "campaign": campaign, "pending": qs.filter(status=TaskReduction.Status.PENDING),
        "decided": qs.exclude(status=TaskReduction.Status.PENDING)[:200],
        "may_decide": _is_district_admin(request.user),
        "may_request": request.user.role == Role.TOWNSHIP_ADMIN or _is_district_admin(request.user),
    })


@login_required
def reduction_new(request, pk: int):
    """A township admin asks for a loan to leave the task, with reason and evidence."""
    campaign = get_object_or_404(visible_campaigns(request.user), pk=pk)
    if not (request.user.role == Role.TOWNSHIP_ADMIN or _is_district_admin(request.user)):
        raise PermissionDenied("只有乡镇管理员可以申请核减")
    form = ReductionForm(request.POST or None, request.FILES or None, initial={"loan_no": request.GET.get("loan", "")})
    if request.method == "POST" and form.is_valid():
        loan = Loan.objects.for_user(request.user).filter(loan_no=form.cleaned_data["loan_no"].strip()).first()
        if loan is None:
            form.add_error("loan_no", "未找到该贷款")
        else:
            try:
                services.request_reduction(campaign, loan, request.user, form.cleaned_data["reason"], form.cleaned_data["evidence"])
            except ValidationError as exc:
                form.add_error(None, "；".join(exc.messages))
            else:
                messages.success(request, "核减申请已提交，待区金融办审批")
                return redirect(reverse("campaigns:reductions", kwargs={"pk": campaign.pk}))
    return render(request, "campaigns/reduction_form.html", {"form": form, "campaign": campaign})

