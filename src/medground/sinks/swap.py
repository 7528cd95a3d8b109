"""Replace several files of a dataset together: a kill at any moment leaves the old set or the new.

A dataset is ``samples.jsonl``, ``rejects.jsonl``, ``errors.jsonl``, ``views.jsonl`` and
``manifest.json`` side by side; ``medground build`` (its merge) and ``medground verify`` rewrite
several of them at once. Renaming one file is atomic, renaming three is not, so a small journal
makes the group atomic:

1. **stage**: every new file is written in full to ``.medground/swap/<name>`` and fsynced;
2. **commit**: ``.medground/swap/journal.json``, the list of names, is written atomically
   (temporary file, fsync, rename, fsync of the folder). This rename is the commit point;
3. **apply**: each staged file is renamed over ``<name>`` in the dataset folder (same file
   system, so each rename is atomic), then the folder is fsynced;
4. **clean**: the journal is removed.

Every command that reads a dataset first calls :func:`recover`, which finishes what a killed
writer left: with a journal, it renames the staged files still there (roll forward: the journal
exists only once every staged file is complete, and a rename already done has no staged file
left, so this is idempotent and a kill during recovery is recovered the same way); without a
journal, staged files are the debris of an uncommitted swap and are deleted (roll back). So
after a kill before step 2 the dataset is entirely the old one, after it entirely the new one.

One writer at a time: two commands rewriting the same dataset concurrently are not supported.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TextIO

from medground.sinks.files import atomic_write_bytes, atomic_writer, fsync_dir

SWAP_DIR = Path(".medground") / "swap"
JOURNAL = "journal.json"


def swap_dir(root: Path) -> Path:
    return root / SWAP_DIR


def _check_name(name: str) -> str:
    if not name or name != Path(name).name or name in (".", "..", JOURNAL):
        raise ValueError(f"a swapped file is a plain file name in the dataset folder, not {name!r}")
    return name


def recover(root: Path) -> str | None:
    """Complete or roll back a swap a killed writer left in ``root``; returns what was done
    (``"completed"``, ``"rolled back"``) or None when there was nothing to do."""
    folder = swap_dir(root)
    if not folder.is_dir():
        return None
    journal = folder / JOURNAL
    done: str | None = None
    if journal.exists():
        names = json.loads(journal.read_text(encoding="utf-8"))["files"]
        for name in names:
            staged = folder / _check_name(name)
            if staged.exists():
                os.replace(staged, root / name)
        fsync_dir(root)
        journal.unlink()
        done = "completed"
    leftovers = list(folder.iterdir())
    for p in leftovers:  # staged files of a swap that never committed, temporary files
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink()
    if leftovers and done is None:
        done = "rolled back"
    _remove_empty(folder)
    return done


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:  # not empty (another file appeared) or already gone
        return
    fsync_dir(folder.parent)


class Swap:
    """Stage files, then replace them in ``root`` together on :meth:`commit`.

    Used as a context manager, it commits on a clean exit; on an exception before the commit
    point it removes what it staged (the dataset stays the old one); after the commit point it
    leaves the journal, and the next :func:`recover` completes the swap.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = swap_dir(root)
        self.names: list[str] = []
        self.committed = False
        recover(root)  # a swap left by a killed writer is settled before a new one starts
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        """Where ``name`` is staged."""
        return self.folder / _check_name(name)

    def _add(self, name: str) -> Path:
        if self.committed:
            raise RuntimeError("this swap is already committed")
        if name not in self.names:
            self.names.append(name)
        return self.path(name)

    @contextmanager
    def open(self, name: str) -> Iterator[TextIO]:
        """A text handle for the new ``name``, written atomically and fsynced into staging."""
        with atomic_writer(self._add(name)) as fh:
            yield fh

    def write_bytes(self, name: str, data: bytes) -> None:
        atomic_write_bytes(self._add(name), data)

    def write_text(self, name: str, text: str) -> None:
        self.write_bytes(name, text.encode("utf-8"))

    def commit(self) -> None:
        """Write the journal (the commit point), rename every staged file, drop the journal."""
        if self.committed:
            return
        atomic_write_bytes(self.folder / JOURNAL,
                           (json.dumps({"files": self.names}) + "\n").encode())
        self.committed = True
        for name in self.names:
            os.replace(self.path(name), self.root / name)
        fsync_dir(self.root)
        (self.folder / JOURNAL).unlink()
        _remove_empty(self.folder)

    def abort(self) -> None:
        """Drop what was staged (only before the commit point)."""
        if not self.committed:
            for name in self.names:
                self.path(name).unlink(missing_ok=True)
            _remove_empty(self.folder)

    def abort_on_error(self, kind: type[BaseException] | None, exc: BaseException | None,
                       tb: TracebackType | None) -> None:
        """An exit callback (``ExitStack.push``) that drops the staged files on an error."""
        if kind is not None:
            self.abort()

    def __enter__(self) -> Swap:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()
