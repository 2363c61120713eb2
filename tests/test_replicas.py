"""Read replicas (issue 18, point 3): the report pages read from a PostgreSQL streaming replica, a person who
has just written reads from the primary, and a replica that does not answer, lags or fails mid-page leaves the
page to the primary (npl.core.replicas, npl.core.routers, docs/scale.md).

The first tests need no database server. The others need a real standby: `bash scripts/pg-replica.sh start`
(a second cluster on port 5433 fed by the local one) and
`DATABASE_REPLICA_URLS=postgres://postgres@127.0.0.1:5433/test`. They are skipped without one, with that
reason — except in CI, where .ci/run starts the replica and sets NPL_REPLICA_REQUIRED, so a missing replica
fails them.

How a test reads from the physical replica: settings make each replica alias a test MIRROR of default, which
under tests keeps the replica's host and port and takes the test database's NAME. A standby holds every
database of its primary, so that alias reaches the very test database on the replica's server. These tests
run with transaction=True (their data is committed, so it replicates; they are not marked slow: scheduled
first, their closing flush would empty the tables under the tests after them in the worker), list the alias
in their databases
(mirrors are never flushed: the standby is read-only) and wait until the replica has replayed the primary's
latest WAL position before asking for a page. To tell the replica's answer from the primary's, a test pauses
the replica's replay (pg_wal_replay_pause) and then changes the data on the primary: a page served by the
replica shows the figures from before the change, one served by the primary the new ones. The rest of the
suite never reads from a replica (npl/conftest.py `_primary_only`); tests of this module hold a file lock
while they pause the replay, so parallel workers do not resume it under each other.
"""
import fcntl
import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from npl.core import replicas
from npl.core.routers import ReplicaRouter
from npl.loans.models import Loan

ROOT = Path(__file__).resolve().parent.parent
REPLICA = next((alias for alias in settings.DATABASES if alias.startswith("replica")), None)
REPORT = "categories:report"


# -- without a database server ------------------------------------------------------------------------------

def _settings_with(env: dict, tmp_path) -> subprocess.CompletedProcess:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'aliases': s.NPL_REPLICA_ALIASES, 'dbs': {a: {k: d.get(k) for k in "
        "('ENGINE', 'HOST', 'PORT', 'NAME', 'TEST', 'OPTIONS')} for a, d in s.DATABASES.items()}}, default=str))"
    )
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "npl.settings", "NPL_DATA_DIR": str(tmp_path), **env}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full, capture_output=True, text=True, timeout=120)


def test_replica_urls_become_aliases_that_mirror_the_test_database(tmp_path):
    done = _settings_with({
        "DATABASE_URL": "postgres://npl@10.0.0.1:5432/npl",
        "DATABASE_REPLICA_URLS": "postgres://npl@10.0.0.2:5433/npl, postgres://npl@10.0.0.3/npl",
        "NPL_REPLICA_CONNECT_TIMEOUT": "3",
    }, tmp_path)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["aliases"] == ["replica1", "replica2"]
    first, second = found["dbs"]["replica1"], found["dbs"]["replica2"]
    assert (first["HOST"], first["PORT"], first["NAME"]) == ("10.0.0.2", 5433, "npl")
    assert second["HOST"] == "10.0.0.3"
    assert first["TEST"]["MIRROR"] == "default"
    assert first["OPTIONS"]["connect_timeout"] == 3


def test_without_replica_urls_there_is_only_the_primary(tmp_path):
    done = _settings_with({"DATABASE_REPLICA_URLS": " "}, tmp_path)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["aliases"] == [] and list(found["dbs"]) == ["default"]


def test_a_replica_that_is_not_postgresql_is_refused_at_start(tmp_path):
    done = _settings_with({"DATABASE_REPLICA_URLS": "sqlite:////tmp/copy.sqlite3"}, tmp_path)
    assert done.returncode != 0
    assert "replica 1 is not a PostgreSQL URL" in done.stderr


