"""Legal clocks (DOMAIN.md "Legal clocks", docs/legal-clocks.md): limitation, enforcement, guarantee, release.

rules: the pure function compute_limitation and its fact and result types; gather: the database layer,
clocks_report for `npl report clocks` and loan_clock_context for the loan page.
"""
from npl.collection.clocks.gather import clocks_report, compute_clocks, loan_clock_context, resolve_township
from npl.collection.clocks.rules import (
    BASIS_LABELS,
    STATUS_LABELS,
    Action,
    Agreement,
    Clock,
    GuaranteeClock,
    GuarantorFact,
    Intervals,
    Payment,
    Step,
    Suit,
    add_months,
    add_years,
    compute_limitation,
    status_for,
)

__all__ = [
    "BASIS_LABELS",
    "STATUS_LABELS",
    "Action",
    "Agreement",
    "Clock",
    "GuaranteeClock",
    "GuarantorFact",
    "Intervals",
    "Payment",
    "Step",
    "Suit",
    "add_months",
    "add_years",
    "clocks_report",
    "compute_clocks",
    "compute_limitation",
    "loan_clock_context",
    "resolve_township",
    "status_for",
]
