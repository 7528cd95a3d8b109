"""A content-addressed request cache on disk (SQLite), shared by all workers of a build.

The key hashes everything that determines an answer: model, messages (images by the hash of
their bytes), sampling parameters and the prompt version. Only deterministic requests are
cached (temperature 0 or a fixed seed), so a re-run of a finished or interrupted build makes no
request that was already answered.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

_DATA_URL = re.compile(r"data:image/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+")


def _strip_images(obj: Any) -> Any:
    """Replace inline base64 images by the hash of their text, so keys stay small."""
    if isinstance(obj, str):
        return _DATA_URL.sub(lambda m: "image-sha256:" + hashlib.sha256(m.group(0).encode())
                             .hexdigest(), obj)
    if isinstance(obj, list):
        return [_strip_images(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _strip_images(v) for k, v in obj.items()}
    return obj


def request_key(model: str, messages: list[dict[str, Any]], params: dict[str, Any],
                prompt_version: str) -> str:
    canonical = json.dumps(
        {"model": model, "messages": _strip_images(messages), "params": params,
         "prompt_version": prompt_version},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class RequestCache:
    """``get`` / ``put`` of JSON answers by key; safe across threads and processes (WAL)."""

    def __init__(self, path: str | Path, busy_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._initialise()

    def _initialise(self, attempts: int = 50) -> None:
        """Switch to WAL and create the table; several processes may do this at once.

        Changing the journal mode needs an exclusive lock and SQLite does not always run the
        busy handler for it (a fresh file being created by another process returns
        ``database is locked`` at once), so this retries with a short backoff. WAL is a
        property of the file: once one process has set it, the others skip the pragma.
        """
        conn = self._conn()
        for attempt in range(attempts):
            try:
                mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
                if str(mode).lower() != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("CREATE TABLE IF NOT EXISTS answers "
                             "(key TEXT PRIMARY KEY, answer TEXT)")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if attempt == attempts - 1:
                    raise sqlite3.OperationalError(
                        f"{self.path}: the VLM request cache stayed locked by another process "
                        f"({exc})") from exc
                time.sleep(min(0.01 * 2 ** attempt, 0.5))

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
            # WAL with synchronous=NORMAL: an answer is in the file once ``put`` returns and
            # survives the process being killed; only an OS crash or power loss can lose the
            # last few (asked again then). FULL fsyncs on every answer (~3-10 ms each, on
            # the client's event loop). A file locked right now keeps FULL: slower, as safe.
            with contextlib.suppress(sqlite3.OperationalError):
                conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._conn().execute("SELECT answer FROM answers WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, answer: dict[str, Any]) -> None:
        self._conn().execute("INSERT OR IGNORE INTO answers (key, answer) VALUES (?, ?)",
                             (key, json.dumps(answer, sort_keys=True)))

    def __len__(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