def _view_names(resolver: URLResolver, prefix: str = "") -> set[str]:
    names = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            names |= _view_names(entry, f"{prefix}{entry.namespace}:" if entry.namespace else prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(prefix + entry.name)
    return names


def test_every_page_marked_for_a_replica_is_a_page_of_the_site():
    """A renamed URL would silently send its page back to the primary: the list must name real pages."""
    assert replicas.REPLICA_VIEWS <= _view_names(get_resolver())


def test_writes_and_migrations_go_to_the_primary_and_a_write_keeps_the_request_there():
    router = ReplicaRouter()
    assert router.allow_migrate("replica1", "loans", model_name="loan") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "loans", model_name="loan") is None  # allowed
    assert router.db_for_read(Loan) == DEFAULT_DB_ALIAS  # outside a marked request: the primary
    with replicas.reading_from_replica() as state:
        assert router.db_for_write(Loan) == DEFAULT_DB_ALIAS
        assert state.wrote
        assert router.db_for_read(Loan) == DEFAULT_DB_ALIAS  # its reads now follow its write


def test_a_post_keeps_the_person_on_the_primary_for_the_sticky_seconds(db, cast, settings):
    """The writer's cookie says until when; it is signed, so a made-up one counts for nothing."""
    import time_machine
    from django.test import Client, RequestFactory

    settings.NPL_REPLICA_ALIASES = ["replica1"]  # the POST below reads nothing from it
    settings.NPL_REPLICA_STICKY_SECONDS = 10
    client = Client()
    client.force_login(cast["district_leader"], backend="django.contrib.auth.backends.ModelBackend")
    with time_machine.travel(time.time(), tick=False) as clock:
        response = client.post(reverse("logout"))
        cookie = response.cookies[replicas.COOKIE]
        assert cookie["max-age"] == 10 and cookie["httponly"]
        request = RequestFactory().get("/", HTTP_COOKIE=f"{replicas.COOKIE}={cookie.value}")
        assert replicas.sticky(request)
        clock.shift(11)
        assert not replicas.sticky(request)
    forged = RequestFactory().get("/", HTTP_COOKIE=f"{replicas.COOKIE}={time.time() + 3600:.3f}")
    assert not replicas.sticky(forged)
    assert "npl_primary_until" not in client.get(reverse("login")).cookies  # a GET that writes nothing


# -- with a real streaming replica --------------------------------------------------------------------------

# Committed data (it must replicate), and the replica alias allowed; without one the `live` fixture skips.
# Like every transactional test they run after the others in their worker (pytest-django's order; not marked
# slow, which would schedule them first): their closing flush empties the tables, data-migration rows included.
# They need none of those rows, so they pass after another transactional test's flush as well.
on_replica_db = pytest.mark.django_db(
    transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA] if REPLICA else [DEFAULT_DB_ALIAS],
)


@dataclass
class Live:
    alias: str
    control: object  # a psycopg connection to the replica's `postgres` database, for pause/resume/terminate

    def sql(self, query: str, params=()):
        return self.control.execute(query, params).fetchone()

    def wait_for_replay(self) -> None:
        """Until the replica has replayed everything the primary has written so far (committed test data)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            target = cursor.fetchone()[0]
        deadline = time.monotonic() + 120
        while not self.sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))[0]:
            if time.monotonic() > deadline:
                pytest.fail(f"the replica has not replayed the primary's WAL up to {target} in 120 s")
            time.sleep(0.05)

    def pause(self) -> None:
        """Replay stops here: what the primary commits from now on is not on the replica."""
        self.wait_for_replay()
        self.sql("SELECT pg_wal_replay_pause()")

    def server(self) -> tuple:
        """What the connection the router used is connected to."""
        with connections[self.alias].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), inet_server_port(), current_database()")
            return cursor.fetchone()


@pytest.fixture
def live(settings):
    if connection.vendor != "postgresql":
        pytest.skip("streaming replication is PostgreSQL's: these tests run on PostgreSQL")
    if REPLICA is None:
        reason = ("no replica configured: `bash scripts/pg-replica.sh start` then "
                  "DATABASE_REPLICA_URLS=postgres://postgres@127.0.0.1:5433/test")
        if os.environ.get("NPL_REPLICA_REQUIRED"):  # set by .ci/run: in CI a skip would hide a missing replica
            pytest.fail(reason)
        pytest.skip(reason)
    import psycopg

    with open("/tmp/npl-replica-tests.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        db = connections[REPLICA].settings_dict
        control = psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                                  password=db["PASSWORD"] or None, dbname="postgres", autocommit=True, connect_timeout=10)
        settings.NPL_REPLICA_ALIASES = [REPLICA]
        settings.NPL_REPLICA_MAX_LAG_SECONDS = 30
        # One check per test, so what a test does to the replica is what the next page meets.
        settings.NPL_REPLICA_CHECK_SECONDS = settings.NPL_REPLICA_RETRY_SECONDS = 3600
        replicas.forget()
        try:
            control.execute("SELECT pg_wal_replay_resume()")
            yield Live(REPLICA, control)
        finally:
            control.execute("SELECT pg_wal_replay_resume()")
            control.close()
            connections[REPLICA].close()
            replicas.forget()


def figures(response) -> dict:
    """The category report's figures: code → (笔, 户, 万元), subcategories included."""
    rows = {}
    for row in response.context["report"]["categories"]:
        for r in [row, *row.get("subcategories", [])]:
            rows[r["code"]] = (r["count"], r["households"], r["amount_wan"])
    return rows


