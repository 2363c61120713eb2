"""Derived state as data (issue 16): what is computed from the events is stored as rows and kept current.

Each app that owns a derived figure (a loan's category memberships, its legal clocks, its open suggestions,
the counts dashboards show) registers a `Deriver` in its AppConfig.ready(). The events that change a figure
call `refresh(loan_ids)` inside their own transaction, as the last step of the service or import; the
daily sweep calls `refresh()` (all loans) for what the passing of time changes. Pages, the API and the
commands read the stored rows. `check()` recomputes everything from the events and lists where the stored
rows differ (`npl derive --check`); 0 differences is the invariant the test suite and the demo keep.

Layering: this module is in `core`, so any app may call `refresh` without importing the apps above it; the
derivers run in their `order` (memberships before clocks before suggestions before counts), each reading
what the earlier ones stored.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from npl.core import bulk, heap


@dataclass(frozen=True)
class Difference:
    """One place where the stored rows and a fresh computation disagree."""

    deriver: str
    loan_id: int | None  # None: a figure not of one loan (a township's count)
    key: str  # what differs: a category code, a clock field, a rule code, a count name
    stored: object
    computed: object

    def text(self) -> str:
        who = f"贷款#{self.loan_id}" if self.loan_id is not None else "汇总"
        return f"{self.deriver}：{who} {self.key} 存储为 {self.stored!r}，重算为 {self.computed!r}"


class Deriver:
    """One kind of stored derived rows: how to bring them up to date, and how to check them."""

    name: str = ""  # short English name, used by `npl derive --only`
    label: str = ""  # Chinese name shown in reports
    order: int = 100  # lower runs first: later derivers read what earlier ones stored
    # What its rows are computed from besides a loan's own events (SOURCES), and the derivers it reads: a
    # refresh with one of these sources runs it, and so does a refresh that runs a deriver it reads.
    reads: frozenset[str] = frozenset()

    def refresh(self, loan_ids: set[int] | None, day: dt.date) -> int:
        """Recompute and store the rows of these loans (None: every loan) as of `day`; return how many
        stored rows changed (inserted, updated or deleted)."""
        raise NotImplementedError

    def differences(self, day: dt.date) -> Iterator[Difference]:
        """Recompute every loan's rows as of `day` in memory and yield where the stored rows differ."""
        raise NotImplementedError


class TriggerKept(Deriver):
    """Rows the database's triggers keep in the statement that writes what they count (`loans.households`,
    `categories.totals`): a loan's refresh has nothing left to do; a full refresh (the daily sweep, `npl derive`)
    refills them only if they differ from a recompute (they should not)."""

    def fill(self) -> int:
        """Recompute every row from what it counts; return how many rows are stored."""
        raise NotImplementedError

    def refresh(self, loan_ids: set[int] | None, day: dt.date) -> int:
        if loan_ids is not None or next(self.differences(day), None) is None:
            return 0
        return self.fill()


# The kinds of change a refresh names (its `source`). "loan" is any change of a loan or its events (a repayment,
# an action, a case stage, an import of loans…): every deriver runs. The others change figures of many loans
# at once without touching them, and run only the derivers that read them (and those downstream).
SOURCES = {
    "loan": "贷款或其历史的变动",
    "roster": "名单（公职人员、特殊户、死亡、服刑、失联、空挂户）",
    "loanlist": "银行提供的冒名/员工贷款清单",
    "manual": "人工认定的类别增减",
    "threshold": "大额抵押门槛",
    "calendar": "节假日安排",
    "rules": "建议规则",
    "likelihood": "还款可能性模型",
    "assignment": "清收责任人",
}

_REGISTRY: dict[str, Deriver] = {}


def register(deriver: Deriver) -> Deriver:
    """Add a deriver (from an AppConfig.ready()); registering a name again replaces it."""
    if not deriver.name:
        raise ValueError("a Deriver needs a name")
    _REGISTRY[deriver.name] = deriver
    return deriver


def derivers(only: Iterable[str] | None = None) -> list[Deriver]:
    """The registered derivers in their order (or just the named ones; an unknown name is a ValueError)."""
    if only is not None:
        only = list(only)
        unknown = [n for n in only if n not in _REGISTRY]
        if unknown:
            raise ValueError(f"未知的派生数据：{'、'.join(unknown)}（可选：{'、'.join(sorted(_REGISTRY))}）")
    chosen = [d for d in _REGISTRY.values() if only is None or d.name in only]
    return sorted(chosen, key=lambda d: (d.order, d.name))


