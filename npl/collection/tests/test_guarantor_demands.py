"""A guarantor's own limitation period (民法典 arts. 693–694): the bank's demand within the guarantee period
starts it, a later demand within it restarts it (art. 195), a demand after the guarantee period discharges
nobody into liability; every last day moved past rest days on the real State Council schedules (art. 203).

The loan in the database tests matures 2023-06-30: its 6-month guarantee period nominally ends 2023-12-30
(Saturday) and, with the weekend and 元旦 2024, ends on Tuesday 2024-01-02.
"""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from npl.collection import services
from npl.collection.clocks import GuarantorFact, compute_limitation, loan_clock_context
from npl.collection.clocks.rules import Demand
from npl.collection.models import GuarantorDemand
from npl.conftest import VISIBLE
from npl.core import derived
from npl.loans.models import Guarantor, Loan, LoanEvent

D = dt.date
MATURITY = D(2023, 6, 30)
GUARANTEE_END = D(2024, 1, 2)  # nominal 2023-12-30 (Sat) → past the weekend and 元旦 2024


def guarantee(as_of, *demands, released_on=None):
    """The one guarantor's clock of a loan maturing 2023-06-30, with demands on the given days."""
    fact = GuarantorFact("李*", released_on=released_on, demands=tuple(Demand(on, "保证人签收的通知书（回执）") for on in demands))
    (g,) = compute_limitation(MATURITY, [], as_of, guarantors=[fact]).guarantees
    return g


# --- the rule (no database) ----------------------------------------------------------------------


def test_no_demand_no_own_period():
    g = guarantee(D(2023, 10, 1))
    assert g.own is None and g.own_status is None and not g.claimed and not g.discharged
    assert g.ends_on == GUARANTEE_END and g.status == "due_6m"


def test_a_demand_within_the_guarantee_period_starts_three_years_moved_past_national_day():
    g = guarantee(D(2026, 9, 1), D(2023, 10, 7))
    assert g.demanded_on == g.own_from == D(2023, 10, 7)
    # nominal 2026-10-07 is the last day of National Day 2026 (10月1日至7日): Thursday the 8th is the last day
    assert (g.own.nominal, g.own_deadline) == (D(2026, 10, 7), D(2026, 10, 8))
    assert g.own.reason == "因国庆节假期顺延至10月8日"
    assert g.own_status == "due_3m" and g.own_status_label == "3个月内届满"
    (step,) = g.steps
    assert step.effect == "start" and "民法典第694条" in step.reason and "名义届满日2026-10-07" in step.reason


def test_the_own_period_lapses_only_after_its_extended_last_day():
    assert guarantee(D(2026, 10, 8), D(2023, 10, 7)).own_status == "due_1m"
    assert guarantee(D(2026, 10, 9), D(2023, 10, 7)).own_status == "lapsed"


def test_a_demand_on_the_extended_last_day_of_the_guarantee_period_is_in_time_and_the_next_day_is_not():
    in_time = guarantee(D(2024, 2, 1), GUARANTEE_END)
    assert in_time.claimed and in_time.own_deadline == D(2027, 1, 4)  # 2027-01-02 is a Saturday (weekends only for 2027)
    late = guarantee(D(2024, 2, 1), GUARANTEE_END + dt.timedelta(days=1))
    assert late.own is None and late.discharged and late.status == "lapsed"
    (step,) = late.steps
    assert step.effect == "ignored" and "保证人不再承担保证责任（民法典第693条）" in step.reason


def test_a_later_demand_within_the_own_period_restarts_it_and_one_after_it_lapsed_does_nothing():
    g = guarantee(D(2025, 6, 1), D(2023, 10, 7), D(2025, 3, 3))
    assert g.demanded_on == D(2023, 10, 7) and g.own_from == D(2025, 3, 3)
    assert g.own_deadline == D(2028, 3, 3)
    assert [s.effect for s in g.steps] == ["start", "interrupt"]
    too_late = guarantee(D(2027, 1, 1), D(2023, 10, 7), D(2026, 10, 9))
    assert too_late.own_deadline == D(2026, 10, 8) and too_late.own_status == "lapsed"
    assert too_late.steps[-1].effect == "ignored" and "不能使时效重新起算" in too_late.steps[-1].reason


def test_a_released_guarantor_has_no_own_period():
    g = guarantee(D(2025, 1, 1), D(2023, 10, 7), released_on=D(2024, 5, 1))
    assert g.status == "released" and g.own is None and g.own_status is None and not g.claimed
    assert "解除保证责任" in g.steps[0].reason


