"""A page that waits on rows another transaction is writing gives up after a bound, and says why.

A large import, a sweep or a derive holds the rows it wrote until it commits: the loans' and the clocks'
stored totals per township (`core.totals`), the household counts of the whole district. A person confirming a
repayment or recording an action in that district meanwhile waits on the same rows; on PostgreSQL without a
bound until the import ends (minutes at a million loans), past any browser's or proxy's patience, and the
page fails with a bare timeout, the action lost without a word.

So a web process waits at most `NPL_PG_LOCK_TIMEOUT` seconds (default 20) for a lock (`lock_timeout`, set on
its PostgreSQL sessions by the settings), and SQLite at most its busy timeout (30 s). The `npl` command line
(imports, the sweep, derive, the demo, migrations) waits as long as it takes: `npl.cli` sets the bound to 0
(none) before the settings are read. `BusyMiddleware` then answers the page that gave up with a 503 and a
Chinese message (JSON for the API), its transaction rolled back: nothing was written, the person tries again.
"""
from django.conf import settings
from django.db import OperationalError
from django.http import JsonResponse
from django.shortcuts import render

MESSAGE = ("系统正忙：这些数据正由其他操作（如大批量导入、每日批处理）更新，本次操作未保存。"
           "请稍后（约几分钟）再试；如持续出现，请联系区金融办。")


def is_busy(exc: BaseException) -> bool:
    """True for a database error raised because a lock was not granted in time (nothing else)."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) == "55P03":  # PostgreSQL: lock_not_available (lock_timeout)
        return True
    return "database is locked" in str(exc) or "database table is locked" in str(exc)  # SQLite's busy timeout


class BusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_busy(exception):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": MESSAGE, "code": "busy"}, status=503, headers={"Retry-After": "60"},
                                json_dumps_params={"ensure_ascii": False})
        db = settings.DATABASES["default"]
        waited = db.get("OPTIONS", {}).get("timeout") if db["ENGINE"].endswith("sqlite3") else settings.NPL_PG_LOCK_TIMEOUT
        response = render(request, "busy.html", {"message": MESSAGE, "seconds": waited}, status=503)
        response["Retry-After"] = "60"
        return response
