"""Waiver pages: the public ruler and its printable sheet, the payoff of a loan, requests and their queue,
and the district admin's editing of the policy table. Views call services and hold no rules."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from npl.collection.forms import apply_errors
from npl.core import tenancy
from npl.loans import workflow
from npl.loans.models import Loan
from npl.waivers import services
from npl.waivers.choices import CHECKERS, MAKERS, RequestStatus
from npl.waivers.forms import AsOfForm, DecisionForm, MarkupForm, RequestForm, TierForm, VersionForm, VoidForm
from npl.waivers.models import POLICY, PolicyTier, PolicyVersion, WaiverRequest
from npl.waivers.payoff import PayoffError, compute_payoff, penalty_markup
from npl.waivers.policy import category_text, condition_text, share_text


def _rows(version):
    """The tiers of a version as the public sees them: category, shares, condition — never a name."""
    return [{"tier": t, "category": category_text(t.category), "penalty": share_text(t.penalty_share),
             "compound": share_text(t.compound_share), "interest": share_text(t.interest_share),
             "condition": condition_text(t)} for t in version.tiers.select_related("version")]


def _ruler_context(district_id=None):
    """The policy that applies to a district (its own, or the province default's; None: the default's)."""
    today = timezone.localdate()
    owner = tenancy.owner(POLICY, district_id)
    current = PolicyVersion.in_force_of(owner, today)
    versions = PolicyVersion.objects.filter(**tenancy.of_owner(owner))
    upcoming = versions.filter(effective_from__gt=today).order_by("effective_from")
    return {"today": today, "current": current, "rows": _rows(current) if current else [], "versions": versions,
            "upcoming": [(v, _rows(v)) for v in upcoming], "markup": penalty_markup(),
            "whose": tenancy.status(POLICY, district_id)["text"]}


def _public_district(request):
    """The public pages show one district's policy when asked (?district=id), else the province default."""
    from npl.org.models import District

    raw = request.GET.get("district", "")
    return District.objects.filter(pk=int(raw)).first() if raw.isdigit() else None


@login_required
def policy(request):
    """一把尺子: the policy in force and the ones to come, for every logged-in role."""
    ctx = _ruler_context(request.user.district_id)
    role = workflow.role_of(request.user)
    ctx |= {"past": ctx["versions"].filter(effective_from__lte=ctx["today"]).exclude(pk=getattr(ctx["current"], "pk", None)),
            "may_manage": tenancy.may_edit(request.user, POLICY), "may_queue": role in CHECKERS | MAKERS}
    return render(request, "waivers/policy.html", ctx)


def public_policy(request):
    """The public page of the tiers (no login; the tiers are public, each borrower's waiver is not)."""
    district = _public_district(request)
    return render(request, "waivers/public.html", _ruler_context(district and district.pk) | {"district": district})


def sheet(request):
    """The one-page printable sheet of the tiers in force (print CSS; the documents helper makes its PDF)."""
    district = _public_district(request)
    return render(request, "waivers/sheet.html", _ruler_context(district and district.pk) | {"district": district})


def _loan(request, pk):
    return get_object_or_404(Loan.objects.for_user(request.user).select_related("borrower", "township", "branch"), pk=pk)


@login_required
def payoff(request, loan_pk: int):
    """结清测算 of a loan in scope on a chosen day, with the lines behind each figure."""
    loan = _loan(request, loan_pk)
    form = AsOfForm(request.GET or None)
    as_of = form.cleaned_data.get("as_of") if form.is_valid() else None
    result, error = None, ""
    try:
        result = compute_payoff(loan, as_of)
    except PayoffError as exc:
        error = str(exc)
    requests = WaiverRequest.objects.for_user(request.user).filter(loan=loan).select_related("tier__version", "made_by")
    ctx = {"loan": loan, "form": form, "p": result, "error": error, "requests": requests,
           "may_request": workflow.role_of(request.user) in MAKERS}
    return render(request, "waivers/payoff.html", ctx)


@login_required
def request_new(request, loan_pk: int):
    """减免申请 by the collector or the township admin, for the tier the ruler gives the loan today."""
    loan = _loan(request, loan_pk)
    if workflow.role_of(request.user) not in MAKERS:
        raise PermissionDenied("只有清收人员和乡镇管理员可以提出减免申请")
    p = compute_payoff(loan)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.request_waiver(loan, request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"减免申请#{req.pk}已提交，待审批")
            return redirect("waivers:request", req.pk)
    return render(request, "waivers/request_form.html", {"loan": loan, "p": p, "form": form})


def _request(request, pk):
    return get_object_or_404(WaiverRequest.objects.for_user(request.user).select_related("loan__borrower", "tier__version",
                                                                                           "made_by", "decided_by"), pk=pk)


@login_required
def request_detail(request, pk: int):
    """One request in scope: its figures, its condition, its decision, and what the checker may do."""
    req = _request(request, pk)
    role = workflow.role_of(request.user)
    ctx = {"req": req, "why_not": services.may_decide(req, request.user), "approval": services.approval_text(req),
           "may_void": role in CHECKERS and req.status in (RequestStatus.APPROVED, RequestStatus.APPLIED),
           "decision_form": DecisionForm(), "void_form": VoidForm()}
    return render(request, "waivers/request_detail.html", ctx)


def _done(request, act, pk):
    try:
        messages.success(request, act())
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", None) or [str(exc)]))
    return redirect("waivers:request", pk)


