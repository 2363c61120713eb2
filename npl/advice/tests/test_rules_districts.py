"""清收建议规则 per district (issue 18): a district's own rules give its own loans' suggestions only; the 省金融办's
default reaches the districts following it; a district admin edits only their own district's rules."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from npl import testing
from npl.advice import services
from npl.advice.models import OpenSuggestion, SuggestionRule, SuggestionState
from npl.conftest import login
from npl.core import tenancy

IMPORTED_AT = timezone.now()
TODAY = timezone.localdate(IMPORTED_AT)
pytestmark = pytest.mark.usefixtures("on_import_day")
RULE = "limitation_1m"


@pytest.fixture
def due_soon(units, cast, district_two):
    """In each district a loan whose limitation period ends in 10 days: the default's limitation_1m suggests."""
    maturity = TODAY.replace(year=TODAY.year - 3) + dt.timedelta(days=10)
    return {
        "one": testing.loan("S-1", testing.borrower(701, "何一"), units.town_a, units.branch_a, maturity=maturity,
                            collector=cast["collector"]),
        "two": testing.loan("S-2", testing.borrower(702, "何二"), district_two.town, district_two.branch, maturity=maturity,
                            collector=district_two.cast["collector"]),
    }


def codes(loan):
    return sorted(OpenSuggestion.objects.filter(loan=loan).values_list("rule__code", flat=True))


def rule_fields(rule, **over):
    fields = {f: getattr(rule, f) for f in services.RULE_FIELDS}
    return fields | over


def test_district_two_disabling_its_own_rule_drops_its_loans_suggestion_and_not_district_ones(due_soon, district_two):
    assert codes(due_soon["one"]) == codes(due_soon["two"]) == [RULE]
    admin_two = district_two.cast["district_admin"]
    r = login(admin_two).post(reverse("advice:rule_toggle", args=[RULE]))
    assert r.status_code == 302
    own = SuggestionRule.objects.get(district=district_two.district, code=RULE)
    assert not own.enabled and SuggestionRule.objects.get(district__isnull=True, code=RULE).enabled
    assert codes(due_soon["two"]) == [] and codes(due_soon["one"]) == [RULE]
    page = login(admin_two).get(reverse("advice:rules")).content.decode()
    assert "本区自定" in page


def test_the_province_default_reaches_the_districts_following_it_only(due_soon, district_two, province_finance):
    tenancy.adopt(district_two.district.pk, "rules")
    default = SuggestionRule.objects.get(district__isnull=True, code=RULE)
    services.set_enabled(default, province_finance, False)
    assert codes(due_soon["one"]) == [] and codes(due_soon["two"]) == [RULE]
    row = OpenSuggestion.objects.get(loan=due_soon["two"])
    assert row.rule.district_id == district_two.district.pk


def test_a_district_admin_changes_neither_another_districts_rules_nor_the_default(due_soon, district_two, cast):
    admin_two = district_two.cast["district_admin"]
    default = SuggestionRule.objects.get(district__isnull=True, code=RULE)
    services.save_rule(default, admin_two, **rule_fields(default, priority=99))  # district two's copy changes
    theirs = SuggestionRule.objects.get(district=district_two.district, code=RULE)
    assert theirs.priority == 99 and SuggestionRule.objects.get(pk=default.pk).priority != 99
    with pytest.raises(PermissionDenied):
        services.save_rule(theirs, cast["district_admin"], **rule_fields(theirs, priority=1))
    assert OpenSuggestion.objects.get(loan=due_soon["two"]).priority == 99
    assert OpenSuggestion.objects.get(loan=due_soon["one"]).priority != 99


def test_restoring_the_default_keeps_what_was_dismissed(due_soon, district_two):
    admin_two, collector_two = district_two.cast["district_admin"], district_two.cast["collector"]
    tenancy.adopt(district_two.district.pk, "rules")
    row = OpenSuggestion.objects.get(loan=due_soon["two"])
    services.dismiss(collector_two, due_soon["two"], RULE, row.due, "已当面催收")
    state = SuggestionState.objects.get(loan=due_soon["two"])
    assert state.rule.district_id == district_two.district.pk
    assert tenancy.restore_default(admin_two, "rules")
    state.refresh_from_db()
    assert state.rule.district_id is None and codes(due_soon["two"]) == []
    assert not SuggestionRule.objects.filter(district=district_two.district).exists()


@pytest.mark.parametrize("role", ["district_leader", "township_admin", "collector"])
def test_other_roles_read_their_districts_rules_and_change_none(due_soon, district_two, role):
    client = login(district_two.cast[role])
    assert client.get(reverse("advice:rules")).status_code == 200
    assert client.post(reverse("advice:rule_toggle", args=[RULE])).status_code in (302, 403)
    assert not SuggestionRule.objects.filter(district__isnull=False).exists()
    assert SuggestionRule.objects.get(district__isnull=True, code=RULE).enabled
