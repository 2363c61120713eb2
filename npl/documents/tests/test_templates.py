"""The district admin replaces a Word template; a broken one is refused with a clear reason."""
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from npl.documents import services
from npl.documents.default_templates import default_path
from npl.documents.models import DocumentTemplate

DAY = dt.date(2026, 4, 30)


def _docx(kind: str = "notice", extra: str = "", *, drop_name: bool = False) -> bytes:
    """The shipped template of `kind`, with a paragraph added (and optionally the borrower's name tag removed)."""
    doc = Document(io.BytesIO(default_path(kind).read_bytes()))
    if drop_name:
        for p in doc.paragraphs:
            for run in p.runs:
                run.text = run.text.replace("{{ borrower_name }}", "借款人")
    if extra:
        doc.add_paragraph(extra)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _upload(data: bytes, name: str = "催收通知书.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_an_uploaded_template_is_used_for_the_next_word_document(loans, cast, read_docx):
    admin = cast["district_admin"]
    tpl = services.upload_template("notice", _upload(_docx(extra="本通知书由区金融办统一印制，编号{{ notice_no }}")), admin, note="加印制说明")
    assert (tpl.version, tpl.active, tpl.uploaded_by) == (1, True, admin)
    made = services.generate("notice", [loans["LA001"]], "docx", cast["collector"], as_of=DAY)
    assert "本通知书由区金融办统一印制，编号LA001-20260430" in read_docx(made.content)
    assert made.record.template == tpl


def test_a_second_upload_becomes_the_active_version_and_the_default_can_come_back(loans, cast, read_docx):
    admin = cast["district_admin"]
    services.upload_template("notice", _upload(_docx(extra="第一版")), admin)
    services.upload_template("notice", _upload(_docx(extra="第二版")), admin)
    assert list(DocumentTemplate.objects.filter(kind="notice").values_list("version", "active")) == [(2, True), (1, False)]
    services.activate_template("notice", None, admin)
    made = services.generate("notice", [loans["LA001"]], "docx", admin, as_of=DAY)
    text = read_docx(made.content)
    assert "第二版" not in text and "第一版" not in text and made.record.template is None
    services.activate_template("notice", 1, admin)
    assert "第一版" in read_docx(services.generate("notice", [loans["LA001"]], "docx", admin, as_of=DAY).content)


def test_a_template_with_a_misspelt_name_is_refused(cast):
    with pytest.raises(ValidationError) as refused:
        services.upload_template("notice", _upload(_docx(extra="欠款 {{ princpal }} 元")), cast["district_admin"])
    assert "princpal" in refused.value.messages[0] and "标签" in refused.value.messages[0]
    assert not DocumentTemplate.objects.exists()


def test_a_template_with_a_broken_tag_is_refused(cast):
    with pytest.raises(ValidationError) as refused:
        services.upload_template("notice", _upload(_docx(extra="{% for x in %}")), cast["district_admin"])
    assert "标签有误" in refused.value.messages[0]


def test_a_file_that_is_not_word_is_refused(cast):
    with pytest.raises(ValidationError) as refused:
        services.upload_template("notice", _upload(b"PK not really a zip"), cast["district_admin"])
    assert "Word" in refused.value.messages[0]
    with pytest.raises(ValidationError) as refused:
        services.upload_template("notice", _upload(_docx(), name="通知书.doc"), cast["district_admin"])
    assert ".docx" in refused.value.messages[0]


def test_a_template_that_drops_the_borrower_is_refused(cast):
    with pytest.raises(ValidationError) as refused:
        services.upload_template("notice", _upload(_docx(drop_name=True)), cast["district_admin"])
    assert "borrower_name" in refused.value.messages[0]


def test_every_shipped_template_passes_the_upload_check(cast):
    for kind in ("notice", "agreement", "plain_sheet", "public_notice"):
        tpl = services.upload_template(kind, _upload(default_path(kind).read_bytes(), f"{kind}.docx"), cast["district_admin"])
        assert tpl.active


def test_only_the_district_admin_replaces_templates(cast):
    for role in ("township_admin", "collector", "branch_staff", "district_leader"):
        with pytest.raises(PermissionDenied):
            services.upload_template("notice", _upload(_docx()), cast[role])
