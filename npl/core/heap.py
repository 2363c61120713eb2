"""Long bulk computations and Python's cyclic garbage collector.

Python's collector walks every tracked object of a generation when it runs, and it runs after every few hundred
allocations. A bulk computation (a deriver over 100,000 loans, the demo holding its whole generated district)
allocates millions of objects while millions more stay alive beside it, so each full collection walked them all
again and found nothing: 28 % of the 100k demo's CPU and 60 % of `npl derive --only suggestions` was the collector
(py-spy; `gc.callbacks`). Objects alive when a `settled()` block starts are moved out of the collector's reach
(`gc.freeze`) until the outermost block ends (`gc.unfreeze`); what the block itself allocates is collected as
before. Nothing is freed late except cycles among objects that were alive at the start.
"""
import contextlib
import gc
import threading

_local = threading.local()


@contextlib.contextmanager
def settled():
    """Within the block the collector skips every object alive at its start (and at any nested block's start)."""
    depth = getattr(_local, "depth", 0)
    _local.depth = depth + 1
    gc.freeze()
    try:
        yield
    finally:
        _local.depth = depth
        if depth == 0:
            gc.unfreeze()


def settle_now() -> None:
    """Inside a `settled()` block: what is alive now is skipped too, until the outermost block ends."""
    if getattr(_local, "depth", 0):
        gc.freeze()
