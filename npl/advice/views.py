"""Advice pages: a collector's today list (done / dismiss), next, the township's reassignment, the rules.

Loans are reached through Loan.objects.for_user (out of scope: 404); the services check roles (403).
"""
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from npl.accounts.choices import Role
from npl.accounts.models import User
from npl.advice import services
from npl.advice.choices import FACTS, OPS
from npl.advice.conditions import fact_spec
from npl.advice.forms import AssignForm, DismissForm, DoneForm, RuleForm
from npl.advice.models import RULES, SuggestionRule
from npl.collection.models import CollectionAction
from npl.core import tenancy
from npl.loans.models import Borrower, Loan

RECENT_ACTIONS = 5
FIRST_CARDS = 30


def _refused(request, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


def _recent_actions(loan_ids) -> dict[int, list]:
    out: dict[int, list] = {}
    for action in CollectionAction.objects.filter(loan_id__in=loan_ids).order_by("-acted_on", "-pk"):
        rows = out.setdefault(action.loan_id, [])
        if len(rows) < RECENT_ACTIONS:
            rows.append(action)
    return out


@login_required
def today(request):
    """今日建议: the collector's open suggestions due within the window, best first, as cards for a phone."""
    as_of = timezone.localdate()
    items = services.today(request.user, as_of)  # the stored rows: a count, then one page's rows
    total = len(items)
    # Pages of FIRST_CARDS in the list's order: a phone page stays light however many loans a collector
    # holds, and only the shown cards are fetched, with their recent actions.
    page = Paginator(items, FIRST_CARDS).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    recent = _recent_actions({i.loan.pk for i in shown})
    cards = [{"item": i, "actions": recent.get(i.loan.pk, [])} for i in shown]
    return render(request, "advice/today.html", {
        "cards": cards, "total": total, "page": page, "more": total - page.end_index(), "as_of": as_of,
        "window": services.window_days(), "ordered_by_likelihood": services.by_likelihood(items),
    })


@login_required
def next_item(request):
    """下一条: straight to the loan of the top suggestion; back to the list when there is none."""
    item = services.next_item(request.user)
    if item is None:
        messages.info(request, "今天没有待处理的清收建议")
        return redirect("advice:today")
    return redirect("loans:detail", item.loan.loan_no)


def _scoped_loan(request, loan_no):
    return get_object_or_404(Loan.objects.for_user(request.user), loan_no=loan_no)


def _answer_suggestion(request, form_class, act, said: str):
    """A suggestion's answer posted from the today list: the form, the scoped loan (404 outside), the service."""
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("advice:today")
    data = form.cleaned_data
    loan = _scoped_loan(request, data["loan_no"])
    try:
        act(loan, data)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"{loan.loan_no}：{said}")
    return redirect("advice:today")


@require_POST
@login_required
def done(request):
    """完成: link the suggestion to the ledger line that carried it out."""

    def act(loan, data):
        action = CollectionAction.objects.filter(pk=data["action"], loan=loan).first()
        services.mark_done(request.user, loan, data["rule"], data["due"], action)

    return _answer_suggestion(request, DoneForm, act, "建议已完成")


@require_POST
@login_required
def dismiss(request):
    """不采纳, with the reason."""

    def act(loan, data):
        services.dismiss(request.user, loan, data["rule"], data["due"], data["reason"])

    return _answer_suggestion(request, DismissForm, act, "已记录不采纳原因")


# --- reassignment ---------------------------------------------------------------------------------------


def _township_of(request):
    user = request.user
    if services.workflow.role_of(user) != Role.TOWNSHIP_ADMIN or not user.township_id:
        raise PermissionDenied("只有乡镇管理员可以分配责任人")
    return user.township


def _borrower_rows(town, borrower_ids):
    loans = (Loan.objects.filter(township=town, borrower_id__in=borrower_ids).exclude(status="settled")
             .select_related("borrower", "responsible_person").order_by("borrower_id", "loan_no"))
    rows: dict[int, dict] = {}
    for loan in loans:
        row = rows.setdefault(loan.borrower_id, {"borrower": loan.borrower, "loans": [], "people": set(), "versions": {}})
        row["loans"].append(loan)
        row["people"].add(loan.responsible_person)
        row["versions"][loan.pk] = loan.version
    for row in rows.values():
        row["split"] = len(row["people"]) > 1
        row["versions_json"] = json.dumps(row["versions"])
    return list(rows.values())