@dataclass
class _Pending:
    """Refreshes asked for inside a deferred() block, run once when it ends."""

    everything: set[str] = field(default_factory=set)  # deriver names to run over all loans
    loans: dict[str, set[int]] = field(default_factory=dict)  # deriver name → loan ids
    depth: int = 0


_local = threading.local()
# Counts the refreshes services asked for (tests check the stored rows after any test that asked for one).
stats = {"refreshes": 0}


def _pending() -> _Pending | None:
    return getattr(_local, "pending", None)


def today() -> dt.date:
    """The day stored rows are computed for: today in Asia/Shanghai."""
    return timezone.localdate()


def affected(source: str) -> list[Deriver]:
    """The derivers a change of `source` reaches: those reading it, then those reading them, in order."""
    if source not in SOURCES:
        raise ValueError(f"unknown derived-state source {source!r}")
    chosen: list[Deriver] = []
    for d in derivers():
        if source == "loan" or source in d.reads or any(c.name in d.reads for c in chosen):
            chosen.append(d)
    return chosen


def refresh(loan_ids: Iterable[int] | None = None, *, source: str = "loan", only: Iterable[str] | None = None,
            day: dt.date | None = None, setup: bool = False) -> dict[str, int]:
    """Bring the stored derived rows of these loans (None: every loan) up to date, in the caller's transaction.

    Call it as the last step of a service or import that changed something a derived figure reads, naming
    what changed (`source`, one of SOURCES) when it is not a loan's own data. Inside a
    `deferred()` block the work is collected and runs once at the block's end. Returns deriver name → rows
    changed (empty when deferred or when there is nothing to do). `setup=True` (test builders) does not count
    as a scenario for the after-test check.
    """
    if not setup:
        stats["refreshes"] += 1
    chosen = derivers(only) if only is not None else affected(source)
    ids = None if loan_ids is None else {int(i) for i in loan_ids}
    if ids is not None and not ids:
        return {}
    pending = _pending()
    if pending is not None and day is None:
        for d in chosen:
            if ids is None:
                pending.everything.add(d.name)
            elif d.name not in pending.everything:
                pending.loans.setdefault(d.name, set()).update(ids)
        return {}
    return _run(chosen, ids, day or today())


def _run(chosen: list[Deriver], ids: set[int] | None, day: dt.date) -> dict[str, int]:
    changed = {}
    with transaction.atomic():
        for d in chosen:
            changed[d.name] = _refresh_one(d, ids, day)
    return changed


# --- completeness: the day every loan's rows were last computed for ------------------------------------------
# A deriver writes only the rows that changed, so a row's own date does not say its figures hold today: a
# category can start at midnight (a roster entry's end date passes), a due date becomes overdue. The rows
# answer for today only when a refresh of EVERY loan ran today (the daily sweep, `npl derive`, a calendar or
# rule change); between midnight and the sweep, readers compute instead (slower, never wrong).
COMPLETE_KEY = "derived_complete:{}"


def complete_on(name: str) -> dt.date | None:
    """The day `name`'s rows were last computed for every loan (None: never). Inside `one_reading()` (a request)
    every deriver's day is read in one query, once."""
    from npl.core.models import Setting

    if getattr(_local, "reading", 0):
        if getattr(_local, "marks", None) is None:
            prefix = COMPLETE_KEY.format("")
            _local.marks = {k[len(prefix):]: v for k, v in Setting.objects.filter(key__startswith=prefix).values_list("key", "value")}
        value = _local.marks.get(name)
    else:
        value = Setting.objects.filter(key=COMPLETE_KEY.format(name)).values_list("value", flat=True).first()
    return dt.date.fromisoformat(value) if value else None


def complete_annotations() -> dict:
    """Annotations reading every registered deriver's completeness day, for a query a page makes anyway (the
    loan page's fetch of its loan): with `take_complete` its reading costs no query of its own."""
    from django.db.models import Subquery

    from npl.core.models import Setting

    return {f"derived_complete_{name}": Subquery(Setting.objects.filter(key=COMPLETE_KEY.format(name)).values("value")[:1])
            for name in _REGISTRY}


