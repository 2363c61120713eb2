"""The scope matrix: for each member of the cast, what the loan list shows and what is refused with a 404.

Given the shared `loans` fixture (npl/conftest.py, see its table), each role sees exactly its loans;
a loan or borrower outside its units answers 404, exactly like one that does not exist.
"""
import re

import pytest
from django.urls import reverse

from npl.conftest import VISIBLE
from npl.loans.models import Loan

ALL = {"LA001", "LA002", "LA003", "LB001", "LB002"}
ROLES = sorted(VISIBLE)


def listed_loan_numbers(response) -> set[str]:
    return set(re.findall(r'href="/loans/(L[AB]\d{3})/"', response.content.decode()))


@pytest.mark.parametrize("role", ROLES)
def test_loan_list_shows_exactly_the_loans_of_the_role(role, loans, client_for):
    response = client_for(role).get(reverse("loans:list"))
    assert response.status_code == 200
    assert listed_loan_numbers(response) == VISIBLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_for_user_queryset_matches_the_matrix(role, loans, cast):
    assert set(Loan.objects.for_user(cast[role]).values_list("loan_no", flat=True)) == VISIBLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_loan_detail_is_200_in_scope_and_404_outside(role, loans, client_for):
    client = client_for(role)
    for loan_no in sorted(ALL):
        status = client.get(reverse("loans:detail", args=[loan_no])).status_code
        assert status == (200 if loan_no in VISIBLE[role] else 404), (role, loan_no)


@pytest.mark.parametrize("role", ROLES)
def test_borrower_detail_is_404_unless_one_of_their_loans_is_in_scope(role, loans, client_for):
    client = client_for(role)
    borrowers: dict[int, set[str]] = {}
    for loan in loans.values():
        borrowers.setdefault(loan.borrower_id, set()).add(loan.loan_no)
    for pk, their_loans in borrowers.items():
        response = client.get(reverse("loans:borrower", args=[pk]))
        if their_loans & VISIBLE[role]:
            assert response.status_code == 200, (role, pk)
            # Only the borrower's loans within scope are listed, never the others.
            assert listed_loan_numbers(response) == their_loans & VISIBLE[role]
        else:
            assert response.status_code == 404, (role, pk)


def test_township_admin_sees_zhang_san_but_not_his_loan_in_the_other_township(loans, client_for):
    zhang = loans["LA001"].borrower
    page = client_for("township_admin").get(reverse("loans:borrower", args=[zhang.pk])).content.decode()
    assert "LA001" in page
    assert "LB002" not in page


def test_unknown_loan_is_the_same_404_as_an_out_of_scope_one(loans, client_for):
    client = client_for("collector")
    assert client.get(reverse("loans:detail", args=["NOPE999"])).status_code == 404
    assert client.get(reverse("loans:detail", args=["LB001"])).status_code == 404


@pytest.mark.parametrize("url", ["/", "/loans/", "/loans/LA001/"])
def test_anonymous_visitor_is_sent_to_the_login_page(url, loans, client_for):
    response = client_for(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_borrower_page_redirects_to_login(loans, client_for):
    response = client_for(None).get(reverse("loans:borrower", args=[loans["LA001"].borrower_id]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_home_page_answers_every_role(role, loans, client_for):
    assert client_for(role).get(reverse("home")).status_code == 200


def test_district_home_totals_every_loan(loans, client_for):
    page = client_for("district_admin").get(reverse("home")).content.decode()
    # 100000 + 250000 + 80000 + 1200000 + 50000 元 = 168.00 万元, 4 borrowers
    assert "168.00" in page
    assert "柳溪镇" in page and "桃源乡" in page


def test_township_home_totals_only_its_township(loans, client_for):
    page = client_for("township_admin").get(reverse("home")).content.decode()
    # LA001 + LA002 + LA003 = 430000 元 = 43.00 万元
    assert "43.00" in page
    assert "168.00" not in page


def test_collector_home_counts_and_lists_only_the_assigned_loan(loans, client_for):
    response = client_for("collector").get(reverse("home"))
    assert response.context["totals"]["loans"] == 1  # LA001, the one loan assigned to the collector
    listed = {item.loan.loan_no for item in response.context["worklist"]}
    page = response.content.decode()
    assert listed <= {"LA001"} and "LA002" not in page


def test_court_home_counts_litigation_cases(loans, client_for):
    response = client_for("court_liaison").get(reverse("home"))
    assert response.context["case_count"] == 1


def test_police_home_lists_the_lost_contact_loan(loans, client_for):
    response = client_for("police_liaison").get(reverse("home"))
    assert [ln.loan_no for ln in response.context["listed"]] == ["LA003"]


def test_discipline_home_lists_the_public_servant_loan(loans, client_for):
    response = client_for("discipline_liaison").get(reverse("home"))
    assert [ln.loan_no for ln in response.context["listed"]] == ["LB001"]


def test_outsider_home_says_no_role_yet(loans, client_for):
    page = client_for("outsider").get(reverse("home")).content.decode()
    assert "尚未分配角色" in page
