"""A stage's result that waits on VLM answers, so that a case can go on meanwhile.

A VLM stage splits its work in two: ``start`` builds the requests and sends them
(``VLMClient.submit``), and the :class:`Deferred` it returns turns the answers into the
stage's result with ``result()``, in the thread that asks for it (the case's, where the
case's context lives), once they are in. The pipeline keeps many of them open across the
views of a case (pipeline.py), so the client's ``max_in_flight`` is the only bound on the
requests a build has on the wire. A stage with no request to make returns :meth:`ready`.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from medground.llm import turns
from medground.llm.client import Batch, Completion

_T = TypeVar("_T")


class Deferred(Generic[_T]):
    """``then(answers)`` once ``batch`` is answered (``then([])`` without a batch)."""

    def __init__(self, then: Callable[[list[Completion]], _T], batch: Batch | None) -> None:
        self._then = then
        self.batch = batch

    @classmethod
    def ready(cls, value: _T) -> Deferred[_T]:
        """A result that is already there (a stage that asked nothing)."""
        return cls(lambda _answers: value, None)

    @property
    def size(self) -> int:
        """Requests still waiting for their answer."""
        return 0 if self.batch is None or self.batch.done() else self.batch.size

    def done(self) -> bool:
        return self.batch is None or self.batch.done()

    def result(self) -> _T:
        """The stage's result (blocks until the answers are in); call it once."""
        return self._then(self.batch.result() if self.batch is not None else [])

    def withdraw(self) -> None:
        """Nobody will read the result (the case failed or was interrupted)."""
        if self.batch is not None:
            self.batch.withdraw()

    def settle(self) -> None:
        """Wait until nothing of this runs any more (after ``withdraw``)."""
        if self.batch is not None:
            with turns.waiting():
                self.batch.settle()


def wait_any(waiting: Iterable[Deferred[Any]]) -> None:
    """Block until one of ``waiting`` is done (at once if one is, or none waits)."""
    futures = [d.batch.future for d in waiting if d.batch is not None]
    if futures and not any(f.done() for f in futures):
        with turns.waiting():  # another case's offline work runs meanwhile (llm/turns.py)
            concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
