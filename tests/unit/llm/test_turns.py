"""CPU turns (llm/turns.py): at most n case threads work at once; waiting gives the turn up."""

from __future__ import annotations

import concurrent.futures
import threading
import time

import pytest

from medground.llm import turns
from medground.llm.client import Batch
from medground.llm.deferred import Deferred, wait_any


def _busiest(n_threads: int, n_turns: int, wait_inside: bool) -> int:
    """Most threads inside their working part at once."""
    sem = threading.Semaphore(n_turns)
    lock, inside, most = threading.Lock(), [0], [0]

    def work() -> None:
        with turns.taking_turns(sem):
            for _ in range(3):
                with lock:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0.005)
                with lock:
                    inside[0] -= 1
                if wait_inside:
                    with turns.waiting():
                        time.sleep(0.005)

    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return most[0]


@pytest.mark.parametrize(("n_turns", "wait_inside"), [(1, False), (2, False), (1, True),
                                                     (2, True), (3, True)])
def test_no_more_threads_work_at_once_than_there_are_turns(n_turns: int,
                                                           wait_inside: bool) -> None:
    assert _busiest(8, n_turns, wait_inside) == n_turns


def test_without_turns_every_thread_works_at_once() -> None:
    barrier = threading.Barrier(4, timeout=5)

    def work() -> None:
        with turns.taking_turns(None):
            barrier.wait()  # would time out if any thread were held back

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not barrier.broken


def test_a_thread_waiting_for_answers_lets_another_case_work_and_gets_its_turn_back() -> None:
    """One turn: A waits on a batch (wait_any) that only B's work answers. Without giving the
    turn up A would hold it and B would never run (the test would time out)."""
    sem = threading.Semaphore(1)
    loop_future: concurrent.futures.Future[list[object]] = concurrent.futures.Future()
    batch = Batch.__new__(Batch)
    batch.size, batch.future = 1, loop_future  # type: ignore[assignment]
    order: list[str] = []

    def a() -> None:
        with turns.taking_turns(sem):
            order.append("a works")
            wait_any([Deferred(lambda answers: answers, batch)])
            order.append("a has its answer")
            assert not sem.acquire(blocking=False), "a holds the only turn again"

    def b() -> None:
        with turns.taking_turns(sem):
            order.append("b works")
            loop_future.set_result([])

    ta = threading.Thread(target=a, daemon=True)
    ta.start()
    while not order:
        time.sleep(0.001)
    tb = threading.Thread(target=b, daemon=True)
    tb.start()
    ta.join(5)
    tb.join(5)
    assert not ta.is_alive() and not tb.is_alive()
    assert order == ["a works", "b works", "a has its answer"]
    assert sem.acquire(blocking=False), "both turns were given back"
