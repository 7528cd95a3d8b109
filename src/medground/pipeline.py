"""One case through every stage: load, views, regions, synthesis, checks, files.

Runs inside a worker; the executor decides which cases run where and merges the results.
Everything a case does runs under one guard (``Pipeline.run_case``): an exception ends that
case as one fatal error record, with nothing else of it kept, and the next case goes on.
Cases of a worker may run in threads on one Pipeline: its stages keep no per-case state on
shared objects (the views being checked are per case, in a context variable).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import traceback
from collections import Counter, deque
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import medground
from medground.config import BuildConfig
from medground.errors import CaseError
from medground.llm import session
from medground.llm.client import metered
from medground.llm.deferred import Deferred, wait_any
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
from medground.types import RegionRecord, Sample, View, ViewRecord


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


#: the labelled regions of the views the current case thread is checking, by image path
_CASE_VIEWS: ContextVar[dict[str, ViewRecord] | None] = ContextVar("medground_case_views",
                                                                   default=None)


class CaseViews(Mapping[str, ViewRecord]):
    """What the checks see as ``views``: those of the case the calling thread runs, so that
    cases in threads never see (or change) each other's."""

    def __getitem__(self, key: str) -> ViewRecord:
        views = _CASE_VIEWS.get()
        if views is None:
            raise KeyError(key)
        return views[key]

    def __iter__(self) -> Iterator[str]:
        return iter(dict(_CASE_VIEWS.get() or {}))

    def __len__(self) -> int:
        return len(_CASE_VIEWS.get() or {})


_PACKAGE = Path(medground.__file__).resolve().parent


