"""What a build writes after the dataset files: splits, exports and the HTML report.

Configured in the build config's ``outputs`` section (:class:`OutputsConfig`) and run by
:func:`write_outputs` after every build (and by ``medground demo``). Nothing here changes the
samples, so the section is not part of the resume key (executors/resume.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ExportName = Literal["coco", "parquet", "llamafactory", "swift", "lmms-eval"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SplitConfig(_Strict):
    """``medground split`` settings (splits.py)."""

    seed: int = 0
    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
    val: int | None = Field(None, description="val size in samples (with test)")
    test: int | None = Field(None, description="test size in samples (with val)")
    held_out_labels: tuple[str, ...] = ()
    held_out_modalities: tuple[str, ...] = ()
    held_out_sources: tuple[str, ...] = ()


class OutputsConfig(_Strict):
    """Splits, exports (each into ``OUT/exports/<format>``) and the report (``OUT/report.html``)."""

    split: SplitConfig | None = None
    exports: tuple[ExportName, ...] = ()
    answer_format: str = Field("qwen2.5-vl", description="box convention of exported answers")
    image_max_pixels: int = Field(768 * 768, gt=0, description="the trainer's image pixel "
                                  "budget (LLaMA-Factory image_max_pixels)")
    report: bool = False

    @field_validator("answer_format")
    @classmethod
    def _known_format(cls, v: str) -> str:
        from medground.eval.boxes import BOX_FORMATS

        if v not in BOX_FORMATS:
            raise ValueError(f"answer_format {v!r} is not one of {', '.join(BOX_FORMATS)}")
        return v


def write_outputs(cfg: OutputsConfig, out: Path) -> list[tuple[str, Path]]:
    """Split, export and report the dataset in ``out`` as ``cfg`` says; returns what was
    written as (what, path). A ConfigError (e.g. an unknown held-out label) propagates."""
    from medground.dataset import read_samples
    from medground.exports import ExportOptions, exporter
    from medground.splits import SplitPlan, make_splits, write_splits

    done: list[tuple[str, Path]] = []
    if cfg.split is not None:
        samples = list(read_samples(out))
        plan = SplitPlan(**cfg.split.model_dump())
        done.append(("splits", write_splits(out, make_splits(samples, plan), samples)))
    options = ExportOptions(answer_format=cfg.answer_format,
                            image_max_pixels=cfg.image_max_pixels)
    for name in cfg.exports:
        exported = exporter(name)(out, out / "exports" / name, options)
        done.append((f"{name} export", exported.main_file))
    if cfg.report:
        from medground.report import write_report

        done.append(("report", write_report(out)))
    return done
