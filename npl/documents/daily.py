"""The documents' part of the daily sweep (npl/core/daily.py): background batches nobody came back for are
removed on quiet days too."""
from npl.core.daily import DailyJob


def _purge(day):
    from npl.documents.tasks import purge_expired

    return {"document_batches_removed": purge_expired()}


JOB = DailyJob("documents", 30, _purge, (("document_batches_removed", "清理过期批量文书"),))
