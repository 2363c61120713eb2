"""A page waiting on rows another transaction holds gives up after NPL_PG_LOCK_TIMEOUT and says so (core.busy);
the command line waits as long as it takes."""
import json
import os

import pytest
from django.db import DatabaseError, OperationalError, connection, connections, transaction
from django.test import RequestFactory

from npl.core import busy

pytestmark = pytest.mark.django_db


def test_web_sessions_bound_their_lock_waits_and_the_command_line_does_not(monkeypatch):
    # and the command line hashes long lists in memory (work_mem), which pages leave at the server's setting
    from npl import cli, settings

    monkeypatch.setattr(settings, "NPL_PG_JIT", False)
    monkeypatch.setattr(settings, "NPL_PG_WORK_MEM", "")
    monkeypatch.setattr(settings, "NPL_PG_LOCK_TIMEOUT", 20)
    db = {"ENGINE": "django.db.backends.postgresql"}
    settings._pg_session(db)
    assert db["OPTIONS"]["options"] == "-c jit=off -c lock_timeout=20s"
    monkeypatch.setattr(settings, "NPL_PG_LOCK_TIMEOUT", 0)
    unbounded = {"ENGINE": "django.db.backends.postgresql"}
    settings._pg_session(unbounded)
    assert "lock_timeout" not in unbounded["OPTIONS"]["options"]

    ran = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", ran.append)
    for command, timeout, work_mem in ((["import", "loans", "x.xlsx"], "0", "256MB"), (["runserver"], None, None)):
        monkeypatch.delenv("NPL_PG_LOCK_TIMEOUT", raising=False)
        monkeypatch.delenv("NPL_PG_WORK_MEM", raising=False)
        cli.main(command)
        assert (os.environ.get("NPL_PG_LOCK_TIMEOUT"), os.environ.get("NPL_PG_WORK_MEM")) == (timeout, work_mem)
        assert ran[-1] == ["npl", *command]
    monkeypatch.setattr(settings, "NPL_PG_WORK_MEM", "256MB")
    bulk = {"ENGINE": "django.db.backends.postgresql"}
    settings._pg_session(bulk)
    assert bulk["OPTIONS"]["options"] == "-c jit=off -c work_mem=256MB"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's lock_timeout")
@pytest.mark.django_db(transaction=True)  # the loan committed, so another session can hold its row
def test_a_lock_not_granted_in_time_is_busy_and_answered_with_503(loans, cast):
    loan = loans["LA001"]
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cur:
            cur.execute("SELECT id FROM loans_loan WHERE id = %s FOR UPDATE", [loan.pk])  # a writer holding the row
        with pytest.raises(OperationalError) as caught, transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL lock_timeout = '200ms'")
            type(loan).objects.select_for_update().get(pk=loan.pk)
    finally:
        other.rollback()
        other.close()
    assert busy.is_busy(caught.value)

    request = RequestFactory().post(f"/loans/{loan.loan_no}/")
    request.user = cast["collector"]
    page = busy.BusyMiddleware(lambda r: None).process_exception(request, caught.value)
    assert page.status_code == 503 and page["Retry-After"] == "60"
    assert "系统正忙" in page.content.decode() and "未保存" in page.content.decode()
    api = busy.BusyMiddleware(lambda r: None).process_exception(RequestFactory().post("/api/v1/repayments/"), caught.value)
    assert api.status_code == 503 and json.loads(api.content) == {"detail": busy.MESSAGE, "code": "busy"}


def test_other_database_errors_are_not_called_busy():
    assert busy.is_busy(OperationalError("database is locked"))  # SQLite past its busy timeout
    assert not busy.is_busy(OperationalError("no such table: loans_loan"))
    assert not busy.is_busy(DatabaseError("database is locked"))  # not an OperationalError
    assert busy.BusyMiddleware(lambda r: None).process_exception(RequestFactory().get("/"), ValueError("x")) is None
