"""Documents pages: each role gets what it should, loans out of scope are a 404, downloads are the real files."""
import datetime as dt
from urllib.parse import unquote

import pytest

from npl.documents.models import GeneratedDocument

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _post_download(client, loan_no, kind="notice", fmt="docx", **extra):
    return client.post(f"/documents/loan/{loan_no}/{kind}/", {"fmt": fmt, "as_of": "2026-04-30", **extra})


@pytest.mark.parametrize(
    "role, loan_no, status",
    [
        ("collector", "LA001", 200), ("collector", "LA002", 404),
        ("township_admin", "LA003", 200), ("township_admin", "LB001", 404),
        ("branch_staff", "LA002", 200), ("branch_staff", "LA003", 404),
        ("district_admin", "LB002", 200),
        ("court_liaison", "LA002", 403), ("court_liaison", "LA001", 404),
        ("outsider", "LA001", 404),
    ],
)
def test_the_loan_documents_page_follows_the_scope(loans, client_for, role, loan_no, status):
    assert client_for(role).get(f"/documents/loan/{loan_no}/").status_code == status


def test_the_loan_page_offers_word_and_pdf_for_each_document(loans, client_for):
    page = client_for("collector").get("/documents/loan/LA001/").content.decode()
    for label in ("明白纸", "催收通知书", "还款协议书", "下载 Word", "下载 PDF"):
        assert label in page
    assert "没有正在执行或待审批的还款计划" in page  # no plan yet: no agreement button


def test_a_collector_downloads_the_notice_as_word_and_it_is_logged(loans, client_for, cast, read_docx):
    response = _post_download(client_for("collector"), "LA001", pay_by="2026-05-20")
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert "催收通知书_LA001_20260430.docx" in unquote(response["Content-Disposition"])
    assert "2026年5月20日前" in read_docx(response.content)
    row = GeneratedDocument.objects.get()
    assert (row.user, row.kind, row.fmt, row.via) == (cast["collector"], "notice", "docx", "web")


def test_a_download_out_of_scope_is_a_404_and_not_logged(loans, client_for):
    assert _post_download(client_for("collector"), "LA002").status_code == 404
    assert not GeneratedDocument.objects.exists()


def test_an_agreement_without_a_plan_comes_back_with_the_reason(loans, client_for):
    response = _post_download(client_for("township_admin"), "LA002", kind="agreement", fmt="pdf")
    assert response.status_code == 302
    page = client_for("township_admin").get(response["Location"])
    assert "没有正在执行或待审批的还款计划" in page.content.decode()


def test_the_township_admin_prints_a_township_batch_as_pdf(loans, client_for, units):
    c = client_for("township_admin")
    assert c.get("/documents/").status_code == 200
    response = c.post("/documents/", {"kind": "notice", "township": units.town_a.pk, "fmt": "pdf", "as_of": "2026-04-30"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert GeneratedDocument.objects.get().loan_count == 3


def test_a_township_admin_cannot_pick_another_township(loans, client_for, units):
    response = client_for("township_admin").post("/documents/", {"kind": "notice", "township": units.town_b.pk, "fmt": "pdf"})
    assert response.status_code == 200 and "township" in response.context["form"].errors
    assert not GeneratedDocument.objects.exists()


def test_an_empty_batch_says_so(loans, client_for, units):
    response = client_for("district_admin").post(
        "/documents/", {"kind": "public_notice", "township": units.town_b.pk, "fmt": "docx", "as_of": "2026-04-30"}
    )
    assert "桃源乡在 2026-04-30 没有可生成公告催收名单的贷款" in response.content.decode()


@pytest.mark.parametrize("role", ["collector", "branch_staff", "court_liaison", "district_leader"])
def test_batches_are_for_the_offices(loans, client_for, role):
    assert client_for(role).get("/documents/").status_code == 403


def test_only_the_district_admin_sees_the_templates_page(loans, client_for):
    assert client_for("district_admin").get("/documents/templates/").status_code == 200
    assert client_for("township_admin").get("/documents/templates/").status_code == 403
    response = client_for("district_admin").get("/documents/templates/notice/download/")
    assert response.status_code == 200 and response["Content-Type"] == DOCX


def test_the_district_admin_uploads_a_template_on_the_page(loans, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from npl.documents.default_templates import default_path

    c = client_for("district_admin")
    bad = SimpleUploadedFile("x.docx", b"not a docx")
    response = c.post("/documents/templates/", {"kind": "notice", "file": bad})
    assert "无法作为 Word" in response.content.decode()
    good = SimpleUploadedFile("notice.docx", default_path("notice").read_bytes())
    response = c.post("/documents/templates/", {"kind": "notice", "file": good, "note": "同默认"})
    assert response.status_code == 302
    assert "第1版" in c.get("/documents/templates/").content.decode()


def test_the_log_page_shows_who_generated_what(loans, client_for):
    _post_download(client_for("collector"), "LA001")
    page = client_for("district_admin").get("/documents/log/").content.decode()
    assert "liuxi_collector" in page and "催收通知书" in page and "LA001" in page
    assert "LA001" not in client_for("branch_staff").get("/documents/log/").content.decode()
    assert client_for("police_liaison").get("/documents/log/").status_code == 403


def test_today_is_the_default_document_date(loans, client_for, read_docx):
    from django.utils import timezone

    response = client_for("collector").post("/documents/loan/LA001/notice/", {"fmt": "docx"})
    today = timezone.localdate()
    assert f"截至{today.year}年{today.month}月{today.day}日" in read_docx(response.content)
    assert GeneratedDocument.objects.get().as_of == today
    assert today > dt.date(2026, 3, 31)  # the cast's snapshot day: the loan has a balance today


def test_the_loan_page_link_shows_for_those_who_print(loans, cast):
    from django.template import Context, Template

    tpl = Template("{% load npl_documents %}{% documents_link loan %}")
    shown = tpl.render(Context({"user": cast["collector"], "loan": loans["LA001"]}))
    assert 'href="/documents/loan/LA001/"' in shown and "文书打印" in shown
    assert tpl.render(Context({"user": cast["court_liaison"], "loan": loans["LA002"]})) == ""