def where(exc: BaseException) -> str:
    """``medground/<module>.py:<line>`` of the innermost medground frame ``exc`` passed."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(_PACKAGE):
            return f"medground/{path.relative_to(_PACKAGE).as_posix()}:{frame.lineno}"
    return "?"


def discard(folder: Path, trash: Path) -> None:
    """Remove ``folder`` so that it vanishes in one step: renamed into ``trash``, then deleted
    (a crash in between leaves the rest in ``trash``, never a half-deleted ``folder``)."""
    if not folder.exists():
        return
    trash.mkdir(parents=True, exist_ok=True)
    gone = Path(tempfile.mkdtemp(dir=trash, prefix=f"{folder.name[:40]}."))
    os.replace(folder, gone / folder.name)
    shutil.rmtree(gone, ignore_errors=True)


@dataclass
class Pipeline:
    """The configured stages, built once per worker; ``run_case`` may be called from several
    threads at once."""

    cfg: BuildConfig
    source: Source
    synthesizer: Synthesizer
    checks: list[Check]
    #: the labelled regions of the views being checked, as each case thread sees them
    views: Mapping[str, ViewRecord] = field(default_factory=CaseViews)
    _bound: Path | None = field(default=None, init=False, repr=False)
    _bind_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

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
        """Give the stages the output folder, once (cases in threads call this together)."""
        with self._bind_lock:
            if self._bound == out:
                return
            self.synthesizer.bind(out)
            for check in self.checks:
                check.bind(out, self.views)
            self._bound = out

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
        """Everything one case does, under one guard. Any exception ends the case as one
        fatal error record (a CaseError's code, else ``INTERNAL_ERROR`` with the exception's
        type, message and the medground line it came from), status "failed": its samples,
        rejects, views and other records are dropped and its image folder removed, so that
        nothing half-done of it reaches the dataset. Only its VLM usage is kept (it was
        spent). The case's image folder is also cleared before it starts: what a killed run
        of the case left there (it has no shard, so it runs again) never mixes in."""
        result = CaseResult(case=ref.case_id, status="empty")
        folder = out / "images" / safe_name(ref.case_id)
        trash = out / ".medground" / "trash"
        token = _CASE_VIEWS.set({})
        try:
            with metered() as usage:
                try:
                    discard(folder, trash)
                    self._run(ref, out, result)
                except Exception as exc:  # the case's fault or a bug: record it, go on
                    failure = self._failure(ref, exc)
                    with contextlib.suppress(OSError):  # unreferenced: no record names it
                        discard(folder, trash)
                    result = CaseResult(case=ref.case_id, status="failed", errors=[failure])
                    result.counts["cases_failed"] += 1
            result.counts.update({f"vlm/{k}": v for k, v in sorted(usage.items()) if v})
        finally:
            _CASE_VIEWS.reset(token)
        return result

    def _run(self, ref: CaseRef, out: Path, result: CaseResult) -> None:
        case = self.source.load(ref)
        for issue in case.issues:
            result.errors.append(self._record(ref, issue.file or ref.files[0][1], issue.code,
                                              issue.message, fatal=False))
        self.bind(out)
        self._run_views(case, safe_name(ref.case_id), out, result)
        result.status = "ok" if (result.samples or result.rejects) else "empty"
        result.counts[f"cases_{result.status}"] += 1

    def _record(self, ref: CaseRef, file: str, code: str, message: str, fatal: bool,
                **extra: str) -> dict[str, Any]:
        """An error record, its file and message as the source lets them be shown."""
        try:
            shown, text = self.source.display_file(ref, file), self.source.redact(ref, message)
        except Exception:  # never lose the record; never show what could not be redacted
            shown, text = ref.case_id, f"{code} (the message could not be redacted)"
        return {"case": ref.case_id, "file": shown, "code": code, "message": text,
                "fatal": fatal, **extra}

    def _failure(self, ref: CaseRef, exc: Exception) -> dict[str, Any]:
        if isinstance(exc, CaseError):
            return self._record(ref, exc.file or ref.files[0][1], exc.code, exc.message,
                                fatal=True)
        at = where(exc)
        message = f"{type(exc).__name__}: {exc} (at {at})"
        return self._record(ref, ref.files[0][1], "INTERNAL_ERROR", message, fatal=True,
                            where=at)

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
        """Every view of the case through synthesis and the checks (:class:`CaseFlow`: the
        next views are made while VLM answers are awaited)."""
        flow = CaseFlow(self, out, result)
        try:
            for view in make_views(case, self.cfg.slicing, result.counts, self.cfg.regions):
                ctx = self._context(case, view, folder, result)
                if ctx is not None:
                    flow.add(ctx)
            flow.finish()
        except BaseException:  # the case failed or was interrupted: nothing of it is kept
            flow.abandon()
            raise

    def _context(self, case: LoadedCase, view: View, folder: str,
                 result: CaseResult) -> ViewContext | None:
        """The view's regions and cues; None when it has no region."""
        counts = result.counts
        counts["views"] += 1
        view = self._without_parents(case, view, result)
        regions = extract_regions(view, self.cfg.regions, counts)
        if len(regions) == 0:
            counts["views_without_regions"] += 1
            return None
        cues = region_cues(view, regions, case.info.modality)
        # the label layers are not read after regions and cues: a view waiting for its VLM
        # answers need not hold them
        return ViewContext(info=case.info, view=replace(view, layers=[]), regions=regions,
                           image_path=f"images/{folder}/{view.name}.png", counts=counts,
                           cues=cues)

    @property
    def window(self) -> int:
        """Requests a case may have unanswered before it waits to make more views: twice
        ``max_in_flight``, so that the client has the next ones queued while the case works
        on answers, and few views wait (each holds its regions)."""
        return 2 * self.cfg.vlm.max_in_flight if self.cfg.vlm is not None else 1

    def start_synthesis(self, ctx: ViewContext) -> tuple[Deferred[list[Sample]], bytes | None]:
        """The view's samples, or the wait for them; with the PNG a VLM synthesizer was sent
        (the bytes the view's file gets, encoded once)."""
        start = getattr(self.synthesizer, "start", None)
        if start is None:
            return Deferred.ready(self.synthesizer.synthesize(ctx)), None
        png = png_bytes(ctx.view.image)
        return cast(Deferred[list[Sample]], start(ctx, png=png)), png

    def start_check(self, index: int, samples: list[Sample]) -> Deferred[list[Sample]]:
        check = self.checks[index]
        start = getattr(check, "start", None)
        if start is None:
            return Deferred.ready(check(samples))
        return cast(Deferred[list[Sample]], start(samples))


