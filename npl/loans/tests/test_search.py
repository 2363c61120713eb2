"""The one search box: a name, pinyin initials, a loan number or the last 4 digits of an ID number."""
import pytest

from npl import testing
from npl.loans.models import Loan


@pytest.fixture
def people(units):
    """Borrowers whose names exercise the pinyin rules, one loan each in town A."""
    made = {}
    for seed, (name, loan_no) in enumerate(
        [("张三", "S001"), ("李四", "S002"), ("单丽", "S003"), ("曾伟", "S004"), ("王张三", "S005")], start=100
    ):
        who = testing.borrower(seed, name)
        made[name] = testing.loan(loan_no, who, units.town_a, units.branch_a)
    return made


def found(text: str) -> set[str]:
    return set(Loan.objects.search(text).values_list("borrower__name", flat=True))


def test_pinyin_initials_zs_find_zhang_san(people):
    assert "张三" in found("zs")


def test_initials_match_from_the_start_of_the_name_only(people):
    assert found("zs") == {"张三"}


def test_initials_are_case_insensitive(people):
    assert found("ZS") == {"张三"}


@pytest.mark.parametrize("initials", ["sl", "dl"])
def test_polyphonic_surname_shan_dan_is_found_by_both_readings(people, initials):
    assert found(initials) == {"单丽"}


@pytest.mark.parametrize("initials", ["zw", "cw"])
def test_polyphonic_surname_zeng_ceng_is_found_by_both_readings(people, initials):
    assert found(initials) == {"曾伟"}


def test_full_pinyin_prefix_finds_the_borrower(people):
    assert found("zhang") == {"张三"}


def test_chinese_name_part_finds_every_name_containing_it(people):
    assert found("张三") == {"张三", "王张三"}


def test_loan_number_finds_its_loan(people):
    assert set(Loan.objects.search("S004").values_list("loan_no", flat=True)) == {"S004"}


def test_last_four_digits_of_the_id_find_the_borrower(people):
    li = people["李四"].borrower
    assert li.id_last4 in li.reveal_id()[-4:]
    assert "李四" in found(li.id_last4)


def test_last_four_ending_in_lower_case_x_is_matched(units):
    number = next(testing.valid_id(s) for s in range(1000, 3000) if testing.valid_id(s).endswith("X"))
    who = testing.borrower(0, "赵六", id_number=number)
    testing.loan("X001", who, units.town_a, units.branch_a)
    assert found(number[-4:].lower()) == {"赵六"}


def test_empty_search_leaves_the_list_alone(people):
    assert Loan.objects.search("  ").count() == len(people)


def test_search_box_on_the_ledger_page_uses_the_same_rules(people, client_for):
    page = client_for("district_admin").get("/loans/", {"q": "dl"}).content.decode()
    assert 'href="/loans/S003/"' in page
    assert 'href="/loans/S001/"' not in page


def test_search_never_widens_the_scope(people, loans, client_for):
    # The collector is responsible for LA001 (张三) only; S001 is another 张三 they may not see.
    page = client_for("collector").get("/loans/", {"q": "zs"}).content.decode()
    assert 'href="/loans/LA001/"' in page
    assert 'href="/loans/S001/"' not in page