def test_demands_on_or_before_maturity_or_after_the_as_of_day_count_for_nothing():
    g = guarantee(D(2023, 9, 1), MATURITY, D(2023, 10, 7))
    assert g.own is None and [s.effect for s in g.steps] == ["ignored", "ignored"]
    assert "到期日" in g.steps[0].reason and "晚于统计日" in g.steps[1].reason


# --- recording the demand (the service) ------------------------------------------------------------


@pytest.fixture
def guaranteed(loans):
    """LA001 (the collector's own loan) matured 2023-06-30, guaranteed by 李四."""
    Loan.objects.filter(pk=loans["LA001"].pk).update(maturity_date=MATURITY)
    loan = Loan.objects.get(pk=loans["LA001"].pk)
    return loan, Guarantor.objects.create(loan=loan, name="李四")


def test_the_service_records_a_dated_row_and_a_loan_event(guaranteed, cast):
    loan, g = guaranteed
    demand = services.record_guarantor_demand(g, cast["collector"], demanded_on=D(2023, 10, 7),
                                              evidence_type="signed_receipt", made_by="collector")
    assert GuarantorDemand.objects.get() == demand and demand.recorded_by == cast["collector"]
    event = LoanEvent.objects.get(loan=loan, field="guarantor")
    assert event.occurred_on == D(2023, 10, 7) and "要求保证人李*承担保证责任" in event.note
    assert event.after == {"demanded_on": "2023-10-07", "made_by": "collector", "evidence_type": "signed_receipt"}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"demanded_on": D(2099, 1, 1)}, "demanded_on", "不能晚于今天"),
        ({"demanded_on": MATURITY}, "demanded_on", "到期后才能"),
        ({"made_by": "collector", "evidence_type": "postal"}, "evidence_type", "须有保证人签收的回执"),
        ({"evidence_type": "phone"}, "evidence_type", "请选择证据类型"),
    ],
)
def test_the_service_refuses_what_cannot_be_a_demand(guaranteed, cast, fields, field, message):
    _, g = guaranteed
    args = {"demanded_on": D(2023, 10, 7), "evidence_type": "signed_receipt", "made_by": "bank", **fields}
    with pytest.raises(ValidationError) as exc:
        services.record_guarantor_demand(g, cast["collector"], **args)
    assert message in " ".join(exc.value.message_dict[field])
    assert not GuarantorDemand.objects.exists() and not LoanEvent.objects.filter(field="guarantor").exists()


def test_the_service_refuses_a_released_guarantor_and_a_second_demand_the_same_day(guaranteed, cast):
    _, g = guaranteed
    services.record_guarantor_demand(g, cast["collector"], demanded_on=D(2023, 10, 7), evidence_type="notarized")
    with pytest.raises(ValidationError, match="当天已有"):
        services.record_guarantor_demand(g, cast["collector"], demanded_on=D(2023, 10, 7), evidence_type="postal")
    Guarantor.objects.filter(pk=g.pk).update(released_on=D(2024, 5, 1), released_reason="借新还旧")
    derived.refresh([g.loan_id], setup=True)  # the release was written here, not through its service
    with pytest.raises(ValidationError, match="已于2024-05-01解除"):
        services.record_guarantor_demand(g, cast["collector"], demanded_on=D(2024, 6, 1), evidence_type="notarized")
    assert GuarantorDemand.objects.count() == 1


def test_roles_that_do_not_record_collection_actions_are_refused(guaranteed, cast):
    _, g = guaranteed
    with pytest.raises(PermissionDenied):
        services.record_guarantor_demand(g, cast["district_leader"], demanded_on=D(2023, 10, 7), evidence_type="notarized")


# --- the pages --------------------------------------------------------------------------------------


def form_url(loan_no="LA001"):
    return reverse("collection:guarantor_demand_new", args=[loan_no])


def test_the_collector_records_a_demand_from_the_flow_page_and_the_clock_shows_the_deadline_and_why(guaranteed, client_for):
    loan, g = guaranteed
    client = client_for("collector")
    flow = client.get(reverse("collection:flow", args=[loan.loan_no])).content.decode()
    assert form_url() in flow and "要求保证人承担保证责任" in flow
    r = client.post(form_url(), {"guarantor": g.pk, "demanded_on": "2023-10-07", "made_by": "collector",
                                 "evidence_type": "signed_receipt", "note": "保证人本人签收"})
    assert r.status_code == 302 and GuarantorDemand.objects.filter(guarantor=g, demanded_on=D(2023, 10, 7)).exists()
    page = client.get(reverse("collection:loan_clocks", args=[loan.loan_no]), {"as_of": "2026-09-01"}).content.decode()
    assert "保证人诉讼时效" in page and "2026-10-08" in page
    assert "名义届满日 2026-10-07" in page and "因国庆节假期顺延至10月8日" in page and "3个月内届满" in page


