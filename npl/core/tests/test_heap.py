"""The collector skips what was alive at a bulk block's start, until the outermost block ends (core.heap)."""
import gc

from npl.core import heap


def test_objects_alive_at_a_settled_blocks_start_are_out_of_the_collectors_reach_until_it_ends():
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with heap.settled():
        frozen = gc.get_freeze_count()
        assert frozen > 0
        made_inside = [[i] for i in range(1000)]
        with heap.settled():  # a deriver's refresh inside the demo
            heap.settle_now()
            assert gc.get_freeze_count() >= frozen + len(made_inside)
        assert gc.get_freeze_count() >= frozen + len(made_inside)  # the inner block's end releases nothing
    assert gc.get_freeze_count() == 0


def test_settle_now_outside_a_block_freezes_nothing():
    gc.unfreeze()
    heap.settle_now()
    assert gc.get_freeze_count() == 0
