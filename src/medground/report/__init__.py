"""``medground report``: one self-contained HTML page about a built dataset.

Counts and the verification funnel, case errors, distributions (kept and rejected side by
side), splits, evaluation results and a filterable gallery of samples with their boxes drawn.
The page has no external reference (CSS, script and images inline) and is byte-identical for
the same dataset.
"""

from __future__ import annotations

from pathlib import Path

from medground.report.data import gather
from medground.report.render import render
from medground.sinks.files import atomic_write_text

__all__ = ["gather", "render", "write_report"]


def write_report(dataset: Path, out: Path | None = None) -> Path:
    """Write the report (default ``DATASET/report.html``) and return its path."""
    out = out if out is not None else dataset / "report.html"
    atomic_write_text(out, render(gather(dataset)))
    return out
