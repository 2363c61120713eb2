"""Security: nothing sensitive in plain text at rest, masked on screen, reveals logged, logins locked,
CSP and CSRF on, the admin closed to everyone but superusers, and the login page in Chinese."""
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from npl.core.models import AuditLog
from npl.testing import PASSWORD

PHONE = "13812345678"


@pytest.fixture
def zhang(loans):
    """张三 (LA001, LB002) with a phone on file."""
    b = loans["LA001"].borrower
    b.set_phone(PHONE)
    b.save()
    return b


def every_cell_in_the_database():
    """Every value of every row of every table, read raw (no model, no decryption)."""
    with connection.cursor() as cur:
        for table in connection.introspection.table_names():
            cur.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cur.fetchall():
                for value in row:
                    if value is not None:
                        yield table, str(value)


# --- at rest ---------------------------------------------------------------------------------------


def test_no_id_number_or_phone_is_stored_in_plain_text(zhang):
    full_id = zhang.reveal_id()
    leaks = [(t, v) for t, v in every_cell_in_the_database() if full_id in v or PHONE in v]
    assert leaks == []


def test_the_raw_borrower_columns_hold_cipher_hash_and_mask_only(zhang):
    full_id = zhang.reveal_id()
    with connection.cursor() as cur:
        cur.execute("SELECT id_cipher, id_hash, id_masked, phone_cipher, phone_masked FROM loans_borrower WHERE id = %s", [zhang.pk])
        id_cipher, id_hash, id_masked, phone_cipher, phone_masked = cur.fetchone()
    assert full_id not in id_cipher and full_id != id_hash
    assert id_masked == full_id[:3] + "*" * 11 + full_id[-4:]
    assert PHONE not in phone_cipher
    assert phone_masked == "138****5678"


# --- on screen -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["district_admin", "township_admin", "collector", "branch_staff"])
def test_pages_show_the_masked_id_and_never_the_full_one(role, zhang, client_for):
    client = client_for(role)
    full_id = zhang.reveal_id()
    for url in ["/", "/loans/", "/loans/?q=zs", "/loans/LA001/", f"/loans/borrowers/{zhang.pk}/"]:
        page = client.get(url).content.decode()
        assert full_id not in page, url
        assert PHONE not in page, url
        assert "张三" not in page, url  # names are shown as 张*
    assert zhang.id_masked in client.get("/loans/LA001/").content.decode()
    assert "138****5678" in client.get(f"/loans/borrowers/{zhang.pk}/").content.decode()


# --- reveal ----------------------------------------------------------------------------------------


def test_revealing_the_id_is_logged_with_who_when_and_ip_then_shown_once(zhang, client_for, cast):
    client = client_for("collector")
    response = client.post(reverse("loans:reveal_id", args=[zhang.pk]), {"reason": "上门送达催收通知书"})
    assert response.status_code == 200
    assert zhang.reveal_id() in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    log = AuditLog.objects.get()
    assert (log.user, log.action, log.object_type, log.object_id) == (cast["collector"], "view_id", "borrower", str(zhang.pk))
    assert log.ip == "127.0.0.1" and log.at is not None and log.reason == "上门送达催收通知书"
    # The next plain view is masked again.
    assert zhang.reveal_id() not in client.get(reverse("loans:borrower", args=[zhang.pk])).content.decode()


def test_revealing_the_phone_is_logged(zhang, client_for):
    response = client_for("township_admin").post(reverse("loans:reveal_phone", args=[zhang.pk]), {"reason": "电话催收"})
    assert PHONE in response.content.decode()
    assert AuditLog.objects.get().action == "view_phone"


@pytest.mark.parametrize("role", ["district_leader", "discipline_liaison"])
def test_roles_that_may_not_unmask_get_403_and_nothing_is_shown(role, zhang, loans, client_for, cast):
    # Give the discipline liaison an in-scope borrower (王五, on the public-servant roster).
    who = loans["LB001"].borrower if role == "discipline_liaison" else zhang
    response = client_for(role).post(reverse("loans:reveal_id", args=[who.pk]))
    assert response.status_code == 403
    assert who.reveal_id() not in response.content.decode()
    assert "无权" in response.content.decode()
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize("reason", ["", "  ", "查"])
def test_a_reveal_needs_a_reason_of_two_characters_and_without_one_nothing_is_shown_or_logged(reason, zhang, client_for):
    response = client_for("collector").post(reverse("loans:reveal_id", args=[zhang.pk]), {"reason": reason})
    page = response.content.decode()
    assert response.status_code == 400 and "查看事由" in page and "至少2个字" in page
    assert zhang.reveal_id() not in page
    assert not AuditLog.objects.exists()


