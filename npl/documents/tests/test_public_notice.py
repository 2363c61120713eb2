"""The newspaper public notice (公告催收) lists the lost-contact borrowers of a township with masked ID numbers."""
import datetime as dt

from npl.documents import services
from npl.documents.tests.conftest import pdf_text

DAY = dt.date(2026, 4, 30)


def test_public_notice_lists_only_lost_contact_loans_in_scope(loans, cast, units, read_docx):
    admin = cast["township_admin"]
    picked = services.batch_loans(admin, "public_notice", DAY, township=units.town_a)
    assert list(picked.values_list("loan_no", flat=True)) == ["LA003"]
    made = services.generate("public_notice", picked, "docx", admin, as_of=DAY, scope=services.batch_scope("public_notice", units.town_a))
    text = read_docx(made.content)
    shan = loans["LA003"].borrower
    assert "单丽" in text and shan.id_masked in text
    assert shan.reveal_id() not in text  # never the full ID number in a newspaper
    assert "张三" not in text and "李四" not in text
    assert "80,000.00" in text and "共1笔" in text
    assert "公告" in text and "第一百九十五条" in text
    assert made.record.scope == "柳溪镇"


def test_public_notice_pdf_for_the_district(loans, cast):
    admin = cast["district_admin"]
    picked = services.batch_loans(admin, "public_notice", DAY)
    made = services.generate("public_notice", picked, "pdf", admin, as_of=DAY, scope=services.batch_scope("public_notice"))
    text = pdf_text(made.content)
    assert "单丽" in text and loans["LA003"].borrower.id_masked in text
    assert made.record.loan_count == 1 and made.file_name.startswith("公告催收名单_全区_")
