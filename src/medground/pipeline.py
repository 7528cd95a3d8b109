"""One case through every stage: load, views, regions, synthesis, checks, files.

Runs inside a worker; the executor decides which cases run where and merges the results.
"""

from __future__ import annotations

import traceback
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from medground.config import BuildConfig
from medground.errors import CaseError
from medground.llm import session
from medground.llm.client import metered
from medground.sinks.files import atomic_write_bytes, png_bytes, safe_name
from medground.sources import make_source
from medground.sources.base import CaseRef, LoadedCase, Source
from medground.stages import hierarchy
from medground.stages.base import Check, Synthesizer, ViewContext
from medground.stages.cues import region_cues
from medground.stages.regions import extract_regions
from medground.stages.synth.template import TemplateSynthesizer
from medground.stages.verify import make_checks
from medground.stages.views import make_views
from medground.types import RegionRecord, View, ViewRecord


def view_record(ctx: ViewContext, modality: str) -> ViewRecord:
    """Every labelled region of a saved view, for verification to re-measure."""
    view, regions = ctx.view, ctx.regions
    rows = tuple(
        RegionRecord(label=str(regions.label[i]), instance=int(regions.instance[i]),
                     box=(int(regions.xyxy[i][0]), int(regions.xyxy[i][1]),
                          int(regions.xyxy[i][2]), int(regions.xyxy[i][3])),
                     area=int(regions.area[i]), mask_rle=ctx.mask_rle(i))
        for i in range(len(regions)))
    return ViewRecord(image=ctx.image_path, case=ctx.info.case_id, plane=view.plane,
                      slice=view.slice_index, width=view.width, height=view.height,
                      modality=modality, frame=view.frame,
                      spacing_mm=list(view.spacing_mm) if view.spacing_mm else None,
                      midline_x=view.midline_x, regions=rows)


@dataclass
class CaseResult:
    case: str
    status: str  # "ok", "empty" or "failed"
    samples: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    views: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "status": self.status,
            "samples": self.samples,
            "rejects": self.rejects,
            "errors": self.errors,
            "views": self.views,
            "counts": dict(sorted(self.counts.items())),
        }


@dataclass
class Pipeline:
    """The configured stages, built once per worker."""

    cfg: BuildConfig
    source: Source
    synthesizer: Synthesizer
    checks: list[Check]
    #: the labelled regions of the views being checked, by image path (shared with the checks)
    views: dict[str, ViewRecord] = field(default_factory=dict)

    @classmethod
    def build(cls, cfg: BuildConfig) -> Pipeline:
        synthesizer: Synthesizer = TemplateSynthesizer(cfg.queries)
        if cfg.queries.synthesizer == "vlm":
            from medground.stages.synth.vlm import VLMSynthesizer

            assert cfg.vlm is not None  # the config validator makes sure
            synthesizer = VLMSynthesizer(cfg.queries, cfg.vlm)
        return cls(cfg=cfg, source=make_source(cfg), synthesizer=synthesizer,
                   checks=make_checks(cfg.verify.stages, cfg.vlm))

    def bind(self, out: Path) -> None:
        self.synthesizer.bind(out)
        for check in self.checks:
            check.bind(out, self.views)

    def setup(self) -> None:
        self.synthesizer.setup()
        for check in self.checks:
            check.setup()

    def teardown(self) -> None:
        self.synthesizer.teardown()
        for check in self.checks:
            check.teardown()
        session.close_all()

    def run_case(self, ref: CaseRef, out: Path) -> CaseResult:
        result = CaseResult(case=ref.case_id, status="empty")
        counts = result.counts
        src = self.source

        def record(case: str, file: str, code: str, message: str, fatal: bool) -> None:
            result.errors.append({"case": case, "file": src.display_file(ref, file),
                                  "code": code, "message": src.redact(ref, message),
                                  "fatal": fatal})

        try:
            case = src.load(ref)
        except CaseError as exc:
            result.status = "failed"
            record(ref.case_id, exc.file or ref.files[0][1], exc.code, exc.message, fatal=True)
            counts["cases_failed"] += 1
            return result
        except Exception as exc:  # a bug or an unforeseen file problem: record, go on
            result.status = "failed"
            last = traceback.extract_tb(exc.__traceback__)[-1]
            record(ref.case_id, ref.files[0][1], "INTERNAL_ERROR",
                   f"{type(exc).__name__}: {exc} (at {Path(last.filename).name}:{last.lineno})",
                   fatal=True)
            counts["cases_failed"] += 1
            return result
        for issue in case.issues:
            record(case.info.case_id, issue.file or ref.files[0][1], issue.code, issue.message,
                   fatal=False)
        folder = safe_name(case.info.case_id)
        self.bind(out)
        with metered() as usage:
            self._run_views(case, folder, out, result)
        counts.update({f"vlm/{k}": v for k, v in sorted(usage.items()) if v})
        result.status = "ok" if (result.samples or result.rejects) else "empty"
        counts[f"cases_{result.status}"] += 1
        return result

    @staticmethod
    def _without_parents(case: LoadedCase, view: View, result: CaseResult) -> View:
        """The view without parent labels and conflicting labels (stages/hierarchy.py); a
        conflict is an error record of the case, a parent a count."""
        found = hierarchy.resolve(view.layers)
        if not found.parents and not found.conflicts:
            return view
        file = case.info.files[0] if case.info.files else case.info.case_id
        for a, b in found.conflicts:
            result.errors.append({
                "case": case.info.case_id, "file": file, "code": "LABEL_CONFLICT",
                "message": f"labels {a!r} and {b!r} have identical masks on {view.name}; "
                           "neither is used as a target", "fatal": False})
            result.counts["label_conflicts"] += 1
        for parent in found.parents:
            result.counts[f"hierarchy/parent/{parent}"] += 1
            result.counts["regions_dropped/parent"] += 1
        return replace(view, layers=found.layers)

    def _run_views(self, case: LoadedCase, folder: str, out: Path, result: CaseResult) -> None:
        counts = result.counts
        for view in make_views(case, self.cfg.slicing, counts, self.cfg.regions):
            counts["views"] += 1
            view = self._without_parents(case, view, result)
            regions = extract_regions(view, self.cfg.regions, counts)
            if len(regions) == 0:
                counts["views_without_regions"] += 1
                continue
            image_rel = f"images/{folder}/{view.name}.png"
            ctx = ViewContext(info=case.info, view=view, regions=regions, image_path=image_rel,
                              counts=counts, cues=region_cues(view, regions, case.info.modality))
            samples = self.synthesizer.synthesize(ctx)
            if not samples:
                counts["views_without_targets"] += 1
                continue
            atomic_write_bytes(out / image_rel, png_bytes(view.image))
            counts["images"] += 1
            counts["synthesized"] += len(samples)
            record = view_record(ctx, case.info.modality)
            self.views[image_rel] = record
            try:
                for check in self.checks:
                    samples = check(samples)
            finally:
                del self.views[image_rel]
            result.views.append(record.to_dict())
            for s in samples:
                failure = s.first_failure
                if failure is None:
                    result.samples.append(s.to_dict())
                    counts["kept"] += 1
                else:
                    result.rejects.append(s.to_dict())
                    counts["rejected"] += 1
                    counts[f"rejected/{failure.stage}/{failure.reason}"] += 1
