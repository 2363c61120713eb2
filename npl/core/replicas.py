"""Reads from PostgreSQL streaming replicas for the report pages (docs/scale.md).

Which reads go to a replica is decided per request, here, and nowhere else:

* `ReplicaMiddleware` marks a GET or HEAD of a page in `REPLICA_VIEWS` (reports, dashboards, bulletins, the
  category report, the clock pages and their exports) as "may read from a replica". Every other request, the
  background worker and the command line read from the primary.
* A person who has just written — any POST (or other unsafe method), or any request that asked the router for
  a write — gets a signed cookie that keeps their reads on the primary for `NPL_REPLICA_STICKY_SECONDS`: they
  see what they just did, whatever the replica's delay.
* Inside a request that may read from a replica, `npl.core.routers.ReplicaRouter` still reads from the primary
  in a transaction, after the request's own first write, and for the live state of sessions, login lockouts,
  users and tasks (`PRIMARY_ONLY`).
* A replica is used only when it is a standby (`pg_is_in_recovery()`), still receives from the primary and
  replays no more than `NPL_REPLICA_MAX_LAG_SECONDS` behind it (`pg_last_xact_replay_timestamp()`; no lag
  when it has replayed all it received). The check runs at most every `NPL_REPLICA_CHECK_SECONDS` per
  process; a replica that fails it, or whose connection fails during a page (the page is then answered again
  from the primary), is left alone for `NPL_REPLICA_RETRY_SECONDS`.
"""
import logging
import random
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db import Error as DatabaseError

log = logging.getLogger("npl.replicas")

# The pages whose reads may come from a replica, by URL name ("namespace:name"). They only read (a GET); a
# figure a few seconds old is right for them, since they report on days, weeks and snapshots. Pages a person
# acts from (a loan, the 处置 page, queues, worklists, forms) are not here: they read from the primary.
REPLICA_VIEWS = frozenset({
    "home",                               # the dashboard per role
    "reports:index",                      # published bulletins
    "reports:daily",                      # 日调度
    "reports:weekly",                     # 周通报
    "reports:download",                   # bulletin as Word / Excel / PDF
    "reports:chart",
    "reports:trend_svg",
    "reports:township_trend_svg",
    "reports:categories_svg",
    "reports:states_svg",
    "categories:report",                  # 九类特殊贷款 report
    "categories:export_xlsx",
    "categories:export_docx",
    "categories:township_report",
    "categories:loans",                   # a category's loans (the report's drill-down)
    "collection:clock_alerts",            # the legal clocks' alert lists
    "collection:clock_alerts_xlsx",
    "campaigns:detail",                   # a campaign's summary figures
    "campaigns:export_xlsx",
    "refinance:timing",                   # refinancing timing per branch
})

# Live state, never from a replica: a session or a lockout written a moment ago must be seen at once.
PRIMARY_ONLY = frozenset({"sessions", "axes", "django_tasks_database", "accounts.user"})

COOKIE = "npl_primary_until"
SALT = "npl.core.replicas"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# One query tells whether a replica may serve: a standby, receiving from the primary, and its delay in seconds.
# With all it received replayed the delay is 0 (an idle primary sends nothing, and the last replayed commit
# then grows old without the replica being behind).
HEALTH_SQL = """
SELECT pg_is_in_recovery(),
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver),
       CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 'Infinity')
       END
"""


@dataclass
class RequestState:
    """What one request may read from, and what it did."""

    may_use_replica: bool = False
    alias: str | None = None  # the replica this request reads from, once chosen; DEFAULT_DB_ALIAS for none
    wrote: bool = False


@dataclass
class Health:
    """The last check of one replica in this process."""

    ok: bool
    reason: str
    lag: float | None
    until: float  # time.monotonic() until which the result stands


_current: ContextVar[RequestState | None] = ContextVar("npl_replica_request", default=None)
_health: dict[str, Health] = {}
_health_lock = threading.Lock()


def aliases() -> list[str]:
    """The replica aliases the router may read from (settings.NPL_REPLICA_ALIASES: replica1..n)."""
    return list(getattr(settings, "NPL_REPLICA_ALIASES", ()))


def current() -> RequestState | None:
    return _current.get()


