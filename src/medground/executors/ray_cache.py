"""The VLM request cache of a Ray build whose workers run on several machines.

SQLite in WAL mode is safe for many processes of one machine: the local executor's workers
and the Ray workers on the driver's machine all use the build's one cache file
(``OUT/.medground/vlm.sqlite`` or ``vlm.cache``). It is not safe across machines through a
network file system (WAL needs memory shared by every process; NFS locks are unreliable), so
a worker on another machine uses a cache file on that machine (:func:`host_cache`):

- it is seeded once per run from a snapshot of the main cache that the driver writes beside
  the build before the run (a finished single file nobody writes while it is read), so a
  resumed build asks nothing the main cache already knows;
- every answer it adds is also listed in its ``pending`` table (by a trigger);
- the driver drains each machine's pending answers into the main cache (:func:`drain`,
  :func:`absorb`), then acknowledges them (:func:`ack`): at the end of a run, after Ctrl-C
  or a failure, and every few minutes in between. A crash between the two steps loses
  nothing: the batch is drained again next time, and inserting a known key is a no-op.

No Ray here: the executor runs these functions in Ray tasks pinned to each machine.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from medground.llm.cache import RequestCache

_PENDING = """
CREATE TABLE IF NOT EXISTS pending (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS pending_answers AFTER INSERT ON answers
BEGIN INSERT INTO pending (key) VALUES (new.key); END;
"""
_BUSY_TIMEOUT = 30.0


def host_cache(root: Path, main: Path, host: str) -> Path:
    """The cache file machine ``host`` uses for the build whose main cache is ``main``: one
    per (main cache, machine), so that it persists across runs and never mixes two builds."""
    key = hashlib.sha256(f"{main}\0{host}".encode()).hexdigest()[:16]
    return root / "medground-ray" / key / "vlm.sqlite"


def _connect(path: Path, uri: bool = False) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=_BUSY_TIMEOUT, isolation_level=None, uri=uri)


def open_host_cache(path: Path, snapshot: Path | None, run_id: str) -> None:
    """Create the machine's cache (WAL, the answers table, the pending list) and seed it from
    ``snapshot`` once per run: the first worker of the machine to get here does it, the others
    go on at once (an answer they miss meanwhile is asked again, never wrong)."""
    RequestCache(path).close()  # WAL and the answers table, with its retries on a fresh file
    conn = _connect(path, uri=True)  # so that ATTACH takes the snapshot's read-only URI
    try:
        conn.executescript(_PENDING)
        if snapshot is None or not snapshot.is_file():
            return
        marker = path.parent / f"seeded-{run_id}"
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        for old in path.parent.glob("seeded-*"):
            if old != marker:
                old.unlink(missing_ok=True)
        conn.execute("ATTACH DATABASE ? AS seed", (f"{snapshot.resolve().as_uri()}?mode=ro&immutable=1",))
        conn.execute("BEGIN IMMEDIATE")
        before = conn.execute("SELECT COALESCE(MAX(id), 0) FROM pending").fetchone()[0]
        conn.execute("INSERT OR IGNORE INTO answers (key, answer) SELECT key, answer FROM seed.answers")
        conn.execute("DELETE FROM pending WHERE id > ?", (before,))  # known to the main cache
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE seed")
    finally:
        conn.close()


def snapshot(main: Path, dest: Path) -> None:
    """Copy the main cache (consistently, while others may write it) to ``dest``, a single
    file in rollback-journal mode that machines can read through a network file system."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    RequestCache(main).close()
    source, copy = _connect(main), _connect(tmp)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        source.close()
        copy.close()
    os.replace(tmp, dest)


def drain(path: Path, limit: int = 5000) -> tuple[list[tuple[str, str]], int]:
    """Up to ``limit`` answers of the machine's cache the main cache may not have yet, and
    the last pending id they cover (to :func:`ack` once they are stored)."""
    if not path.is_file():
        return [], 0
    conn = _connect(path)
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'pending'").fetchone() is None:
            return [], 0
        rows = conn.execute("SELECT p.id, a.key, a.answer FROM pending p JOIN answers a "
                            "ON a.key = p.key ORDER BY p.id LIMIT ?", (limit,)).fetchall()
    finally:
        conn.close()
    return [(str(k), str(a)) for _, k, a in rows], (int(rows[-1][0]) if rows else 0)


def ack(path: Path, upto: int) -> None:
    """Forget the pending answers up to ``upto``: the main cache holds them."""
    conn = _connect(path)
    try:
        conn.execute("DELETE FROM pending WHERE id <= ?", (upto,))
    finally:
        conn.close()


def absorb(main: Path, rows: Iterable[tuple[str, str]]) -> int:
    """Add answers to the main cache (a key it has already keeps its answer); how many
    were new."""
    RequestCache(main).close()
    conn = _connect(main)
    try:
        conn.execute("BEGIN IMMEDIATE")
        before = conn.total_changes
        conn.executemany("INSERT OR IGNORE INTO answers (key, answer) VALUES (?, ?)", rows)
        added = conn.total_changes - before
        conn.execute("COMMIT")
    finally:
        conn.close()
    return added
