"""Case pages: who sees which cases, who gets the forms, posting through the services, an imported case."""
import datetime as dt
import re

import pytest
from django.urls import reverse

from npl import testing
from npl.intake.services import run_import
from npl.intake.tests.sheets import write_xlsx
from npl.litigation import services
from npl.litigation.models import LitigationCase

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def town_b_case(loans, cast):
    """A case on LB001 (桃源乡): out of the 柳溪镇 township admin's scope."""
    return services.file_case(loans["LB001"], cast["district_admin"], direction="bank_sued_borrower",
                              case_no="（2026）陕0523民初202号", court="东岭区人民法院", filed_on=D(2026, 3, 3))


def list_case_nos(client, **params):
    resp = client.get(reverse("litigation:list"), params)
    assert resp.status_code == 200
    return {row.record.case_no for row in resp.context["table"].page.object_list}


def test_the_court_liaison_lists_every_case_and_filters_by_court_stage_and_township(case, town_b_case, client_for, units):
    court = client_for("court_liaison")
    assert list_case_nos(court) == {case.case_no, town_b_case.case_no}
    assert list_case_nos(court, court="东岭区人民法院") == {town_b_case.case_no}
    assert list_case_nos(court, township=units.town_a.pk) == {case.case_no}
    assert list_case_nos(court, stage="judged") == set()
    assert list_case_nos(court, q="LB001") == {town_b_case.case_no}


@pytest.mark.parametrize("role, visible", [
    ("district_admin", {"LA002", "LB001"}), ("township_admin", {"LA002"}), ("branch_staff", {"LA002"}),
    ("collector", set()), ("police_liaison", set()), ("outsider", set()),
])
def test_others_list_the_cases_of_loans_in_their_scope(case, town_b_case, client_for, role, visible):
    resp = client_for(role).get(reverse("litigation:list"))
    assert {row.record.loan.loan_no for row in resp.context["table"].page.object_list} == visible


def test_a_case_of_a_loan_out_of_scope_is_a_404_for_a_township_admin(town_b_case, client_for):
    admin = client_for("township_admin")
    assert admin.get(reverse("litigation:detail", args=[town_b_case.pk])).status_code == 404
    resp = admin.post(reverse("litigation:listing", args=[town_b_case.pk]), {"action": "request", "on": "2026-06-01", "version": 1})
    assert resp.status_code == 404


def test_the_court_liaison_gets_the_forms_others_read_only(case, client_for):
    url = reverse("litigation:detail", args=[case.pk])
    court = client_for("court_liaison").get(url)
    assert court.status_code == 200 and court.context["stage_form"] is not None
    assert reverse("litigation:advance", args=[case.pk]) in court.content.decode()
    for role in ("township_admin", "branch_staff", "district_admin"):
        page = client_for(role).get(url)
        assert page.status_code == 200
        assert "stage_form" not in page.context
        assert reverse("litigation:advance", args=[case.pk]) not in page.content.decode()


def test_the_stage_menu_offers_only_the_moves_allowed_from_here(case, client_for):
    form = client_for("court_liaison").get(reverse("litigation:detail", args=[case.pk])).context["stage_form"]
    assert [v for v, _ in form.fields["stage"].choices] == ["accepted", "trial", "judged", "mediated", "closed"]


@pytest.mark.parametrize("role", ["township_admin", "branch_staff", "district_admin", "collector"])
def test_other_roles_posting_a_stage_get_403_and_change_nothing(case, client_for, role, loans):
    if role == "collector":  # the collector does not see LA002 at all
        expected = 404
    else:
        expected = 403
    resp = client_for(role).post(reverse("litigation:advance", args=[case.pk]),
                                 {"stage": "accepted", "on": "2026-02-20", "version": case.version})
    assert resp.status_code == expected
    case.refresh_from_db()
    assert case.stage == "filed" and not case.stages.exists()


def test_a_refused_move_shows_the_chinese_reason(case, client_for):
    resp = client_for("court_liaison").post(reverse("litigation:advance", args=[case.pk]),
                                            {"stage": "enforcing", "on": "2026-03-01", "version": case.version})
    assert resp.status_code == 400
    assert "尚无生效判决或调解，不能申请执行" in resp.content.decode()


def test_a_stale_form_is_refused_with_a_message_and_the_fresh_page(case, client_for, cast):
    services.advance_stage(case, cast["court_liaison"], stage="accepted", on=D(2026, 2, 20))
    resp = client_for("court_liaison").post(reverse("litigation:advance", args=[case.pk]),
                                            {"stage": "trial", "on": "2026-03-01", "version": 1}, follow=True)
    assert "已被他人更新" in resp.content.decode()
    case.refresh_from_db()
    assert case.stage == "accepted"