def test_reveal_button_is_offered_only_to_roles_that_may_unmask(zhang, client_for):
    assert "查看完整身份证号" in client_for("collector").get("/loans/LA001/").content.decode()
    assert "查看完整身份证号" not in client_for("district_leader").get("/loans/LA001/").content.decode()


def test_revealing_an_out_of_scope_borrower_is_404_and_not_logged(loans, client_for):
    li = loans["LA002"].borrower  # not the collector's
    assert client_for("collector").post(reverse("loans:reveal_id", args=[li.pk])).status_code == 404
    assert not AuditLog.objects.exists()


def test_reveal_is_a_post_never_a_link(zhang, client_for):
    assert client_for("collector").get(reverse("loans:reveal_id", args=[zhang.pk])).status_code == 405
    assert not AuditLog.objects.exists()


def test_reveal_without_a_csrf_token_is_refused(zhang, cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["collector"], backend="django.contrib.auth.backends.ModelBackend")
    assert client.post(reverse("loans:reveal_id", args=[zhang.pk])).status_code == 403
    assert not AuditLog.objects.exists()


# --- login -----------------------------------------------------------------------------------------


def test_login_page_is_in_chinese(db):
    page = Client().get(reverse("login")).content.decode()
    assert 'lang="zh-hans"' in page
    for text in ("登录", "用户名", "密码"):
        assert text in page


def test_demo_style_login_with_the_right_password_reaches_the_home_page(cast):
    client = Client()
    response = client.post(reverse("login"), {"username": "liuxi_collector", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["user"] == cast["collector"]


def test_passwords_are_hashed_with_argon2(cast):
    """The suite hashes with MD5 for speed (npl/conftest.py); the hashers settings.py configures give Argon2."""
    import npl.settings as configured

    user = cast["collector"]
    with override_settings(PASSWORD_HASHERS=configured.PASSWORD_HASHERS):
        user.set_password(PASSWORD)
        user.save()
        stored = type(user).objects.get(pk=user.pk)
        assert stored.password.startswith("argon2$")
        assert stored.check_password(PASSWORD) and not stored.check_password("wrong-password")


def test_account_is_locked_after_five_failed_logins(cast):
    client = Client()
    wrong = {"username": "liuxi_collector", "password": "wrong-password"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login"), wrong)
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    # The fifth failure locks the account…
    assert client.post(reverse("login"), wrong).status_code == 429
    # …and even the right password is refused now.
    response = client.post(reverse("login"), {"username": "liuxi_collector", "password": PASSWORD})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failure_limit_is_five():
    assert settings.AXES_FAILURE_LIMIT == 5


def test_sessions_expire(cast):
    client = Client()
    client.post(reverse("login"), {"username": "liuxi_collector", "password": PASSWORD})
    assert client.session.get_expire_at_browser_close()
    assert 0 < client.session.get_expiry_age() <= 8 * 3600


def test_logout_ends_the_session(client_for):
    client = client_for("collector")
    client.post(reverse("logout"))
    assert client.get("/loans/").status_code == 302


# --- headers and pages -----------------------------------------------------------------------------


def test_content_security_policy_header_is_present(loans, client_for):
    for client, url in [(Client(), reverse("login")), (client_for("district_admin"), "/loans/LA001/")]:
        csp = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "style-src 'self'" in csp
        assert "default-src 'self'" in csp


def test_pages_have_no_inline_scripts_or_styles(loans, client_for):
    client = client_for("district_admin")
    urls = ["/", "/loans/", "/loans/LA002/", f"/loans/borrowers/{loans['LA002'].borrower_id}/"]
    for url in urls + ["/loans/NOPE/"]:
        page = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert "style=" not in page and "<style" not in page, url
    assert "style=" not in Client().get(reverse("login")).content.decode()


def test_404_page_is_in_chinese(loans, client_for):
    response = client_for("collector").get("/loans/LB001/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


# --- admin -----------------------------------------------------------------------------------------


def test_admin_is_refused_to_staff_who_are_not_superusers(cast):
    staff = cast["district_admin"]
    staff.is_staff = True
    staff.save()
    client = Client()
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get("/admin/loans/loan/").status_code == 302


def test_admin_opens_for_a_superuser(loans, django_user_model):
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    client = Client()
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/admin/").status_code == 200
    page = client.get("/admin/loans/borrower/").content.decode()
    assert loans["LA001"].borrower.reveal_id() not in page


def test_admin_menu_entry_only_for_superusers(loans, client_for, django_user_model):
    assert "/admin/" not in client_for("district_admin").get("/").content.decode()
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    client = Client()
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    assert 'href="/admin/"' in client.get("/").content.decode()
