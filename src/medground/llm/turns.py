"""CPU turns of the case threads of a worker that wait on a VLM.

A VLM build keeps many cases open in threads of one process (executors/local.py) so that the
server always has requests; but their offline work (loading, regions, PNGs, checks) shares one
interpreter. Run all at once, the threads slice the interpreter between them: every case
gets its first request out only when all have done their first views, so at the start the
server idles for as long as the open cases' work takes together, and each switch between
threads costs time. With turns, at most ``n`` case threads work at once, in the order they
asked; a thread gives its turn up while it waits for answers (:func:`waiting`) and asks for
it again when they are in. The order of what a case computes does not change, only when.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextvars import ContextVar

_TURNS: ContextVar[threading.Semaphore | None] = ContextVar("medground_cpu_turns",
                                                            default=None)


@contextlib.contextmanager
def taking_turns(turns: threading.Semaphore | None) -> Iterator[None]:
    """Run the block in one of ``turns`` (none: at once), given up in :func:`waiting`."""
    if turns is None:
        yield
        return
    turns.acquire()
    token = _TURNS.set(turns)
    try:
        yield
    finally:
        _TURNS.reset(token)
        turns.release()


@contextlib.contextmanager
def waiting() -> Iterator[None]:
    """Around a block that only waits (for VLM answers): this thread's turn goes to another
    case meanwhile, and is taken back after it."""
    turns = _TURNS.get()
    if turns is None:
        yield
        return
    turns.release()
    try:
        yield
    finally:
        turns.acquire()
