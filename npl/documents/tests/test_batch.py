"""A batch is one file for a township or a category: each loan on its own page, within the person's scope."""
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from docx import Document

from npl.documents import services
from npl.documents.tests.conftest import pdf_pages, pdf_text

DAY = dt.date(2026, 4, 30)


def _page_breaks(data: bytes) -> int:
    body = Document(io.BytesIO(data)).element.body
    return len(body.xpath('.//w:br[@w:type="page"]'))


def test_a_township_batch_puts_each_loan_on_its_own_word_page(loans, cast, units, read_docx):
    admin = cast["township_admin"]
    picked = services.batch_loans(admin, "notice", DAY, township=units.town_a)
    assert list(picked.values_list("loan_no", flat=True)) == ["LA001", "LA002", "LA003"]
    made = services.generate("notice", picked, "docx", admin, as_of=DAY, scope=services.batch_scope("notice", units.town_a))
    text = read_docx(made.content)
    assert [name in text for name in ("张三", "李四", "单丽")] == [True, True, True]
    assert text.count("催收通知书") >= 3
    assert _page_breaks(made.content) == 2  # between three loans
    assert made.record.loan_count == 3
    assert set(made.record.loans.values_list("loan_no", flat=True)) == {"LA001", "LA002", "LA003"}


def test_a_pdf_batch_starts_each_loan_on_a_new_page(loans, cast, units):
    admin = cast["district_admin"]
    picked = services.batch_loans(admin, "notice", DAY, township=units.town_b)
    made = services.generate("notice", picked, "pdf", admin, as_of=DAY, scope="桃源乡")
    assert pdf_pages(made.content) == 2
    text = pdf_text(made.content)
    assert "王五" in text and "LB002" in text


def test_a_category_batch_takes_the_category_on_that_day(loans, cast):
    picked = services.batch_loans(cast["district_admin"], "notice", DAY, category="public_servant")
    assert list(picked.values_list("loan_no", flat=True)) == ["LB001"]
    assert services.batch_scope("notice", None, "public_servant") == "全区·公职人员贷款"


def test_a_township_admin_batch_never_reaches_another_township(loans, cast, units):
    picked = services.batch_loans(cast["township_admin"], "notice", DAY, township=units.town_b)
    assert list(picked) == []


def test_collectors_do_not_print_batches(loans, cast):
    with pytest.raises(PermissionDenied):
        services.batch_loans(cast["collector"], "notice", DAY)


def test_a_loan_outside_the_scope_is_not_found_and_not_logged(loans, cast):
    with pytest.raises(services.OutOfScope):
        services.generate("notice", [loans["LA001"], loans["LB001"]], "docx", cast["township_admin"], as_of=DAY)
    assert not services.GeneratedDocument.objects.exists()


def test_roles_that_do_not_print_are_refused_even_for_loans_they_see(loans, cast):
    with pytest.raises(PermissionDenied):
        services.generate("notice", [loans["LA002"]], "pdf", cast["court_liaison"], as_of=DAY)
