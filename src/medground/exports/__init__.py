"""Conversions of a built dataset into the files other tools load.

Every exporter is a pure conversion from the canonical records (``samples.jsonl`` read back as
:class:`medground.types.Sample`, with the splits of ``splits.json``) and writes through the
atomic writer (sinks/files.py). Each format is one module with one function
``export(dataset, out, options) -> Exported``; :data:`FORMATS` names them, so the CLI and the
build config (``exports:``) select formats by name without importing every exporter.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from medground.errors import ConfigError

if TYPE_CHECKING:
    from medground.splits import Splits
    from medground.types import Sample

__all__ = ["FORMATS", "ExportOptions", "Exported", "exporter", "samples_to_export"]


@dataclass(frozen=True)
class ExportOptions:
    """What a user may choose about an export; each exporter reads the fields it needs.

    ``answer_format``: the box convention of the answer text (eval/boxes.py ``BOX_FORMATS``),
    for exports whose answers a model is trained on verbatim. ``image_max_pixels``: the
    training framework's image pixel budget (LLaMA-Factory's ``image_max_pixels``).
    ``splits``: only these splits (empty: all).
    """

    answer_format: str = "qwen2.5-vl"
    image_max_pixels: int = 768 * 768
    splits: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exported:
    """What an exporter wrote: a one-line summary and the file to hand to the tool."""

    summary: str
    main_file: Path
    counts: dict[str, int] = field(default_factory=dict)


Exporter = Callable[[Path, Path, ExportOptions], Exported]

#: format name -> "module:function"; the help text of each is its module's first line
FORMATS: dict[str, str] = {
    "coco": "medground.exports.coco:export",
    "parquet": "medground.exports.parquet:export",
    "llamafactory": "medground.exports.llamafactory:export",
    "swift": "medground.exports.swift:export",
    "lmms-eval": "medground.exports.lmms_eval:export",
}


def exporter(name: str) -> Exporter:
    if name not in FORMATS:
        raise ValueError(f"unknown export format {name!r}; expected one of {', '.join(FORMATS)}")
    module, func = FORMATS[name].split(":")
    fn: Exporter = getattr(importlib.import_module(module), func)
    return fn


def samples_to_export(dataset: Path, only: tuple[str, ...] = ()) -> tuple[Splits, list[Sample]]:
    """The dataset's splits and the samples an export writes: the splits checked (no patient in
    two, none stale), excluded samples left out, only the splits in ``only`` when given; no
    sample at all is a ConfigError."""
    from medground.dataset import read_samples
    from medground.splits import load_splits

    splits = load_splits(dataset)
    every = list(read_samples(dataset))
    splits.check(every)
    samples = splits.select(every, only)
    if not samples:
        raise ConfigError(f"no samples to export from {dataset}"
                          + (f" in split(s) {', '.join(only)}" if only else ""))
    return splits, samples
