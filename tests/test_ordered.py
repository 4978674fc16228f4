from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from audiobook.ordered import in_order


def _done(value: str) -> Future[str]:
    future: Future[str] = Future()
    future.set_result(value)
    return future


def test_results_come_back_in_input_order_and_are_reported_as_they_finish() -> None:
    gates = [threading.Event() for _ in range(4)]
    reported: list[int] = []

    def slow(i: int) -> str:
        gates[i].wait(5)
        return f"r{i}"

    with ThreadPoolExecutor(4) as pool:
        futures = {i: pool.submit(slow, i) for i in (0, 2, 3)}
        jobs = iter([(0, futures[0]), (1, "hit"), (2, futures[2]), (3, futures[3])])
        stream = in_order(jobs, 10, lambda i, _f: reported.append(i))
        for i in (3, 2):  # the tail finishes first
            gates[i].set()
            futures[i].result()
        gates[0].set()
        first = next(stream)
        # Everything finished by now was reported, not only the head.
        assert first == (0, futures[0]) and sorted(reported) == [0, 2, 3]
        rest = list(stream)
    assert [i for i, _ in rest] == [1, 2, 3]
    assert rest[0][1] == "hit" and [f.result() for _, f in rest[1:]] == ["r2", "r3"]


def test_no_more_than_the_window_is_started_ahead() -> None:
    pulled: list[int] = []

    def jobs() -> Iterator[tuple[int, Future[str]]]:
        for i in range(20):
            pulled.append(i)
            yield i, _done(str(i))

    stream = in_order(jobs(), 3, lambda _i, _f: None)
    for taken in range(1, 21):
        next(stream)
        assert len(pulled) - taken <= 3
    assert next(stream, None) is None


@pytest.mark.parametrize("sizes", [[3] * 12, [1, 9, 2, 8, 3, 7, 4, 6, 5, 5], [25, 1, 1, 30, 2]])
def test_a_weight_budget_bounds_what_is_held(sizes: list[int]) -> None:
    """Held weight never exceeds the budget by more than the last job pulled, and a job
    heavier than the whole budget still runs (alone)."""
    pulled: list[int] = []

    def jobs() -> Iterator[tuple[int, Future[str]]]:
        for i in range(len(sizes)):
            pulled.append(i)
            yield i, _done(str(i))

    budget = 10
    stream = in_order(jobs(), 100, lambda _i, _f: None, weight=sizes.__getitem__, budget=budget)
    for taken, (index, _) in enumerate(stream, 1):
        assert index == taken - 1
        held = [sizes[i] for i in pulled[taken:]]
        assert sum(held[:-1]) < budget
    assert pulled == list(range(len(sizes)))


def test_one_future_may_stand_for_several_inputs() -> None:
    shared = _done("same")
    reported: list[int] = []
    out = list(
        in_order(
            iter([(0, shared), (1, _done("x")), (2, shared)]), 5, lambda i, _f: reported.append(i)
        )
    )
    assert [i for i, _ in out] == [0, 1, 2] and sorted(reported) == [0, 1, 2]


def test_a_failure_reported_stops_the_stream() -> None:
    failing: Future[str] = Future()
    failing.set_exception(RuntimeError("boom"))

    def finished(_i: int, future: Future[str]) -> None:
        if future.exception() is not None:
            raise RuntimeError("stopped")

    with pytest.raises(RuntimeError, match="stopped"):
        list(in_order(iter([(0, _done("a")), (1, failing)]), 5, finished))
