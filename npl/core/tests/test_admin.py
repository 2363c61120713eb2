"""The admin shows settings to edit and the audit log to read, never to alter."""
import pytest
from django.urls import reverse

from npl.accounts.models import User
from npl.core.models import AuditLog, Setting

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    superuser = User.objects.create_superuser("root", "root@example.cn", "Npl-root-2026")
    client.force_login(superuser)
    return superuser


def test_a_superuser_edits_a_setting_in_the_admin(client, root):
    row = Setting.objects.create(key="large_mortgage_threshold", value="1000000.00", description="大额抵押门槛")
    url = reverse("admin:core_setting_change", args=[row.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"key": row.key, "value": "800000.00", "description": row.description})
    assert response.status_code == 302
    assert Setting.get_decimal("large_mortgage_threshold") == 800000


def test_the_audit_log_is_listed_and_opened_read_only(client, root):
    entry = AuditLog.objects.create(user=root, action="view_id", object_type="borrower", object_id="7", reason="核实身份")
    listing = client.get(reverse("admin:core_auditlog_changelist"))
    assert listing.status_code == 200
    assert "view_id" in listing.content.decode()
    detail = client.get(reverse("admin:core_auditlog_change", args=[entry.pk]))
    assert detail.status_code == 200
    assert 'name="reason"' not in detail.content.decode()  # shown as text, not an input


def test_nobody_adds_changes_or_deletes_audit_entries_in_the_admin(client, root):
    entry = AuditLog.objects.create(user=root, action="view_id", object_type="borrower", object_id="7")
    assert client.get(reverse("admin:core_auditlog_add")).status_code == 403
    client.post(reverse("admin:core_auditlog_change", args=[entry.pk]), {"reason": "改写"})
    assert client.post(reverse("admin:core_auditlog_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.reason == ""
    assert AuditLog.objects.count() == 1