@contextmanager
def reading_from_replica():
    """Reads in this block may come from a replica, as in a page of REPLICA_VIEWS (benchmarks, scripts)."""
    token = _current.set(RequestState(may_use_replica=True))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def forget() -> None:
    """Drop every stored check: the next read checks the replicas again."""
    with _health_lock:
        _health.clear()


def health(alias: str) -> Health | None:
    return _health.get(alias)


def _close(alias: str) -> None:
    try:
        connections[alias].close()
    except DatabaseError:  # a dead connection may fail to close; it is dropped either way
        pass


def mark_down(alias: str, reason: str, lag: float | None = None) -> Health:
    """Leave `alias` alone for NPL_REPLICA_RETRY_SECONDS; its connection is closed."""
    log.warning("replica %s skipped for %ss: %s", alias, settings.NPL_REPLICA_RETRY_SECONDS, reason)
    result = Health(False, reason, lag, time.monotonic() + settings.NPL_REPLICA_RETRY_SECONDS)
    with _health_lock:
        _health[alias] = result
    _close(alias)
    return result


def check(alias: str) -> Health:
    """Ask `alias` whether it is a standby, receiving and close enough behind; the answer is kept a while."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(HEALTH_SQL)
            in_recovery, receiving, lag = cursor.fetchone()
    except DatabaseError as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return mark_down(alias, f"does not answer ({first_line})")
    lag = float(lag) if lag is not None else None
    if not in_recovery:
        reason = "is not a standby (pg_is_in_recovery() is false): promoted, or not a replica"
    elif not receiving:
        reason = "receives nothing from the primary (no WAL receiver)"
    elif lag is None or lag > settings.NPL_REPLICA_MAX_LAG_SECONDS:
        reason = f"replays {lag:.1f} s behind the primary (limit {settings.NPL_REPLICA_MAX_LAG_SECONDS} s)"
    else:
        result = Health(True, "", lag, time.monotonic() + settings.NPL_REPLICA_CHECK_SECONDS)
        with _health_lock:
            _health[alias] = result
        return result
    return mark_down(alias, reason, lag)


def usable(alias: str) -> bool:
    known = _health.get(alias)
    if known is not None and known.until > time.monotonic():
        return known.ok
    return check(alias).ok


def choose() -> str:
    """A replica that answers and is close enough behind, in random order (load spread); else the primary."""
    candidates = aliases()
    random.shuffle(candidates)
    for alias in candidates:
        if usable(alias):
            return alias
    return DEFAULT_DB_ALIAS


def sticky(request) -> bool:
    """Whether this person wrote within NPL_REPLICA_STICKY_SECONDS (the signed cookie says until when)."""
    until = request.get_signed_cookie(COOKIE, default=None, salt=SALT)
    try:
        return until is not None and float(until) > time.time()
    except ValueError:
        return False


class ReplicaMiddleware:
    """Marks the report pages' reads for a replica; keeps a writer on the primary; retries a page whose
    replica failed during it on the primary. Does nothing when no replica is configured."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not aliases():
            return self.get_response(request)
        state = RequestState()
        token = _current.set(state)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if request.method not in SAFE_METHODS or state.wrote:
            seconds = settings.NPL_REPLICA_STICKY_SECONDS
            response.set_signed_cookie(
                COOKIE, f"{time.time() + seconds:.3f}", salt=SALT, max_age=seconds, httponly=True,
                samesite="Lax", secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        state = _current.get()
        match = request.resolver_match
        if (
            state is not None and request.method in ("GET", "HEAD") and match is not None
            and match.view_name in REPLICA_VIEWS and not sticky(request)
        ):
            state.may_use_replica = True
        return None

    def process_exception(self, request, exception):
        """A replica's connection failed during the page: leave it alone a while, answer from the primary."""
        state = _current.get()
        if (
            state is None or not isinstance(exception, DatabaseError)
            or state.alias in (None, DEFAULT_DB_ALIAS) or state.wrote
            # Django flags the connection an error came from (reset when it reconnects): the primary's own
            # errors are not the replica's fault and are not retried.
            or not connections[state.alias].errors_occurred
        ):
            return None
        mark_down(state.alias, f"failed during {request.path} ({type(exception).__name__}: {exception})")
        state.may_use_replica, state.alias = False, DEFAULT_DB_ALIAS
        match = request.resolver_match
        response = match.func(request, *match.args, **match.kwargs)
        if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
            response = response.render()
        return response
