"""The ledger's filters narrow the person's own loans: units, status, balance, mortgage, category."""
import re

import pytest

from npl.loans.choices import LoanStatus


def listed(response) -> set[str]:
    return set(re.findall(r'href="/loans/(L[AB]\d{3})/"', response.content.decode()))


@pytest.fixture
def admin_client(loans, client_for):
    return client_for("district_admin")


def test_township_filter(admin_client, units):
    assert listed(admin_client.get("/loans/", {"township": units.town_b.pk})) == {"LB001", "LB002"}


def test_community_filter(admin_client, units):
    assert listed(admin_client.get("/loans/", {"community": units.community_a.pk})) == {"LA001", "LA002"}


def test_branch_filter(admin_client, units):
    assert listed(admin_client.get("/loans/", {"branch": units.branch_b.pk})) == {"LA003", "LB001", "LB002"}


def test_status_filter(admin_client, loans):
    loan = loans["LB002"]
    loan.status = LoanStatus.IN_COLLECTION
    loan.save()
    assert listed(admin_client.get("/loans/", {"status": "in_collection"})) == {"LB002"}


def test_balance_range_filter_is_inclusive(admin_client):
    assert listed(admin_client.get("/loans/", {"balance_min": "80000", "balance_max": "250000.00"})) == {
        "LA001",
        "LA002",
        "LA003",
    }


def test_mortgage_filter(admin_client):
    assert listed(admin_client.get("/loans/", {"has_mortgage": "1"})) == {"LA003"}
    assert "LA003" not in listed(admin_client.get("/loans/", {"has_mortgage": "0"}))


def test_category_filter_uses_the_category_engine(admin_client):
    assert listed(admin_client.get("/loans/", {"category": "lost_contact"})) == {"LA003"}
    assert listed(admin_client.get("/loans/", {"category": "litigation"})) == {"LA002"}


def test_township_choices_offer_only_units_in_scope(loans, client_for):
    page = client_for("township_admin").get("/loans/").content.decode()
    assert "桃源乡" not in page


def test_list_shows_count_and_balance_in_wan(admin_client):
    page = admin_client.get("/loans/", {"township": ""}).content.decode()
    assert "168.00" in page


def test_list_paginates_at_fifty(units, client_for, cast):
    from npl import testing

    who = testing.borrower(77, "周七")
    for i in range(55):
        testing.loan(f"P{i:03d}", who, units.town_a, units.branch_a)
    first = client_for("district_admin").get("/loans/").content.decode()
    assert len(re.findall(r'href="/loans/P\d{3}/"', first)) == 50
    assert "下一页" in first
    second = client_for("district_admin").get("/loans/", {"page": 2}).content.decode()
    assert len(re.findall(r'href="/loans/P\d{3}/"', second)) == 5


def test_each_row_names_its_next_step_linked_to_the_loans_handling_page_and_labels_its_cells(admin_client, loans):
    from npl.loans.tables import NEXT_STEP

    page = admin_client.get("/loans/", {"q": "LA001"}).content.decode()
    step = NEXT_STEP[LoanStatus(loans["LA001"].status)]
    assert f'<a href="/collection/loans/LA001/">{step}</a>' in page
    # A phone shows each row as a card: every cell carries its column's name, the desk-only ones are marked.
    assert 'data-label="本金余额（元）"' in page and 'data-label="下一步"' in page
    assert 'class="table cards"' in page and 'class="card-hide" data-label="网点"' in page
