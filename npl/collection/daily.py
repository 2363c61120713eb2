"""The collection's part of the daily sweep (npl/core/daily.py): promises, plans, suspensions, guarantors."""
from npl.core.daily import DailyJob


def _sweep(day):
    from npl.collection.services import sweep

    return sweep(day)


JOB = DailyJob("collection", 10, _sweep, (
    ("promises_kept", "承诺履行"), ("promises_broken", "承诺违约"), ("instalments_paid", "分期还清"),
    ("instalments_missed", "分期逾期"), ("plans_broken", "计划违约"), ("plans_completed", "计划履行完毕"),
    ("suspensions_ended", "恢复计息"), ("guarantors_released", "保证人解除"),
))