@dataclass
class _ViewWork:
    """One view between synthesis and its last check; once finished, only its records."""

    ctx: ViewContext | None  # dropped once finished: a view waiting for earlier ones is small
    waiting: Deferred[list[Sample]]
    png: bytes | None = None  # the image's PNG, when synthesis has encoded it already
    step: int = -1  # -1: synthesis, then the index of the check waited on
    samples: list[Sample] = field(default_factory=list)
    record: ViewRecord | None = None  # None when the view has no sample
    finished: bool = False


class CaseFlow:
    """The views of one case on their way through the stages, run in the case's thread.

    A stage with a ``start`` method (the VLM synthesizer and judge) sends its requests and
    returns a Deferred; the others run at once. While answers are awaited the case makes
    its next views, until ``pipeline.window`` of its requests are unanswered: so all of a
    case's synthesis requests go out as soon as its views are ready and judge requests as
    soon as their samples pass the offline checks, and the client's ``max_in_flight`` is
    what bounds the requests in flight. Each view runs the same steps as it would alone
    (its samples depend on nothing else), so the records, emitted in view order once every
    earlier view is finished, are those of views run one after another.
    """

    def __init__(self, pipeline: Pipeline, out: Path, result: CaseResult) -> None:
        self.pipeline, self.out, self.result = pipeline, out, result
        self.views: deque[_ViewWork] = deque()
        case_views = _CASE_VIEWS.get()
        assert case_views is not None, "views run inside run_case"
        self.case_views = case_views

    def add(self, ctx: ViewContext) -> None:
        self.views.append(_ViewWork(ctx, *self.pipeline.start_synthesis(ctx)))
        self._advance()
        while sum(w.waiting.size for w in self.views) > self.pipeline.window:
            wait_any(w.waiting for w in self.views)
            self._advance()

    def finish(self) -> None:
        self._advance()
        while self.views:
            wait_any(w.waiting for w in self.views)
            self._advance()

    def abandon(self) -> None:
        """Stop the case's requests and wait until none runs (its usage is then final)."""
        for w in self.views:
            w.waiting.withdraw()
        for w in self.views:
            w.waiting.settle()
        self.views.clear()

    def _advance(self) -> None:
        for work in self.views:
            while not work.finished and work.waiting.done():
                self._step(work)
        while self.views and self.views[0].finished:
            self._emit(self.views.popleft())

    def _step(self, work: _ViewWork) -> None:
        """The answers of the stage ``work`` waited on, then the stages after it up to the
        next one that waits."""
        samples = work.waiting.result()
        work.waiting = Deferred.ready(samples)
        ctx, counts = work.ctx, self.result.counts
        assert ctx is not None, "a finished view takes no step"
        if work.step < 0:
            if not samples:
                counts["views_without_targets"] += 1
                work.finished, work.ctx = True, None
                return
            png, work.png = work.png or png_bytes(ctx.view.image), None
            atomic_write_bytes(self.out / ctx.image_path, png)
            counts["images"] += 1
            counts["synthesized"] += len(samples)
            work.record = view_record(ctx, ctx.info.modality)
            self.case_views[ctx.image_path] = work.record
        work.step += 1
        if work.step < len(self.pipeline.checks):
            work.waiting = self.pipeline.start_check(work.step, samples)
        else:
            del self.case_views[ctx.image_path]
            work.samples = samples
            work.finished, work.ctx = True, None

    def _emit(self, work: _ViewWork) -> None:
        if work.record is None:
            return
        result, counts = self.result, self.result.counts
        result.views.append(work.record.to_dict())
        for s in work.samples:
            failure = s.first_failure
            if failure is None:
                result.samples.append(s.to_dict())
                counts["kept"] += 1
            else:
                result.rejects.append(s.to_dict())
                counts["rejected"] += 1
                counts[f"rejected/{failure.stage}/{failure.reason}"] += 1
