"""Principal balance of every loan on any day D, as SQL expressions (DOMAIN.md "Reporting conventions").

Balance on D = the latest bank snapshot on or before D, less confirmed principal repaid after that
snapshot's day and on or before D. A loan with no snapshot on or before D does not exist on D (NULL).

Speed matters (reports run over a million loans), so the common case reads no other table:
Loan.principal_balance is kept equal to the latest snapshot less the confirmed repayments after it
(npl.loans.services.refresh_current, called by every import that writes snapshots or repayments), and
Loan.snapshot_date is that snapshot's day. So when the latest snapshot is on or before D and the
current balance is positive (not clamped at zero), the balance on D is the current balance plus the
repayments made after D; those are looked up only for loans repaid after D (Loan.last_repaid_on, kept
by refresh_current too). Other loans (re-snapshotted after D, or settled) take the long way: the
latest snapshot on or before D and the repayments after it, by subquery.
Anything that writes a Repayment or a LoanSnapshot must call refresh_current for the loans it touched.
"""
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, connections, router, transaction
from django.db.models import Case, DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from npl.collection.models import Repayment
from npl.core.money import CENT
from npl.loans.models import Loan, LoanSnapshot

MONEY = DecimalField(max_digits=18, decimal_places=2)
ZERO = Value(0, output_field=MONEY)
BALANCE = "balance"


def _latest_snapshot(day: dt.date, field: str, outer: str = "pk"):
    return Subquery(
        LoanSnapshot.objects.filter(loan_id=OuterRef(outer), as_of__lte=day).order_by("-as_of").values(field)[:1],
        output_field=MONEY if field == "principal_balance" else None,
    )


def _principal_sum(repayments):
    return Subquery(
        repayments.order_by().values("loan_id").annotate(total=Sum("principal")).values("total")[:1], output_field=MONEY
    )


def balance_expression(day: dt.date):
    """The expression (on a Loan queryset) of the principal balance on `day`; NULL if the loan did not exist."""
    confirmed = Repayment.objects.filter(confirmed=True)
    # Common case: current balance, plus what was repaid after the day (most loans: nothing). Which loans were repaid
    # after it is the loan's own column (Loan.last_repaid_on): an IN list of them was hashed by PostgreSQL only
    # while it fit in work_mem, and scanned once per loan past that (a report over a million loans for hours).
    after_day = confirmed.filter(paid_on__gt=day)
    current = F("principal_balance") + Case(
        When(last_repaid_on__gt=day, then=Coalesce(_principal_sum(after_day.filter(loan_id=OuterRef("pk"))), ZERO)),
        default=ZERO,
        output_field=MONEY,
    )
    # Long way: the latest snapshot on or before the day, less the repayments after it up to the day.
    since_snapshot = confirmed.filter(
        loan_id=OuterRef("pk"), paid_on__lte=day, paid_on__gt=_latest_snapshot(day, "as_of", OuterRef("pk"))
    )
    long_way = _latest_snapshot(day, "principal_balance") - Coalesce(_principal_sum(since_snapshot), ZERO)
    return Case(
        When(Q(snapshot_date__lte=day, principal_balance__gt=0), then=current), default=long_way, output_field=MONEY
    )


def with_balance(qs: QuerySet | None = None, day: dt.date | None = None, *, name: str = BALANCE) -> QuerySet:
    """Annotate loans with `name`: their principal balance on `day` (NULL when the loan did not exist)."""
    from django.utils import timezone

    day = day or timezone.localdate()
    qs = Loan.objects.all() if qs is None else qs
    return qs.annotate(**{name: balance_expression(day)})


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


def aggregate_over(
    inner: QuerySet, selects: dict[str, str], *, group_by=(), where: str = "", joins: tuple = ()
) -> list[dict]:
    """Aggregate the rows of a values() queryset in one SQL statement.

    `inner` computes one row per loan (balances and flags as ORM expressions); `selects` maps result
    names to aggregate SQL over its columns, written as t.<column>. Wrapping keeps each per-loan
    expression computed once per row, however many figures are taken from it. `joins` are
    (SQL, params) pairs appended after the FROM (e.g. a LEFT JOIN to a derived table).
    """
    # A fence against subquery flattening: flattened, every reference to t.balance or a flag would
    # repeat its whole expression (subplans included) in the outer aggregate, once per figure.
    sql, params = fenced_sql(inner)
    groups = [f"t.{_q(g)}" for g in group_by]
    cols = [f"{g} AS {_q(name)}" for g, name in zip(groups, group_by)]
    cols += [f"{expr} AS {_q(name)}" for name, expr in selects.items()]
    out = f"SELECT {', '.join(cols)} FROM ({sql}) t"
    params = tuple(params)
    for join_sql, join_params in joins:
        out += f" {join_sql}"
        params += tuple(join_params)
    if where:
        out += f" WHERE {where}"
    if groups:
        out += f" GROUP BY {', '.join(groups)}"
    return run_sql(out, params, using=inner.db)


def fenced_sql(qs: QuerySet) -> tuple[str, tuple]:
    """A queryset's SQL, fenced so the database computes each row once (see aggregate_over)."""
    sql, params = qs.order_by().query.sql_with_params()
    return sql + (" OFFSET 0" if connection.vendor == "postgresql" else " LIMIT -1 OFFSET 0"), params


def run_sql(sql: str, params, using: str | None = None) -> list[dict]:
    """Run a report statement; rows as dicts. On the database the router reads loans from (`using` to choose):
    a replica on the report pages (npl.core.routers), the primary everywhere else."""
    using = using or router.db_for_read(Loan)
    with transaction.atomic(using=using), connections[using].cursor() as cur:
        if connections[using].vendor == "postgresql":
            # PostgreSQL's JIT would spend seconds compiling the hundred small subplans of these
            # statements to save milliseconds running them; off for this transaction only.
            cur.execute("SELECT set_config('jit', 'off', true)")
        cur.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def col(name: str) -> str:
    """t.<quoted column> for aggregate_over() select expressions."""
    return f"t.{_q(name)}"
