"""PostgreSQL sessions run without JIT (settings `_pg_session`): compiling the report counts over every loan cost
more than it saved (0.5 s of a 1.1 s count at 100,000 loans). On SQLite there is nothing to check."""
import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT")
def test_a_postgresql_session_has_jit_off():
    with connection.cursor() as cur:
        cur.execute("SHOW jit")
        assert cur.fetchone()[0] == "off"


def test_jit_stays_on_when_asked_and_other_session_options_are_kept(monkeypatch):
    from npl import settings

    monkeypatch.setattr(settings, "NPL_PG_JIT", False)
    monkeypatch.setattr(settings, "NPL_PG_LOCK_TIMEOUT", 0)
    monkeypatch.setattr(settings, "NPL_PG_WORK_MEM", "")
    db = {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"options": "-c statement_timeout=5000"}}
    settings._pg_session(db)
    assert db["OPTIONS"]["options"] == "-c statement_timeout=5000 -c jit=off"
    monkeypatch.setattr(settings, "NPL_PG_JIT", True)
    kept = {"ENGINE": "django.db.backends.postgresql"}
    settings._pg_session(kept)
    assert "options" not in kept.get("OPTIONS", {})
    sqlite = {"ENGINE": "django.db.backends.sqlite3"}
    monkeypatch.setattr(settings, "NPL_PG_JIT", False)
    settings._pg_session(sqlite)
    assert "OPTIONS" not in sqlite
