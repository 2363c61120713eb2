"""Loan pages: the ledger, a loan with its history, a borrower with their loans, and the logged reveal.

Every object is fetched through Loan.objects.for_user / Borrower.objects.for_user, so an object
outside the person's units is a 404, the same answer as one that does not exist.
"""
from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from npl.accounts import services
from npl.core import derived, panels
from npl.core.money import ZERO, fmt_wan
from npl.loans import totals
from npl.loans.balances import with_balance
from npl.loans.filtersets import LoanFilterSet
from npl.loans.forms import RevealForm
from npl.loans.models import Borrower, Loan
from npl.loans.tables import LoanTable

LEDGER_COLUMNS = (
    "loan_no", "principal_balance", "classification", "status", "borrower_id", "township_id", "community_id", "branch_id",
    "responsible_person_id", "borrower__name", "borrower__id_masked", "township__name", "community__name",
    "branch__name", "responsible_person__display_name", "responsible_person__username",
)  # fmt: skip


class LoanListView(LoginRequiredMixin, SingleTableMixin, FilterView):
    """贷款台账: filters, one search box, masked names and IDs, 50 a page."""

    table_class = LoanTable
    filterset_class = LoanFilterSet
    template_name = "loans/loan_list.html"
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        # Only the columns the table shows (LoanTable.body): a borrower's ciphertexts and a user's password hash are
        # not fetched and turned into objects fifty times a page.
        return Loan.objects.for_user(self.request.user).select_related(
            "borrower", "township", "community", "branch", "responsible_person"
        ).only(*LEDGER_COLUMNS)

    def get_table_pagination(self, table):
        # The count shown above the table is the paginator's count: one query over the filtered loans for
        # both, not a second COUNT (a search or filter was run twice, once per figure).
        return {**super().get_table_pagination(table), "paginator_class": CountedPaginator, "count": self._found["n"]}

    def get_context_data(self, **kwargs):
        # 共 N 笔 and the balance: read from the stored totals when the person sees whole units and filters by units
        # and status only (exact, kept by triggers: loans.totals); counted over the filtered loans otherwise.
        self._found = self._stored_figures() or self.object_list.order_by().aggregate(
            n=Count("pk"), balance=Sum("principal_balance"))
        ctx = super().get_context_data(**kwargs)
        ctx["found"] = self._found["n"]
        ctx["found_balance_wan"] = fmt_wan(self._found["balance"] or ZERO)
        return ctx

    def _stored_figures(self) -> dict | None:
        filterset = self.filterset
        if not filterset.is_bound:
            return totals.figures(self.request.user, {})
        if not filterset.is_valid():
            return None
        return totals.figures(self.request.user, filterset.form.cleaned_data)


class CountedPaginator(Paginator):
    """A paginator told its count (already computed with the list's other figures) instead of counting again."""

    def __init__(self, object_list, per_page, *args, count: int, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.__dict__["count"] = count  # fills the cached_property


@login_required
def loan_detail(request, loan_no: str):
    """One loan: its header, then the panels each app registers (categories, figures, clocks, suggestions,
    guarantors, cases, refinancing, repayments, actions, history: npl/core/panels.py)."""
    today = timezone.localdate()
    # The loan's query also carries the stored rows' completeness days (core.derived: the panels ask whether
    # today's rows answer) and the small reads panels fold into it (core.panels.loan_annotations).
    loan = get_object_or_404(
        with_balance(Loan.objects.for_user(request.user), today, name="balance_today").select_related(
            "borrower", "township", "community", "branch", "responsible_leader", "responsible_person"
        ).annotate(**derived.complete_annotations(), **panels.loan_annotations(request)),
        loan_no=loan_no,
    )
    derived.take_complete(loan)
    user = request.user
    # The header names the user's unit (township or branch): the row the loan already brought when it is the loan's.
    for unit in ("township", "branch"):
        if getattr(user, f"{unit}_id") and getattr(user, f"{unit}_id") == getattr(loan, f"{unit}_id") \
                and not user._meta.get_field(unit).is_cached(user):
            setattr(user, unit, getattr(loan, unit))
    page = {
        "today": today,
        "loan": loan,
        "borrower": loan.borrower,
        "balance": loan.balance_today,  # None: the loan did not exist today
        "may_unmask": request.user.may_unmask,
        "reveal_form": RevealForm(),
    }
    return render(request, "loans/loan_detail.html", panels.page_context(request, loan, page))


def _borrower_page(request, borrower: Borrower, **extra):
    loans = Loan.objects.for_user(request.user).filter(borrower=borrower).select_related("township", "community", "branch")
    balance = loans.aggregate(s=Sum("principal_balance"))["s"] or ZERO
    ctx = {
        "borrower": borrower,
        "loans": loans.order_by("loan_no"),
        "balance_wan": fmt_wan(balance),
        "may_unmask": request.user.may_unmask,
        "reveal_form": RevealForm(),
    }
    ctx.update(extra)
    return render(request, "loans/borrower_detail.html", ctx)


@login_required
def borrower_detail(request, pk: int):
    """A borrower and all their loans that the person may see."""
    borrower = get_object_or_404(Borrower.objects.for_user(request.user), pk=pk)
    return _borrower_page(request, borrower)


def _reveal(request, pk: int, service, key: str):
    borrower = get_object_or_404(Borrower.objects.for_user(request.user), pk=pk)
    if not request.user.may_unmask:
        raise PermissionDenied("您的角色无权查看完整信息")
    form = RevealForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["reason"][0])
        value = service(request.user, borrower, get_client_ip_address(request), form.cleaned_data["reason"])
    except ValidationError as exc:  # no reason given: say so on the page, show nothing, log nothing
        messages.error(request, "；".join(exc.messages))
        response = _borrower_page(request, borrower)
        response.status_code = 400
        return response
    # Rendered once, in this response only; never_cache keeps it out of browser and proxy caches.
    return _borrower_page(request, borrower, **{key: value})


@never_cache
@require_POST
@login_required
def reveal_id(request, pk: int):
    """查看完整身份证号: logged in the audit log, then shown once."""
    return _reveal(request, pk, services.reveal_id, "revealed_id")


@never_cache
@require_POST
@login_required
def reveal_phone(request, pk: int):
    """查看完整手机号: logged in the audit log, then shown once."""
    return _reveal(request, pk, services.reveal_phone, "revealed_phone")
