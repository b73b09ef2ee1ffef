"""sccscore.parallel.in_order: results in the items' order, and no more in hand than asked for."""

import threading
import time
from contextlib import closing

import pytest

from sccscore.parallel import in_order


class _Watched:
    """Work that records what started, what finished, and what was in hand (started, its result not yet taken)."""

    def __init__(self, seconds=lambda item: 0.01, fail_at=None):
        self.seconds, self.fail_at = seconds, fail_at
        self.lock = threading.Lock()
        self.started, self.finished, self.in_hand, self.most = [], [], set(), 0

    def __call__(self, item):
        with self.lock:
            self.started.append(item)
            self.in_hand.add(item)
            self.most = max(self.most, len(self.in_hand))
        time.sleep(self.seconds(item))
        with self.lock:
            self.finished.append(item)
        if item == self.fail_at:
            raise ValueError(f"item {item} failed")
        return item

    def take(self, item):
        """The result taken: the items in hand as it is, then it leaves them."""
        with self.lock:
            in_hand = set(self.in_hand)
            self.in_hand.discard(item)
        return in_hand


def test_results_come_in_the_items_order_though_they_finish_out_of_it():
    work = _Watched(seconds=lambda item: 0.05 * (4 - item % 4))  # each item of four takes less than the one before
    results = []
    for result in in_order(work, range(12), threads=3):
        work.take(result)
        results.append(result)
    assert results == list(range(12))
    assert work.finished != sorted(work.finished)  # they did finish out of order
    assert work.most == 3  # three ran side by side, never more


def test_what_is_in_hand_stays_within_the_budget():
    costs = {0: 4, 1: 4, 2: 4, 3: 15, 4: 1, 5: 1, 6: 1, 7: 1}  # item 3 costs more than the budget
    work = _Watched(seconds=lambda item: 0.05)
    in_hand_costs = {}
    for result in in_order(work, range(8), threads=4, cost=costs.get, budget=10):
        in_hand_costs[result] = sum(costs[item] for item in work.take(result))
    assert in_hand_costs[3] == 15  # it ran alone
    assert max(in_hand_costs[item] for item in costs if item != 3) <= 10
    assert in_hand_costs[0] == 8 and in_hand_costs[4] >= 3  # not one at a time: two of 4, then several of 1

def test_an_error_is_raised_at_its_item_and_nothing_starts_after_it():
    work = _Watched(fail_at=2)
    results = []
    with pytest.raises(ValueError, match="item 2 failed"):
        for result in in_order(work, range(20), threads=3):
            results.append(result)
    assert results == [0, 1]
    assert sorted(work.started) == sorted(work.finished) and max(work.started) <= 4  # at most three ahead of 2


def test_a_caller_that_stops_taking_results_leaves_nothing_running():
    """As a classify run stopped by its progress callback (Ctrl-C) or a spread it may not skip (--strict)."""
    work = _Watched(seconds=lambda item: 0.1)
    with closing(in_order(work, range(20), threads=4)) as results:
        assert next(results) == 0
    # closed: what had started has finished, and nothing else started
    assert sorted(work.finished) == sorted(work.started) == [0, 1, 2, 3]
