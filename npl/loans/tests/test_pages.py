"""Loan and borrower pages: figures, people, categories, cases, repayments, actions and the history timeline."""
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from npl.collection.models import CollectionAction, Repayment
from npl.core import crypto
from npl.intake.models import ImportBatch
from npl.loans.choices import EventKind
from npl.loans.models import Guarantor, LoanEvent


@pytest.fixture
def history(loans, cast):
    """Three events on LA001: created by an import, a balance change, then an assignment."""
    loan = loans["LA001"]
    batch = ImportBatch.objects.create(kind="loans", file_name="柳溪镇不良贷款.xlsx", sha256="0" * 64, user=cast["district_admin"])
    t0 = timezone.make_aware(dt.datetime(2026, 4, 1, 9, 0))
    LoanEvent.objects.create(loan=loan, kind=EventKind.CREATED, batch=batch, at=t0)
    LoanEvent.objects.create(
        loan=loan, kind=EventKind.FIELD_CHANGED, field="principal_balance", before="120000.00", after="100000.00",
        batch=batch, at=t0 + dt.timedelta(days=10),
    )  # fmt: skip
    LoanEvent.objects.create(
        loan=loan, kind=EventKind.ASSIGNED, field="responsible_person", before=None, after="liuxi_collector",
        actor=cast["township_admin"], note="包保到人", at=t0 + dt.timedelta(days=20),
    )  # fmt: skip
    return loan


def test_history_is_a_timeline_newest_first_with_who_when_batch_and_change(history, client_for, cast):
    cast["collector"].display_name = "李建平"
    cast["collector"].save()
    page = client_for("township_admin").get("/loans/LA001/").content.decode()
    timeline = page[page.index('class="timeline"') :]
    kinds = re.findall(r"<strong>(登记|信息变更|分配责任人)</strong>", timeline)
    assert kinds == ["分配责任人", "信息变更", "登记"]
    assert "本金余额" in timeline  # the field's Chinese name, not principal_balance
    assert "120,000.00" in timeline and "100,000.00" in timeline  # money as money
    assert "liuxi_admin" in timeline and "包保到人" in timeline
    assert "<span class=\"after\">李建平" in timeline  # the assigned person, by name not username
    assert "柳溪镇不良贷款.xlsx" in timeline
    assert "2026-04-21" in timeline


def test_loan_page_shows_its_categories(loans, client_for):
    page = client_for("district_admin").get("/loans/LA002/").content.decode()
    assert "涉诉贷款" in page and "银行起诉本人" in page
    assert "（2026）陕0523民初101号" in page


def test_loan_page_shows_figures_in_yuan(loans, client_for):
    page = client_for("district_admin").get("/loans/LB001/").content.decode()
    assert "1,200,000.00 元" in page


def test_loan_page_shows_guarantors_masked(loans, client_for):
    gid = "610523198001011237"
    Guarantor.objects.create(
        loan=loans["LA001"], name="赵保人", id_cipher=crypto.encrypt(gid), id_masked="610***********1237", guarantee_months=6
    )
    page = client_for("collector").get("/loans/LA001/").content.decode()
    assert "赵**" in page and "610***********1237" in page
    assert "赵保人" not in page and gid not in page


def test_loan_page_lists_repayments_and_collection_actions(loans, client_for):
    loan = loans["LA001"]
    Repayment.objects.create(txn_no="T0001", loan=loan, paid_on=dt.date(2026, 5, 6), principal=Decimal("3000.00"))
    CollectionAction.objects.create(loan=loan, acted_on=dt.date(2026, 5, 1), method="visit", signature="borrower", outcome="承诺月底还款")
    page = client_for("collector").get("/loans/LA001/").content.decode()
    assert "T0001" in page and "3,000.00" in page
    assert "上门催收" in page and "借款人签收" in page and "承诺月底还款" in page


def test_borrower_page_lists_all_their_loans_in_scope_with_total(loans, client_for):
    zhang = loans["LA001"].borrower
    page = client_for("district_admin").get(f"/loans/borrowers/{zhang.pk}/").content.decode()
    assert 'href="/loans/LA001/"' in page and 'href="/loans/LB002/"' in page
    assert "2 笔" in page and "15.00 万元" in page


def test_addresses_are_hidden_from_roles_that_may_not_unmask(loans, client_for):
    zhang = loans["LA001"].borrower
    zhang.actual_address = "柳溪镇东村三组12号"
    zhang.save()
    assert "三组12号" in client_for("collector").get(f"/loans/borrowers/{zhang.pk}/").content.decode()
    assert "三组12号" not in client_for("district_leader").get(f"/loans/borrowers/{zhang.pk}/").content.decode()


def test_loan_page_shows_the_legal_clock(loans, client_for):
    # Matured 2023-03-15 with nothing since: the limitation ran out at the end of 2026-03-15.
    page = client_for("collector").get("/loans/LA001/").content.decode()
    assert "法律时效" in page and "2026-03-15" in page


def test_history_speaks_chinese_choices_and_unit_names(loans, units, client_for):
    loan = loans["LA001"]
    LoanEvent.objects.create(loan=loan, kind=EventKind.STATUS_CHANGED, field="status", before="registered", after="in_collection")
    LoanEvent.objects.create(
        loan=loan, kind=EventKind.FIELD_CHANGED, field="branch_id", before=units.branch_b.pk, after=units.branch_a.pk
    )
    LoanEvent.objects.create(
        loan=loan, kind=EventKind.ACTION, field="action", after={"method": "visit", "signature": "relative"}
    )
    timeline = client_for("collector").get("/loans/LA001/").content.decode().split('class="timeline"')[1]
    assert "已登记</span> → <span class=\"after\">清收中" in timeline
    assert "桃源支行</span> → <span class=\"after\">柳溪支行" in timeline
    assert "催收方式：上门催收；签收情况：家属签收" in timeline


def test_loan_page_leads_to_its_handling_its_cases_and_the_forms_each_role_may_use(loans, client_for):
    case = loans["LA002"].litigation_cases.get()
    admin_page = client_for("township_admin").get("/loans/LA002/").content.decode()
    assert "/collection/loans/LA002/" in admin_page  # 处置: actions, repayments, plan
    assert f"/litigation/{case.pk}/" in admin_page
    assert "/litigation/file/LA002/" in admin_page and "/refinance/new/?loan=LA002" in admin_page
    court_page = client_for("court_liaison").get("/loans/LA002/").content.decode()
    assert f"/litigation/{case.pk}/" in court_page
    assert "/litigation/file/LA002/" not in court_page and "/refinance/new/" not in court_page


def test_township_admin_may_ask_for_a_category_change_or_a_task_reduction_from_the_loan_page(loans, cast, client_for):
    from npl.campaigns.services import create_campaign

    campaign = create_campaign("攻坚行动", dt.date(2026, 3, 31), user=cast["district_admin"])
    page = client_for("township_admin").get("/loans/LA001/").content.decode()
    assert "/categories/manual/new/?loan=LA001" in page
    assert f"/campaigns/{campaign.pk}/reductions/new/?loan=LA001" in page
    assert "/categories/manual/new/" not in client_for("collector").get("/loans/LA001/").content.decode()
