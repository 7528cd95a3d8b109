"""Writers of the dataset's files.

Every output goes through the atomic writers of :mod:`medground.sinks.files` (an exporter
writes ``with atomic_writer(path) as fh: ...`` or ``atomic_write_jsonl(path, records)``);
files of the dataset folder that change together go through :class:`medground.sinks.swap.Swap`,
and a command that reads a dataset calls :func:`medground.sinks.swap.recover` first.
"""

from medground.sinks.files import (
    atomic_write_bytes,
    atomic_write_jsonl,
    atomic_write_text,
    atomic_writer,
)
from medground.sinks.swap import Swap, recover

__all__ = ["Swap", "atomic_write_bytes", "atomic_write_jsonl", "atomic_write_text",
           "atomic_writer", "recover"]
