"""Principal balance of every loan on any day D, as SQL expressions (DOMAIN.md "Reporting conventions").

Balance on D = the latest bank snapshot on or before D, less confirmed principal repaid after that
snapshot's day and on or before D. A loan with no snapshot on or before D does not exist on D (NULL).

Speed matters (reports run over a million loans), so the common case avoids per-row subqueries:
- Loan.snapshot_date is the day of the loan's latest snapshot; when it is on or before D, that snapshot
  is joined (one hash join) instead of searched for; only loans re-snapshotted after D use a subquery.
- Repayments are looked up only for loans that have any confirmed repayment on or before D (an
  uncorrelated IN list the database hashes once); the others subtract nothing.
"""
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from npl.collection.models import Repayment
from npl.core.money import CENT
from npl.loans.models import Loan, LoanSnapshot

MONEY = DecimalField(max_digits=18, decimal_places=2)
ZERO = Value(0, output_field=MONEY)

# Annotation names used below; prefixed so they do not collide with callers' own annotations.
SNAP = "_bal_snap"
SNAP_DAY = "bal_snapshot_day"
BALANCE = "balance"


def _latest_snapshot(day: dt.date, field: str):
    return Subquery(
        LoanSnapshot.objects.filter(loan_id=OuterRef("pk"), as_of__lte=day).order_by("-as_of").values(field)[:1],
        output_field=MONEY if field == "principal_balance" else None,
    )


def _use_join(day: dt.date) -> Q:
    # The joined row is the latest snapshot overall; it is the latest on D when it is not after D.
    return Q(snapshot_date__lte=day, **{f"{SNAP}__isnull": False})


def with_balance(qs: QuerySet | None = None, day: dt.date | None = None, *, name: str = BALANCE) -> QuerySet:
    """Annotate loans with `name` (their principal balance on `day`, NULL when the loan does not exist
    on `day`) and `bal_snapshot_day` (the day of the snapshot that balance starts from)."""
    from django.utils import timezone

    day = day or timezone.localdate()
    qs = Loan.objects.all() if qs is None else qs
    qs = qs.annotate(**{SNAP: FilteredRelation("snapshots", condition=Q(snapshots__as_of=F("snapshot_date")))})
    snap_day = Case(When(_use_join(day), then=F("snapshot_date")), default=_latest_snapshot(day, "as_of"))
    snap_balance = Case(
        When(_use_join(day), then=F(f"{SNAP}__principal_balance")),
        default=_latest_snapshot(day, "principal_balance"),
        output_field=MONEY,
    )
    qs = qs.annotate(**{SNAP_DAY: snap_day})
    repaid_after_snapshot = Subquery(
        Repayment.objects.filter(
            loan_id=OuterRef("pk"), confirmed=True, paid_on__gt=OuterRef(SNAP_DAY), paid_on__lte=day
        )
        .order_by()
        .values("loan_id")
        .annotate(total=Sum("principal"))
        .values("total")[:1],
        output_field=MONEY,
    )
    paid_by_day = Repayment.objects.filter(confirmed=True, paid_on__lte=day).values("loan_id")
    repaid = Case(When(pk__in=paid_by_day, then=Coalesce(repaid_after_snapshot, ZERO)), default=ZERO, output_field=MONEY)
    return qs.annotate(**{name: snap_balance - repaid})


def balance_on(loan: Loan, day: dt.date):
    """One loan's principal balance on `day` (Decimal), or None when it does not exist that day."""
    row = with_balance(Loan.objects.filter(pk=loan.pk), day).values(BALANCE).first()
    if row is None or row[BALANCE] is None:
        return None
    return Decimal(row[BALANCE]).quantize(CENT, rounding=ROUND_HALF_UP)


def exists_on(day: dt.date) -> Exists:
    """True for loans that exist on `day` (a snapshot on or before it)."""
    return Exists(LoanSnapshot.objects.filter(loan_id=OuterRef("pk"), as_of__lte=day))


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def sum_cents(expr_sql: str) -> str:
    """SQL summing an amount exactly into whole cents (SQLite keeps decimals as floats: round each first)."""
    if connection.vendor == "sqlite":
        return f"SUM(CAST(ROUND(({expr_sql}) * 100) AS INTEGER))"
    return f"SUM({expr_sql}) * 100"


def from_cents(value) -> Decimal:
    """Whole cents from sum_cents() → 元 (Decimal, 2 places); NULL (nothing summed) → 0.00."""
    return (Decimal(value or 0) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def aggregate_over(inner: QuerySet, selects: dict[str, str], *, group_by=(), where: str = "") -> list[dict]:
    """Aggregate the rows of a values() queryset in one SQL statement.

    `inner` computes one row per loan (balances and flags as ORM expressions); `selects` maps result
    names to aggregate SQL over its columns, written as t.<column>. Wrapping keeps each per-loan
    expression computed once per row, however many figures are taken from it.
    """
    sql, params = inner.order_by().query.sql_with_params()
    groups = [f"t.{_q(g)}" for g in group_by]
    cols = [f"{g} AS {_q(name)}" for g, name in zip(groups, group_by)]
    cols += [f"{expr} AS {_q(name)}" for name, expr in selects.items()]
    out = f"SELECT {', '.join(cols)} FROM ({sql}) t"
    if where:
        out += f" WHERE {where}"
    if groups:
        out += f" GROUP BY {', '.join(groups)}"
    with connection.cursor() as cur:
        cur.execute(out, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def col(name: str) -> str:
    """t.<quoted column> for aggregate_over() select expressions."""
    return f"t.{_q(name)}"