def test_the_judgment_recovery_and_listing_forms_post_through_the_services(enforcing, client_for):
    court = client_for("court_liaison")
    pk = enforcing.pk
    resp = court.post(reverse("litigation:judgment", args=[pk]),
                      {"amount": "260,000.00", "performance_due": "2026-04-16", "version": enforcing.version})
    assert resp.status_code == 302
    enforcing.refresh_from_db()
    court.post(reverse("litigation:recovery", args=[pk]), {"amount": "1200.5", "on": "2026-06-01", "version": enforcing.version})
    enforcing.refresh_from_db()
    bank = client_for("branch_staff")
    bank.post(reverse("litigation:listing", args=[pk]), {"action": "request", "on": "2026-06-02", "version": enforcing.version})
    enforcing.refresh_from_db()
    assert str(enforcing.judgment_amount) == "260000.00"
    assert str(enforcing.enforcement_recovered) == "1200.50"
    assert enforcing.dishonest_listing == "requested"
    resp = bank.post(reverse("litigation:listing", args=[pk]), {"action": "listed", "on": "2026-06-03", "version": enforcing.version})
    assert resp.status_code == 403, "only the court says a debtor is listed"


def test_a_township_admin_files_a_case_from_a_loan_in_scope(loans, client_for):
    admin = client_for("township_admin")
    url = reverse("litigation:file", args=["LA001"])
    assert admin.get(url).status_code == 200
    resp = admin.post(url, {"direction": "bank_sued_borrower", "case_no": "（2026）陕0523民初300号", "court": "西岭区人民法院",
                            "filed_on": "2026-03-05"})
    case = LitigationCase.objects.get(case_no="（2026）陕0523民初300号")
    assert resp.status_code == 302 and resp["Location"] == reverse("litigation:detail", args=[case.pk])
    assert admin.get(reverse("litigation:file", args=["LB001"])).status_code == 404
    assert client_for("court_liaison").get(reverse("litigation:file", args=["LA002"])).status_code == 403


def test_an_imported_case_lands_in_the_same_model_and_is_advanced_on_the_page(loans, cast, client_for, tmp_path):
    header = ["借据号", "诉讼类型", "案号", "受理法院", "起诉日期", "立案日期", "判决日期", "执行案号", "当前阶段"]
    path = write_xlsx(tmp_path / "cases.xlsx", [header, ["LA003", "银行起诉借款人", "（2025）陕0523民初88号", "西岭区人民法院",
                                                        D(2025, 10, 9), D(2025, 10, 20), D(2026, 1, 15), "", "已判决"]])
    report = run_import("litigation", path, as_of=D(2026, 3, 31), user=cast["court_liaison"])
    assert report["created"] == 1
    case = LitigationCase.objects.get(loan=loans["LA003"])  # the importer normalises the brackets
    court = client_for("court_liaison")
    page = court.get(reverse("litigation:detail", args=[case.pk]))
    assert [v for v, _ in page.context["stage_form"].fields["stage"].choices] == ["effective", "enforcement_applied", "enforcing", "closed"]
    resp = court.post(reverse("litigation:advance", args=[case.pk]), {"stage": "accepted", "on": "2026-02-01", "version": case.version})
    assert resp.status_code == 400, "an imported judged case does not go back to 立案"
    resp = court.post(reverse("litigation:advance", args=[case.pk]),
                      {"stage": "enforcing", "on": "2026-03-02", "enforcement_case_no": "（2026）陕0523执12号", "version": case.version})
    assert resp.status_code == 302
    case.refresh_from_db()
    assert (case.stage, case.enforcement_case_no, case.enforcement_filed_on) == ("enforcing", "（2026）陕0523执12号", D(2026, 3, 2))
    assert [s for s, _ in case.stages.order_by("on", "pk").values_list("stage", "on")] == ["filed", "accepted", "judged", "enforcing"]


def test_a_stage_before_an_imported_judgment_date_is_refused(loans, cast, tmp_path):
    header = ["借据号", "诉讼类型", "案号", "判决日期", "当前阶段"]
    run_import("litigation", write_xlsx(tmp_path / "c.xlsx", [header, ["LA001", "银行起诉借款人", "J1", D(2026, 1, 15), "已判决"]]),
               as_of=D(2026, 3, 31))
    case = LitigationCase.objects.get(case_no="J1")
    with pytest.raises(Exception, match="2026-01-15"):
        services.advance_stage(case, cast["court_liaison"], stage="effective", on=D(2026, 1, 10))


def test_the_court_liaison_touches_no_loan_outside_litigation(loans, client_for):
    """The court liaison's menu of actions is the case page: the file-a-case form is refused to them."""
    court = client_for("court_liaison")
    assert court.get(reverse("litigation:file", args=["LA002"])).status_code == 403
    other = testing.loan("LX001", loans["LA001"].borrower, loans["LA001"].township, loans["LA001"].branch)
    assert court.get(reverse("loans:detail", args=[other.loan_no])).status_code == 404


def test_on_a_phone_a_case_is_a_card_of_its_number_loan_borrower_stage_and_recovery(case, client_for):
    page = client_for("court_liaison").get(reverse("litigation:list")).content.decode()
    assert 'class="table cards"' in page
    hidden = {label for cls, label in re.findall(r'<td class="([^"]*)" data-label="([^"]+)"', page) if "card-hide" in cls.split()}
    shown = set(re.findall(r'data-label="([^"]+)"', page)) - hidden
    # The court's own details stay on the desk: a phone card keeps what the liaison acts on.
    assert hidden == {"乡镇", "受理法院", "起诉日期", "判决金额（元）", "失信名单"}
    assert shown == {"案号", "借据号", "借款人", "诉讼类型", "当前阶段", "执行到位（元）"}
