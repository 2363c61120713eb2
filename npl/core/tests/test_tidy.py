"""core.bulk.tidy_after_bulk: after a large write, PostgreSQL's dead row versions are cleared (VACUUM) and the
planner's statistics gathered, whether or not the server runs autovacuum; inside a transaction, statistics only."""
import pytest
from django.core.management import call_command
from django.db import connection

from npl.core import bulk
from npl.core.models import Setting


def relation(table: str) -> tuple[int, int, int]:
    """(pages, all-visible pages, VACUUMs counted) of a table on PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT c.relpages, c.relallvisible, s.vacuum_count FROM pg_class c "
                       "JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname = %s", [table])
        return cursor.fetchone()


def analyses(table: str) -> int:
    """How many times PostgreSQL analysed a table (ANALYZE inside a transaction counts at once)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def planner_rows(table: str) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            return int(cursor.fetchone()[0])
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [table])
        return int(cursor.fetchone()[0].split()[0])


@pytest.mark.django_db
def test_inside_a_transaction_it_gathers_the_statistics_only():
    if connection.vendor == "postgresql":  # counted from this test's table: an earlier test's ANALYZE leaves its count
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_setting")
    Setting.objects.bulk_create(Setting(key=f"tidy-{i}", value=str(i)) for i in range(200))
    assert bulk.tidy_after_bulk() is False  # VACUUM cannot run inside a transaction
    assert planner_rows("core_setting") == Setting.objects.count()


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="VACUUM of dead row versions is PostgreSQL's")


@postgresql_only
@pytest.mark.django_db
def test_inside_a_transaction_a_table_is_analysed_again_only_once_enough_of_it_changed():
    # The autovacuum daemon's rule: more than 50 rows plus a tenth of those counted, changed since the last ANALYZE
    # (this transaction's own changes counted from there): an import analysed every table of the app each time.
    def add(n, start):
        Setting.objects.bulk_create(Setting(key=f"stale-{i}", value="1") for i in range(start, start + n))

    analysed_before = {t: analyses(t) for t in ("core_setting", "campaigns_campaign")}
    add(400, 0)
    bulk.refresh_planner_statistics()
    assert planner_rows("core_setting") == 400
    add(80, 400)  # 80 ≤ 50 + 40: the statistics still describe the table well enough
    bulk.refresh_planner_statistics()
    assert planner_rows("core_setting") == 400
    add(20, 480)  # 100 since the last ANALYZE > 90
    bulk.refresh_planner_statistics()
    assert planner_rows("core_setting") == 500
    assert analyses("core_setting") == 2 + analysed_before["core_setting"]
    assert analyses("campaigns_campaign") == analysed_before["campaigns_campaign"]  # not touched: not analysed


@postgresql_only
@pytest.mark.django_db(transaction=True)  # committed rows, outside any transaction: as the commands run it
def test_outside_a_transaction_it_vacuums_the_rows_a_rewrite_left_behind(settings):
    settings.NPL_PG_LOCK_TIMEOUT = 0  # the command line and the worker (npl.cli)
    Setting.objects.bulk_create(Setting(key=f"tidy-{i}", value=str(i)) for i in range(400))
    Setting.objects.filter(key__startswith="tidy-").update(value="rewritten")  # 400 dead versions
    _, _, vacuums = relation("core_setting")
    assert bulk.tidy_after_bulk() is True
    # Whether the dead versions could be removed, and the pages marked all-visible, depends on the oldest
    # transaction anywhere that still sees them (CI's streaming replica reports its own): the VACUUM ran either way.
    _, _, after = relation("core_setting")
    assert after == vacuums + 1
    assert planner_rows("core_setting") == Setting.objects.count()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_web_process_gathers_the_statistics_only(settings):
    # A page's own small import: the person does not wait for a VACUUM, nor get a 503 for a saved import.
    settings.NPL_PG_LOCK_TIMEOUT = 20
    Setting.objects.create(key="tidy-web", value="1")
    _, _, vacuums = relation("core_setting")
    assert bulk.tidy_after_bulk() is False
    assert relation("core_setting")[2] == vacuums


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_failed_vacuum_is_logged_not_raised_what_was_written_stays(settings, monkeypatch, caplog):
    settings.NPL_PG_LOCK_TIMEOUT = 0
    Setting.objects.create(key="tidy-kept", value="1")
    monkeypatch.setattr(bulk, "_app_tables", lambda: "no_such_table_here")
    assert bulk.tidy_after_bulk() is False
    assert "VACUUM (ANALYZE) after a bulk write failed" in caplog.text and "no_such_table_here" in caplog.text
    assert Setting.objects.filter(key="tidy-kept").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("command", [("derive",), ("collection", "sweep")])
def test_the_commands_that_rewrite_derived_rows_tidy_after_them(command, monkeypatch):
    calls = []
    monkeypatch.setattr(bulk, "tidy_after_bulk", lambda: calls.append(command))
    call_command(*command, stdout=None)
    assert calls == [command]


@postgresql_only
@pytest.mark.django_db
def test_a_long_refresh_gathers_the_statistics_of_the_tables_it_fills_every_few_chunks():
    # A deriver's read of its own rows per chunk was planned as a scan of the whole table while the table had no
    # statistics: the table it was filling, so each chunk read more (bulk.GrowingTables).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_setting")
    before = analyses("core_setting")
    growing = bulk.GrowingTables(every=2)
    Setting.objects.bulk_create(Setting(key=f"grow-{i}", value="1") for i in range(300))
    growing.chunk_written(300)
    assert analyses("core_setting") == before  # the first chunk: not asked yet
    growing.chunk_written(0)
    assert analyses("core_setting") == before + 1
    assert planner_rows("core_setting") == Setting.objects.count()
    Setting.objects.filter(key__startswith="grow-").update(value="2")  # rewritten, none added: not asked
    growing.chunk_written(0)
    growing.chunk_written(0)
    assert analyses("core_setting") == before + 1
    Setting.objects.bulk_create(Setting(key=f"more-{i}", value="1") for i in range(10))
    growing.chunk_written(10)
    growing.chunk_written(0)  # asked: the 300 rewritten and 10 added since are more than 50 + 30
    assert analyses("core_setting") == before + 2


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["clocks", "suggestions"])
def test_the_derivers_that_read_their_own_rows_per_chunk_keep_the_statistics(name, loans, monkeypatch):
    from npl.advice import stored
    from npl.collection.clocks import store
    from npl.core import derived

    monkeypatch.setattr(store, "CHUNK", 2)
    monkeypatch.setattr(stored, "CHUNK", 2)
    chunks = []
    written = bulk.GrowingTables.chunk_written
    monkeypatch.setattr(bulk.GrowingTables, "chunk_written", lambda self, n: (chunks.append(self.every), written(self, n)))
    derived.refresh([loan.pk for loan in loans.values()], only=[name])
    assert chunks == [bulk.STATISTICS_EVERY] * 3  # five loans, two a chunk