def take_complete(row) -> None:
    """Inside `one_reading()` with nothing read yet: take the days from `row`'s `complete_annotations` (read in
    the same request, as the one query would have been) instead of querying them."""
    if not getattr(_local, "reading", 0) or getattr(_local, "marks", None) is not None:
        return
    marks = {}
    for name in _REGISTRY:
        attribute = f"derived_complete_{name}"
        if not hasattr(row, attribute):
            return  # not fetched with the annotations: complete_on reads them
        if getattr(row, attribute):
            marks[name] = getattr(row, attribute)
    _local.marks = marks


@contextlib.contextmanager
def one_reading():
    """Read the completeness days at most once in the block: a page asks for several derivers' (its categories,
    its suggestions). Only for a short unit of work such as one request (`ReadingMiddleware`): a sweep finishing
    meanwhile is seen by the next request, which is the safe direction (readers compute until then)."""
    _local.reading = getattr(_local, "reading", 0) + 1
    try:
        yield
    finally:
        _local.reading -= 1
        if not _local.reading:
            _local.marks = None


class ReadingMiddleware:
    """Each request is one reading of the completeness days (`one_reading`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with one_reading():
            return self.get_response(request)


def current(name: str, day: dt.date | None = None) -> bool:
    """Whether `name`'s stored rows answer for `day` (default today): it is today, and every loan's rows were
    computed today. Readers of stored rows ask this first and compute when it is False."""
    day = day or today()
    return day == today() and complete_on(name) == day


def _mark_complete(name: str, day: dt.date) -> None:
    from npl.core.models import Setting

    _local.marks = None  # a reading in progress sees the new day
    Setting.objects.update_or_create(key=COMPLETE_KEY.format(name), defaults={
        "value": day.isoformat(), "description": f"派生数据“{name}”按全部贷款计算到的日期（自动维护）"})


def _refresh_one(d: Deriver, ids: set[int] | None, day: dt.date) -> int:
    """One deriver's refresh. A partial refresh before the rows were ever complete (a fresh database's first
    import) covers every loan, so the rows become complete; a full one marks them complete for `day`."""
    if ids is not None and complete_on(d.name) is None:
        ids = None
    with heap.settled():  # the loans' facts of a bulk refresh: see core.heap
        n = d.refresh(None if ids is None else set(ids), day)
    if ids is None:
        _mark_complete(d.name, day)
    return n


@contextlib.contextmanager
def deferred():
    """Collect the refreshes of a bulk operation (an import, the sweep) and run each deriver once, over the
    union of the loans, before the block's transaction commits. Nested blocks run at the outermost end."""
    pending = _pending()
    outer = pending is None
    if outer:
        pending = _Pending()
        _local.pending = pending
    pending.depth += 1
    try:
        with transaction.atomic(), (bulk.checks_per_statement() if outer else contextlib.nullcontext()):
            yield pending
            if outer:
                _local.pending = None
                _flush(pending)
    finally:
        pending.depth -= 1
        if outer:
            _local.pending = None


def _flush(pending: _Pending) -> None:
    day = today()
    with transaction.atomic():
        for d in derivers():
            if d.name in pending.everything:
                _refresh_one(d, None, day)
            elif pending.loans.get(d.name):
                _refresh_one(d, set(pending.loans[d.name]), day)


@dataclass
class CheckResult:
    """What `check` found: per deriver its differences (capped at `limit` examples) and their count."""

    day: dt.date
    counts: dict[str, int]
    examples: dict[str, list[Difference]]
    seconds: dict[str, float]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def check(*, only: Iterable[str] | None = None, day: dt.date | None = None, limit: int = 20) -> CheckResult:
    """Recompute every registered figure from the events and compare with the stored rows."""
    day = day or today()
    counts, examples, seconds = {}, {}, {}
    for d in derivers(only):
        started = time.perf_counter()
        n, shown = 0, []
        with heap.settled():
            for diff in d.differences(day):
                n += 1
                if len(shown) < limit:
                    shown.append(diff)
        counts[d.name], examples[d.name] = n, shown
        seconds[d.name] = time.perf_counter() - started
    return CheckResult(day=day, counts=counts, examples=examples, seconds=seconds)


def rebuild(*, only: Iterable[str] | None = None, day: dt.date | None = None) -> dict[str, tuple[int, float]]:
    """Recompute and store every loan's rows (the daily sweep, `npl derive`); deriver → (rows changed, seconds)."""
    day = day or today()
    out = {}
    for d in derivers(only):
        started = time.perf_counter()
        with transaction.atomic():
            n = _refresh_one(d, None, day)
        out[d.name] = (n, time.perf_counter() - started)
    return out
