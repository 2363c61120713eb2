"""reveal_id / reveal_phone: allowed to some roles, within scope, and always leaving an audit row."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from npl.accounts import services
from npl.accounts.choices import MAY_UNMASK
from npl.core.models import AuditLog


def test_reveal_id_returns_the_full_number_and_writes_one_audit_row(loans, cast):
    zhang = loans["LA001"].borrower
    number = services.reveal_id(cast["branch_staff"], zhang, "10.0.0.8", "核对借款人身份")
    assert len(number) == 18 and number.endswith(zhang.id_last4)
    row = AuditLog.objects.get()
    assert (row.user, row.action, row.object_id, row.ip, row.reason) == (
        cast["branch_staff"], "view_id", str(zhang.pk), "10.0.0.8", "核对借款人身份",
    )  # fmt: skip


def test_every_reveal_is_a_new_audit_row(loans, cast):
    zhang = loans["LA001"].borrower
    services.reveal_id(cast["collector"], zhang, None, "上门核实")
    services.reveal_id(cast["collector"], zhang, None, "上门核实")
    assert AuditLog.objects.filter(action="view_id").count() == 2


def test_reveal_phone_is_logged_as_view_phone(loans, cast):
    zhang = loans["LA001"].borrower
    zhang.set_phone("13900001111")
    zhang.save()
    assert services.reveal_phone(cast["district_admin"], zhang, "127.0.0.1", "电话催收") == "13900001111"
    assert AuditLog.objects.get().action == "view_phone"


@pytest.mark.parametrize("role", ["district_leader", "discipline_liaison", "outsider"])
def test_roles_without_unmask_are_refused_and_nothing_is_logged(role, loans, cast):
    assert role not in MAY_UNMASK
    with pytest.raises(PermissionDenied):
        services.reveal_id(cast[role], loans["LB001"].borrower, None, "核对身份")
    assert not AuditLog.objects.exists()


def test_out_of_scope_borrower_is_refused_even_to_a_role_that_may_unmask(loans, cast):
    with pytest.raises(PermissionDenied):
        services.reveal_id(cast["township_admin"], loans["LB001"].borrower, None, "核对身份")
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", "查", " 查 ", None])
def test_a_reveal_without_a_reason_of_two_characters_is_refused_and_nothing_is_logged(reason, loans, cast):
    with pytest.raises(ValidationError, match="至少2个字"):
        services.reveal_id(cast["collector"], loans["LA001"].borrower, None, reason)
    with pytest.raises(ValidationError, match="至少2个字"):
        services.reveal_phone(cast["collector"], loans["LA001"].borrower, None, reason)
    assert not AuditLog.objects.exists()


def test_the_reason_is_kept_trimmed(loans, cast):
    services.reveal_id(cast["collector"], loans["LA001"].borrower, None, "  送达  ")
    assert AuditLog.objects.get().reason == "送达"