def replica_queries(captured) -> list[str]:
    """The page's own queries on the replica (the router's health check left out)."""
    return [q["sql"] for q in captured.captured_queries if "pg_is_in_recovery" not in q["sql"]]


def change_on_primary(admin) -> None:
    """The district admin lowers the large-mortgage threshold to 50,000 元 through its page (a POST, so the admin's
    next pages read from the primary): LA003 (抵押+保证, 80,000 元) becomes a 大额抵押 loan. Through the service,
    as people change figures, so whatever it stores beside the threshold is stored as in production."""
    assert admin.post(reverse("categories:threshold"), {"value": "50000.00"}).status_code == 302


@pytest.mark.postgres
@on_replica_db
def test_a_report_page_reads_from_the_replica_and_the_person_who_wrote_from_the_primary(live, loans, client_for):
    leader, admin = client_for("district_leader"), client_for("district_admin")
    live.pause()
    change_on_primary(admin)

    with CaptureQueriesContext(connections[live.alias]) as on_replica:
        page = leader.get(reverse(REPORT))
    assert page.status_code == 200
    assert replica_queries(on_replica), "the report's queries ran on the replica"
    in_recovery, port, database = live.server()
    assert in_recovery is True and port == int(connections[live.alias].settings_dict["PORT"])
    assert database == connection.settings_dict["NAME"]
    # The replica replays nothing since the pause: the report shows the figures from before the change.
    assert figures(page)["large_mortgage"][0] == 0
    assert "大额抵押门槛：1000000.00 元" in page.content.decode()

    with CaptureQueriesContext(connections[live.alias]) as on_replica:
        own = admin.get(reverse(REPORT))
    assert own.status_code == 200
    assert replica_queries(on_replica) == []
    assert figures(own)["large_mortgage"][0] == 1  # LA003
    assert "大额抵押门槛：50000.00 元" in own.content.decode()

    # A page people act from is not a report: the primary, even for someone who has not written.
    with CaptureQueriesContext(connections[live.alias]) as on_replica:
        assert leader.get(reverse("loans:list")).status_code == 200
    assert replica_queries(on_replica) == []


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def pointed_at(alias: str, port: int):
    db = connections[alias].settings_dict
    before = db["PORT"]
    connections[alias].close()
    db["PORT"] = port
    try:
        yield
    finally:
        connections[alias].close()
        db["PORT"] = before


@pytest.mark.postgres
@on_replica_db
def test_a_replica_that_does_not_answer_leaves_the_report_to_the_primary(live, loans, client_for):
    leader, admin = client_for("district_leader"), client_for("district_admin")
    change_on_primary(admin)
    expected = figures(admin.get(reverse(REPORT)))  # the admin wrote: the primary's figures

    with pointed_at(live.alias, _closed_port()):
        page = leader.get(reverse(REPORT))
    assert page.status_code == 200
    assert figures(page) == expected and expected["large_mortgage"][0] == 1
    assert "大额抵押门槛：50000.00 元" in page.content.decode()
    known = replicas.health(live.alias)
    assert known is not None and not known.ok and "does not answer" in known.reason


