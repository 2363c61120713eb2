"""The loan page's query count stays flat however much a loan carries: no query per event, action or case."""
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from npl.campaigns.services import create_campaign
from npl.collection import services as collection
from npl.conftest import _put_on_roster
from npl.core import derived
from npl.core.models import Setting
from npl.litigation import services as litigation
from npl.litigation.choices import Direction, Stage
from npl.loans.choices import EventKind
from npl.loans.models import Guarantor, LoanEvent

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture
def busy_loan(loans, cast):
    """LA001 with several of everything the page lists: actions, repayments, a plan, cases with stages, guarantors,
    a person named in its history; and a campaign the township admin may ask a reduction in."""
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
    collection.submit_plan(loan, collector, signed_on=TODAY - 15 * DAY, instalments=[(TODAY + 30 * DAY, Decimal("2000.00"))])
    LoanEvent.objects.create(loan=loan, kind=EventKind.ASSIGNED, field="responsible_person", before=None,
                             after=collector.username)  # as an import names the person: by username
    create_campaign("攻坚行动", TODAY - 60 * DAY)
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
# On a loan with a plan and a person named in its history every role was at 16-17 (the plan's name, the person,
# the clerk's branch, the township admin's campaign); then the history names the people the page read already
# without a query, the clerk's branch comes with the loan as the township does, and the loan's own query carries
# the completeness days, the latest campaign and today's stored categories (an Exists per code; panels ask for
# them through core.panels.loan_annotations): 13 for every role. Left: session and user (2), the loan (1), its
# clock and suggestions (2), history (1) and the plan it names (1), guarantors, cases and their stages,
# refinancing requests, repayments, actions (6).
MAX_QUERIES = 13
ROLES = ["district_admin", "collector", "township_admin", "branch_staff", "court_liaison"]


@pytest.mark.parametrize("role", ROLES)
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


def test_the_township_admin_is_offered_a_reduction_in_the_latest_campaign(busy_loan, cast, client_for):
    later = create_campaign("冬季攻坚", TODAY - 10 * DAY)
    page = client_for("township_admin").get(f"/loans/{busy_loan.loan_no}/").content.decode()
    assert reverse("campaigns:reduction_new", args=[later.pk]) in page
    assert f"申请核减（{later.name}）" in page and "申请核减（攻坚行动）" not in page
    assert "申请核减" not in client_for("district_admin").get(f"/loans/{busy_loan.loan_no}/").content.decode()


def chips(page: str) -> list[str]:
    return re.findall(r'<li class="chip chip-[a-z_]+">([^<]+)</li>', page)


def test_the_categories_are_the_stored_ones_and_computed_the_same_before_the_sweep(busy_loan, client_for):
    url = f"/loans/{busy_loan.loan_no}/"
    stored = chips(client_for("district_admin").get(url).content.decode())
    assert stored[:2] == ["公职人员贷款", "借款人无法联系贷款"]  # DOMAIN order, whatever order they were stored in
    Setting.objects.filter(key__startswith="derived_complete:").delete()  # after midnight, before the sweep
    assert chips(client_for("district_admin").get(url).content.decode()) == stored
