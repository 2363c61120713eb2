"""The loan page's own panels (npl/core/panels.py): its figures and people, its guarantors, its history."""
from npl.core.panels import Panel
from npl.loans import history


def _facts(request, loan, page):
    return {}  # the loan, its borrower and the reveal form are the page's own keys


def _guarantors(request, loan, page):
    return {"guarantors": loan.guarantors.all()}


def _history(request, loan, page):
    # The people the page read already (the user, the loan's responsible leader and person, which the loan's
    # query brought) are named without querying them again; so are the events' actors.
    events = loan.events.select_related("actor", "batch").order_by("-at", "-pk")
    return {"events": history.rows(events, known=(request.user, loan.responsible_leader, loan.responsible_person))}


LOAN_PANELS = (
    Panel("loans.facts", 30, "loans/_loan_facts.html", _facts),
    Panel("loans.guarantors", 70, "loans/_loan_guarantors.html", _guarantors),
    Panel("loans.history", 120, "loans/_loan_history.html", _history),
)