@require_POST
@login_required
def decide(request, pk: int):
    """The checker approves or refuses (never the maker; branch staff up to the version's limit)."""
    req = _request(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请求无效")
        return redirect("waivers:request", pk)

    def act():
        approve = form.cleaned_data["decision"] == "approve"
        services.decide_waiver(req, request.user, approve=approve, note=form.cleaned_data["note"])
        return "已批准（借款人按约定还款后生效）" if approve else "已退回"

    return _done(request, act, pk)


@require_POST
@login_required
def check(request, pk: int):
    """Check now whether the agreed repayment has come in (or the deadline passed)."""
    req = _request(request, pk)
    return _done(request, lambda: f"当前状态：{services.check_waiver(req).get_status_display()}", pk)


@require_POST
@login_required
def void(request, pk: int):
    """借款人违约: a checker voids the waiver; the interest is owed again."""
    req = _request(request, pk)
    form = VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请写明作废原因")
        return redirect("waivers:request", pk)
    return _done(request, lambda: (services.void_waiver(req, request.user, reason=form.cleaned_data["reason"]), "减免已作废，利息恢复")[1], pk)


@login_required
def queue(request):
    """待审批减免: requests in the checker's scope (the maker sees their own open requests here too)."""
    role = workflow.role_of(request.user)
    if role not in CHECKERS | MAKERS:
        raise PermissionDenied("无权查看减免申请")
    qs = WaiverRequest.objects.for_user(request.user).select_related("loan__borrower", "loan__township", "tier__version", "made_by")
    pending = qs.filter(status=RequestStatus.SUBMITTED).order_by("made_at", "pk")
    waiting = qs.filter(status=RequestStatus.APPROVED).order_by("deadline", "pk")
    rows = [(r, services.may_decide(r, request.user)) for r in pending]
    return render(request, "waivers/queue.html", {"rows": rows, "waiting": waiting, "is_checker": role in CHECKERS})


# --- the district admin's editing of the table ------------------------------------------------------


def _admin_only(user):
    """District admins (their district's own policy) and the 省金融办 (the default); anyone else 403."""
    tenancy.editing_district(user, POLICY)
    return tenancy.page_context(user, POLICY)


def _editable(user, version) -> bool:
    return version.effective_from > timezone.localdate() and version.district_id == tenancy.editing_district(user, POLICY)


@login_required
def manage(request):
    """Versions of the table this person edits (their district's own, or the default); a new version from a future
    date (copying a version's tiers; a district following the default adopts it first); the penalty markup."""
    t = _admin_only(request.user)
    vform = VersionForm(request.POST if request.POST.get("form") == "version" else None, prefix="v")
    vform.fields["copy_from"].queryset = PolicyVersion.objects.filter(**tenancy.of_owner(t["owner"]))
    mform = MarkupForm(request.POST if request.POST.get("form") == "markup" else None, initial={"percent": penalty_markup()})
    if request.method == "POST":
        try:
            if request.POST.get("form") == "version" and vform.is_valid():
                data = vform.cleaned_data
                v = services.create_version(request.user, **{k: data[k] for k in ("name", "effective_from", "branch_limit", "note",
                                                                                   "copy_from", "reoffer_after_void")})
                messages.success(request, f"已新建“{v.name}”，自 {v.effective_from:%Y-%m-%d} 起生效")
                return redirect("waivers:manage_version", v.pk)
            if request.POST.get("form") == "markup" and mform.is_valid():
                services.set_penalty_markup(request.user, mform.cleaned_data["percent"])
                messages.success(request, "罚息上浮比例已保存")
                return redirect("waivers:manage")
        except ValidationError as exc:
            apply_errors(vform if request.POST.get("form") == "version" else mform, exc)
    versions = PolicyVersion.objects.filter(**tenancy.of_owner(t["owner"]))
    return render(request, "waivers/manage.html", {"versions": versions, "vform": vform, "mform": mform,
                                                   "today": timezone.localdate(), "tenancy": t})


@login_required
def manage_version(request, pk: int):
    """A version's tiers; add a tier while the version is not yet in force (and is this person's to edit)."""
    t = _admin_only(request.user)
    version = get_object_or_404(PolicyVersion, pk=pk, **tenancy.of_owner(t["owner"]))
    form = TierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_tier(request.user, version, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "档次已保存")
            return redirect("waivers:manage_version", pk)
    editable = _editable(request.user, version)
    return render(request, "waivers/manage_version.html", {"version": version, "rows": _rows(version), "form": form,
                                                           "editable": editable})


@login_required
def manage_tier(request, pk: int):
    """Change or remove one tier of a version not yet in force."""
    t = _admin_only(request.user)
    tier = get_object_or_404(PolicyTier.objects.select_related("version"), pk=pk, **{
        f"version__{k}": v for k, v in tenancy.of_owner(t["owner"]).items()})
    form = TierForm(request.POST or None, instance=tier)
    if request.method == "POST":
        try:
            if request.POST.get("delete"):
                services.delete_tier(request.user, tier)
                messages.success(request, "档次已删除")
                return redirect("waivers:manage_version", tier.version_id)
            if form.is_valid():
                services.save_tier(request.user, tier.version, form.cleaned_data, tier=PolicyTier.objects.get(pk=pk))
                messages.success(request, "档次已保存")
                return redirect("waivers:manage_version", tier.version_id)
        except ValidationError as exc:
            apply_errors(form, exc)
    return render(request, "waivers/tier_form.html", {"tier": tier, "form": form})