@pytest.mark.postgres
@on_replica_db
def test_a_replica_too_far_behind_is_skipped(live, loans, client_for, settings):
    leader, admin = client_for("district_leader"), client_for("district_admin")
    live.pause()
    change_on_primary(admin)
    settings.NPL_REPLICA_MAX_LAG_SECONDS = 0  # anything not yet replayed is too late

    with CaptureQueriesContext(connections[live.alias]) as on_replica:
        page = leader.get(reverse(REPORT))
    assert page.status_code == 200
    assert replica_queries(on_replica) == []
    assert figures(page)["large_mortgage"][0] == 1
    known = replicas.health(live.alias)
    assert not known.ok and "behind the primary" in known.reason and known.lag > 0


@pytest.mark.postgres
@on_replica_db
def test_a_replica_lost_during_a_page_is_left_and_the_page_answered_by_the_primary(live, loans, client_for):
    leader = client_for("district_leader")
    live.wait_for_replay()
    with CaptureQueriesContext(connections[live.alias]) as on_replica:
        first = leader.get(reverse(REPORT))
    assert first.status_code == 200 and replica_queries(on_replica)  # served by the replica, connection kept
    pid = connections[live.alias].connection.info.backend_pid
    assert live.sql("SELECT pg_terminate_backend(%s, 10000)", (pid,))[0]

    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
        page = leader.get(reverse(REPORT))
    assert page.status_code == 200
    assert figures(page) == figures(first)
    assert any("categories" in q["sql"] or "loans_loan" in q["sql"] for q in on_primary.captured_queries)
    known = replicas.health(live.alias)
    assert not known.ok and "failed during" in known.reason


# -- the script that makes a local replica -------------------------------------------------------------------

SCRIPT = ROOT / "scripts" / "pg-replica.sh"


def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=600)


def test_the_replica_script_refuses_an_unknown_action():
    done = run_script("restart")
    assert done.returncode == 1
    assert "usage:" in done.stderr and "start|stop|status" in done.stderr


def _psql(port: int, sql: str) -> str:
    return subprocess.run(["psql", "-X", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres", "-tAc", sql],
                          capture_output=True, text=True, timeout=60, check=True).stdout.strip()


@pytest.mark.slow
@pytest.mark.postgres
def test_the_replica_script_starts_reports_and_removes_a_standby_of_the_local_cluster():
    """start → a standby on its own port that replays the primary; start again changes nothing; stop removes it
    with its data directory and its replication slot (which would otherwise keep WAL on the primary for ever)."""
    db = settings.DATABASES["default"]
    reason = ""
    if db["ENGINE"] != "django.db.backends.postgresql" or (db["HOST"], str(db["PORT"])) not in {("127.0.0.1", "5432"), ("localhost", "5432")}:
        reason = "the script copies the local cluster at 127.0.0.1:5432: run the suite on it (DATABASE_URL) to test it"
    elif os.geteuid() != 0:
        reason = "the script runs PostgreSQL's commands as postgres: run the tests as root to test it"
    if reason:
        if os.environ.get("NPL_REPLICA_REQUIRED"):
            pytest.fail(reason)
        pytest.skip(reason)
    port = int(os.environ.get("NPL_REPLICA_TEST_PORT", "5439"))
    if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)]).returncode == 0:
        pytest.skip(f"port {port} is taken by a running server (NPL_REPLICA_TEST_PORT chooses another)")
    base = Path(_psql(5432, "SHOW data_directory")).parent
    try:
        started = run_script("start", str(port))
        assert started.returncode == 0, started.stderr
        assert f"replica on 127.0.0.1:{port}, standby of 127.0.0.1:5432" in started.stdout
        assert _psql(port, "SELECT pg_is_in_recovery()") == "t"
        assert _psql(5432, f"SELECT active FROM pg_replication_slots WHERE slot_name = 'npl_replica_{port}'") == "t"
        target = _psql(5432, "SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + 120
        while _psql(port, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") != "t":
            assert time.monotonic() < deadline, "the new standby does not replay the primary"
            time.sleep(0.2)

        again = run_script("start", str(port))
        assert again.returncode == 0 and "already running" in again.stdout
        assert run_script("status", str(port)).returncode == 0

        stopped = run_script("stop", str(port))
        assert stopped.returncode == 0, stopped.stderr
        assert run_script("status", str(port)).returncode == 3
        assert not (base / f"replica-{port}").exists()
        assert _psql(5432, f"SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'npl_replica_{port}'") == "0"
    finally:
        run_script("stop", str(port))
