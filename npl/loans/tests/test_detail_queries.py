"""The loan page's query count stays flat however much a loan carries: no query per event, action or case."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from npl.collection import services as collection
from npl.conftest import _put_on_roster
from npl.core import derived
from npl.litigation import services as litigation
from npl.litigation.choices import Direction, Stage
from npl.loans.models import Guarantor

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture
def busy_loan(loans, cast):
    """LA001 with several of everything the page lists: actions, repayments, cases with stages, guarantors."""
    loan = loans["LA001"]
    collector, clerk = cast["collector"], cast["branch_staff"]
    for i, outcome in enumerate(["no_one", "met_family", "refused_talk", "met_borrower"]):
        collection.record_action(loan, collector, acted_on=TODAY - (20 - i) * DAY, method="visit", outcome_code=outcome)
    for i in range(3):
        rep = collection.record_repayment(loan, collector, paid_on=TODAY - (10 - i) * DAY, amount=Decimal("1000.00"))
        collection.review_repayment(rep, clerk, confirm=True)
    for n in range(2):
        case = litigation.file_case(loan, cast["township_admin"], direction=Direction.BANK_SUED_BORROWER,
                                    case_no=f"（2026）陕0523民初{n + 7}号", filed_on=TODAY - 30 * DAY, court="西岭区人民法院")
        litigation.advance_stage(case, cast["court_liaison"], stage=Stage.ACCEPTED, on=TODAY - 25 * DAY)
    for name in ("赵甲", "钱乙", "孙丙"):
        Guarantor.objects.create(loan=loan, name=name, guarantee_months=24)
    _put_on_roster(loan.borrower, "lost_contact")
    _put_on_roster(loan.borrower, "public_servant")
    derived.refresh(source="roster", setup=True)  # the guarantors and rosters were written here, not imported
    return loan


def queries_for(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def add_more(loan, cast):
    """Two more of each kind of event: an action, a confirmed repayment, a case with a stage, a guarantor."""
    for i in range(2):
        collection.record_action(loan, cast["collector"], acted_on=TODAY - (5 - i) * DAY, method="phone",
                                 outcome_code="no_one")
        rep = collection.record_repayment(loan, cast["collector"], paid_on=TODAY - (3 - i) * DAY, amount=Decimal("500.00"))
        collection.review_repayment(rep, cast["branch_staff"], confirm=True)
        case = litigation.file_case(loan, cast["township_admin"], direction=Direction.BANK_SUED_BORROWER,
                                    case_no=f"（2026）陕0523民初{i + 20}号", filed_on=TODAY - 30 * DAY, court="西岭区人民法院")
        litigation.advance_stage(case, cast["court_liaison"], stage=Stage.ACCEPTED, on=TODAY - 25 * DAY)
        Guarantor.objects.create(loan=loan, name=f"李{i}", guarantee_months=24)
    derived.refresh([loan.pk], setup=True)  # the guarantors were written here, not imported


# Issue 16 sets 15 queries as the goal; the page was at 55. Sharing the clock and the categories with the
# suggestions brought it to 35, the stored derived rows to 14 (district admin) / 15 (collector); the loan page as
# panels asks for the latest campaign only for the township admin who may ask a reduction in it: 13 / 14. The
# collector's one more is the header's unit (their township's name). The history fetches the people its events
# name in one query (test_history_format), not one per event. The completeness of the stored rows is read once
# per request (core.derived.one_reading); the collector's township comes with the loan when it is the loan's.
MAX_QUERIES = 14


@pytest.mark.parametrize("role", ["district_admin", "collector"])
def test_a_busy_loan_page_takes_a_fixed_number_of_queries(busy_loan, cast, client_for, role):
    client = client_for(role)
    before = queries_for(client, f"/loans/{busy_loan.loan_no}/")
    assert len(before) <= MAX_QUERIES, "\n".join(before)
    add_more(busy_loan, cast)
    after = queries_for(client, f"/loans/{busy_loan.loan_no}/")
    # No query per action, repayment, case, stage or guarantor: more of them cost no more queries.
    assert len(after) == len(before), "\n".join(after)


def test_the_page_shows_everything_the_loan_carries(busy_loan, client_for):
    page = client_for("district_admin").get(f"/loans/{busy_loan.loan_no}/").content.decode()
    for text in ("（2026）陕0523民初7号", "（2026）陕0523民初8号", "赵*", "钱*", "孙*", "家属接触", "拒绝沟通"):
        assert text in page, text