@login_required
def assign(request):
    """分配责任人: a borrower's loans in the township go to one collector together; borrowers split between
    several collectors (or partly unassigned) are listed first."""
    town = _township_of(request)
    query = (request.GET.get("q") or "").strip()
    if request.method == "POST":
        form = AssignForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            borrower = get_object_or_404(Borrower.objects.for_user(request.user), pk=data["borrower"])
            collector = User.objects.filter(pk=data["collector"]).first()
            try:
                moved = services.assign_collector(borrower, collector, township=town, by=request.user,
                                                  expected_versions=data["versions"])
            except ValidationError as exc:
                _refused(request, exc)
            else:
                messages.success(request, f"{borrower.masked_name}：{len(moved)}笔贷款已分配给{collector}")
        else:
            messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect(f"{reverse('advice:assign')}?q={query}" if query else reverse("advice:assign"))
    split = [row["borrower_id"] for row in services.split_borrowers(town)][:50]
    found = []
    if query:
        found = list(Loan.objects.for_user(request.user).search(query).values_list("borrower_id", flat=True).distinct()[:50])
    collectors = User.objects.filter(role=Role.COLLECTOR, township=town, is_active=True).order_by("username")
    return render(request, "advice/assign.html", {
        "town": town, "query": query, "split_rows": _borrower_rows(town, split),
        "found_rows": _borrower_rows(town, found) if query else [], "collectors": collectors,
    })


# --- rules -----------------------------------------------------------------------------------------------


def _fact_rows():
    return [(name, spec[1], spec[0]) for name, spec in FACTS.items()]


def _applying(user) -> dict:
    """The rules this person's pages show: their district's (its own, or the default's), or the default's."""
    return tenancy.rows_filter(RULES, tenancy.viewing_district(user) if not tenancy.may_edit(user, RULES)
                               else tenancy.editing_district(user, RULES))


@login_required
def rules(request):
    """建议规则: everyone with a role reads them (what, when, why, legal basis, script); the district admin edits."""
    if not request.user.is_superuser and not request.user.role:
        raise PermissionDenied("无权查看")
    t = tenancy.page_context(request.user, RULES)
    return render(request, "advice/rules.html", {
        "rules": SuggestionRule.objects.filter(**tenancy.of_owner(t["owner"])), "may_edit": t["may_edit"], "tenancy": t,
    })


@login_required
def rule_edit(request, code=None):
    """Create or edit a rule (a district admin their district's, the 省金融办 the default's); the condition is
    checked and each problem named in Chinese."""
    if not services.may_edit_rules(request.user):
        raise PermissionDenied("只有区金融办（本区规则）或省金融办（省级默认）可以修改清收建议规则")
    rule = get_object_or_404(SuggestionRule, code=code, **_applying(request.user)) if code else None
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items()}
        try:
            saved = services.save_rule(rule, request.user, **fields)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"规则“{saved.name}”已保存")
            return redirect("advice:rules")
    return render(request, "advice/rule_form.html", {
        "form": form, "rule": rule, "facts": _fact_rows(), "ops": OPS.items(),
        "since_example": fact_spec("since_lost_contact")[1],
    })


@require_POST
@login_required
def rule_toggle(request, code):
    """启用/停用."""
    rule = get_object_or_404(SuggestionRule, code=code, **_applying(request.user))
    try:
        services.set_enabled(rule, request.user, not rule.enabled)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"规则“{rule.name}”已{'启用' if rule.enabled else '停用'}")
    return redirect("advice:rules")


# --- the loan page fragment -----------------------------------------------------------------------------


def loan_suggestions_context(loan, user, as_of=None, *, known: dict | None = None) -> dict:
    """Context for advice/_loan_suggestions.html on the loan page: {"advice_suggestions", "advice_loan", "advice_may_handle"}.
    known: the clock, balance and categories the page computed (see services.loan_suggestions)."""
    return {
        "advice_suggestions": services.loan_suggestions(loan, as_of, known=known),
        "advice_loan": loan,
        "advice_may_handle": services.workflow.role_of(user) in services.HANDLERS,
    }