def test_the_clock_says_a_late_demand_leaves_the_guarantor_discharged(guaranteed, cast):
    from django.template.loader import render_to_string

    loan, g = guaranteed
    services.record_guarantor_demand(g, cast["collector"], demanded_on=D(2024, 1, 3), evidence_type="notarized")
    ctx = loan_clock_context(loan, D(2024, 2, 1))
    (clock,) = ctx["legal_clock"].guarantees
    assert clock.discharged and clock.own is None
    html = render_to_string("collection/_loan_clocks.html", ctx)
    assert "保证人不再承担保证责任（民法典第693条）" in html


def test_a_refused_demand_comes_back_on_the_form(guaranteed, client_for):
    _, g = guaranteed
    r = client_for("collector").post(form_url(), {"guarantor": g.pk, "demanded_on": "2023-10-07", "made_by": "collector",
                                                  "evidence_type": "postal"})
    assert r.status_code == 200 and "须有保证人签收的回执" in r.content.decode()
    assert not GuarantorDemand.objects.exists()


def test_a_role_outside_the_loan_gets_404_and_a_role_that_may_not_act_403(guaranteed, client_for, loans):
    _, g = guaranteed
    Guarantor.objects.create(loan=loans["LA003"], name="王五")
    data = {"guarantor": g.pk, "demanded_on": "2023-10-07", "made_by": "bank", "evidence_type": "notarized"}
    assert client_for("collector").get(form_url("LA003")).status_code == 404  # not the collector's loan
    assert client_for("branch_staff").post(form_url("LA003"), data).status_code == 404  # another branch's loan
    assert client_for("district_leader").post(form_url(), data).status_code == 403
    assert not GuarantorDemand.objects.exists()


def test_a_guarantor_claimed_in_time_leaves_the_guarantee_alert_list(guaranteed, cast, client_for):
    _, g = guaranteed
    alerts = reverse("collection:clock_alerts")
    params = {"township": "柳溪镇", "as_of": "2023-12-01", "list": "guarantees"}
    assert [x.name for _, x in client_for("township_admin").get(alerts, params).context["rows"]] == ["李*"]
    services.record_guarantor_demand(g, cast["collector"], demanded_on=D(2023, 10, 7), evidence_type="notarized")
    assert list(client_for("township_admin").get(alerts, params).context["rows"]) == []


def test_guarantors_own_periods_due_are_listed_on_the_alert_page_and_in_the_export(guaranteed, cast, client_for):
    import io

    from python_calamine import CalamineWorkbook

    _, g = guaranteed
    services.record_guarantor_demand(g, cast["collector"], demanded_on=D(2023, 10, 7), evidence_type="notarized")
    params = {"township": "柳溪镇", "as_of": "2026-09-01"}
    client = client_for("township_admin")
    r = client.get(reverse("collection:clock_alerts"), {**params, "list": "guarantor_claims"})
    assert [(loan.loan_no, x.own_deadline, x.own_status) for loan, x in r.context["rows"]] == [
        ("LA001", D(2026, 10, 8), "due_3m")]
    assert "保证人诉讼时效即将届满或已届满</span> 1 人" in r.content.decode()
    book = CalamineWorkbook.from_filelike(io.BytesIO(client.get(reverse("collection:clock_alerts_xlsx"), params).content))
    rows = book.get_sheet_by_name("保证人诉讼时效").to_python()
    assert ["LA001", "柳溪镇", "李*", "3个月内届满", "2023-10-07", "2026-10-08", "2026-10-07", "因国庆节假期顺延至10月8日"] in rows


def test_the_guarantee_reminder_stops_once_the_guarantor_was_asked_in_time_but_the_guarantor_still_counts():
    from npl.advice.facts import _guarantee

    def facts(*demands):
        fact = GuarantorFact("李*", demands=tuple(Demand(on) for on in demands))
        return _guarantee(compute_limitation(MATURITY, [], D(2023, 12, 1), guarantors=[fact]))

    assert facts() == ("due_3m", GUARANTEE_END, 1)
    assert facts(D(2023, 10, 7)) == (None, None, 1)


ACTING_ROLES = {"collector", "township_admin", "branch_staff", "district_admin"}  # workflow.ACTION_ROLES["record_action"]


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_the_demand_form_follows_the_scope_matrix(role, loans, client_for):
    for loan in loans.values():
        Guarantor.objects.create(loan=loan, name="李四")
    client = client_for(role)
    for loan_no in sorted(loans):
        status = client.get(form_url(loan_no)).status_code
        expected = 404 if loan_no not in VISIBLE[role] else (200 if role in ACTING_ROLES else 403)
        assert status == expected, (role, loan_no)
