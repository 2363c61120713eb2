"""The search box goes through an index on each database, and the ledger runs a search once per figure it shows."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from npl import testing
from npl.loans.models import Borrower, Loan
from npl.loans.search_index import FTS, PREFIX_COST


@pytest.fixture
def people(units):
    for seed, name in enumerate(["张三", "李四", "单丽", "王张三", "欧阳娜娜"], start=200):
        testing.loan(f"I{seed}", testing.borrower(seed, name), units.town_a, units.branch_a)


def plan(queryset) -> str:
    """The database's plan for a queryset. On PostgreSQL sequential and whole-index scans are priced out, so
    a filter is left with bitmap scans of an index that matches it: the plan shows whether an index *can*
    serve the query (a few test rows would otherwise always be read whole)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SET enable_seqscan = off; SET enable_indexscan = off")
        try:
            return queryset.explain()
        finally:
            with connection.cursor() as c:
                c.execute("RESET enable_seqscan; RESET enable_indexscan")
    return queryset.explain()


def index_named(kind: str) -> str:
    if connection.vendor == "postgresql":
        return {"pinyin": "loans_borrower_pinyin_prefixes", "name": "loans_borrower_name_trgm"}[kind]
    return f"{FTS} VIRTUAL TABLE INDEX"


@pytest.mark.parametrize("text", ["zs", "zhang", "sl"])
def test_pinyin_search_is_served_by_the_borrower_search_index(people, text):
    explained = plan(Loan.objects.search(text).values("pk"))
    assert index_named("pinyin") in explained, explained


def test_a_name_of_three_characters_is_served_by_the_name_index(people):
    explained = plan(Loan.objects.search("王张三").values("pk"))
    assert index_named("name") in explained, explained


def test_name_search_finds_names_containing_the_text_through_the_index(people):
    assert set(Loan.objects.search("张三").values_list("borrower__name", flat=True)) == {"张三", "王张三"}
    assert set(Loan.objects.search("娜娜").values_list("borrower__name", flat=True)) == {"欧阳娜娜"}


def test_a_renamed_borrower_is_found_by_the_new_name_only(people):
    li = Borrower.objects.get(name="李四")
    li.set_name("赵六")
    li.save()
    assert set(Loan.objects.search("zl").values_list("borrower__name", flat=True)) == {"赵六"}
    assert not Loan.objects.search("ls").exists()
    assert not Loan.objects.search("李四").exists()


def test_a_deleted_borrower_leaves_the_index(people):
    zhang = Borrower.objects.get(name="王张三")
    Loan.objects.filter(borrower=zhang).delete()
    zhang.delete()
    assert set(Loan.objects.search("zs").values_list("borrower__name", flat=True)) == {"张三"}
    assert set(Loan.objects.search("张三").values_list("borrower__name", flat=True)) == {"张三"}


def test_the_ledger_runs_a_search_once_for_its_count_and_once_for_its_page(people, client_for):
    with CaptureQueriesContext(connection) as ctx:
        page = client_for("district_admin").get("/loans/", {"q": "zs"}).content.decode()
    searched = [q["sql"] for q in ctx.captured_queries if FTS in q["sql"] or "pinyin_initials" in q["sql"]]
    assert 'href="/loans/I200/"' in page
    # One aggregate gives the count, the balance and the paginator's count; one query fetches the page.
    assert len(searched) == 2, searched
    assert sum("COUNT(" in sql.upper() for sql in searched) == 1


@pytest.mark.django_db
def test_the_prefix_function_is_priced_near_its_cost_so_a_search_page_reads_the_index_first():
    # Priced as a plain operator, PostgreSQL walked the loans in loan-number order computing each borrower's
    # prefixes (442 ms for a page at 100k loans, 6 ms from the index): search_index.PREFIX_COST.
    if connection.vendor != "postgresql":
        pytest.skip("the prefix function is PostgreSQL's")
    with connection.cursor() as c:
        c.execute("SELECT procost FROM pg_proc WHERE proname = 'loans_pinyin_prefixes'")
        assert c.fetchone()[0] == PREFIX_COST
