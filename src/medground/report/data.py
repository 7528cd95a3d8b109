"""Gathering the report's figures from a dataset folder in one pass over its records.

samples.jsonl (kept) and rejects.jsonl are streamed once, each record counted and offered to
the gallery's picker, so a large dataset needs memory for the counts only. Nothing is dropped
silently: an unreadable reject or error line is counted as such, a manifest that disagrees with
the files, or a stale splits.json, becomes a warning on the page.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from medground.dataset import read_samples
from medground.errors import ConfigError
from medground.eval.metrics import size_bucket
from medground.report.evals import read_evals
from medground.report.figures import (
    Distribution,
    ErrorRow,
    ErrorsFigure,
    Figures,
    FunnelFigure,
    Pairs,
    QueryStats,
    RejectsFigure,
    Row,
    SplitFigure,
    SplitRow,
    StageRow,
)
from medground.report.gallery import Picker
from medground.splits import SPLITS, Splits, load_splits
from medground.types import Sample, Verdict

ERRORS_SHOWN = 100
#: box area as a share of the image area: upper bounds of the buckets
RELATIVE_EDGES = ((0.001, "< 0.1 %"), (0.01, "0.1-1 %"), (0.05, "1-5 %"), (0.2, "5-20 %"))
RELATIVE_LAST = ">= 20 %"
COCO_BUCKETS = ("small", "medium", "large")
#: query length in words: upper bounds (inclusive) of the buckets
WORD_EDGES = ((0, "0"), (4, "1-4"), (8, "5-8"), (12, "9-12"), (16, "13-16"), (24, "17-24"))
WORDS_LAST = "25+"
NOT_STATED, NO_CLAIMS = "(not stated)", "(no claims)"

#: (key, title, unit, note, bucket order or None for "most frequent first")
DIMENSIONS: tuple[tuple[str, str, str, str, tuple[str, ...] | None], ...] = (
    ("modality", "Modality", "samples", "", None),
    ("source", "Source", "samples", "", None),
    ("plane", "Plane", "samples", "", None),
    ("task", "Task", "samples", "", None),
    ("label", "Label", "samples", "a sample with several targets counts once per label", None),
    ("box_coco", "Box size (COCO area)", "targets",
     "box area in px\u00b2: small < 32\u00b2 <= medium < 96\u00b2 <= large (the buckets of the "
     "evaluation's size breakdown)", COCO_BUCKETS),
    ("box_relative", "Box size (share of the image)", "targets", "box area / image area",
     (*(name for _, name in RELATIVE_EDGES), RELATIVE_LAST)),
    ("query_words", "Query length (words)", "samples", "",
     (*(name for _, name in WORD_EDGES), WORDS_LAST)),
    ("claims", "Claim kinds", "samples",
     "samples whose synthesizer states at least one claim of the kind; "
     f"{NOT_STATED}: the synthesizer gave no claims, {NO_CLAIMS}: it said the text makes none",
     None),
)


def relative_bucket(share: float) -> str:
    return next((name for edge, name in RELATIVE_EDGES if share < edge), RELATIVE_LAST)


def words_bucket(words: int) -> str:
    return next((name for edge, name in WORD_EDGES if words <= edge), WORDS_LAST)


class _Tally:
    """Counts by dimension and value, kept and rejected apart; splits of the kept samples."""

    def __init__(self, splits: Splits | None) -> None:
        self.values: dict[str, dict[str, list[int]]] = {k: defaultdict(lambda: [0, 0])
                                                        for k, *_ in DIMENSIONS}
        self.words: Counter[int] = Counter()
        self.kept = 0
        self.splits = splits
        self.split_samples: Counter[str] = Counter()
        self.split_patients: dict[str, set[str]] = defaultdict(set)
        self.composition: dict[str, dict[str, Counter[str]]] = defaultdict(
            lambda: defaultdict(Counter))
        self.unassigned = 0

    def add(self, s: Sample, kept: bool) -> None:
        col = 0 if kept else 1
        labels = sorted({t.label for t in s.targets})
        area = max(1, s.width * s.height)
        for key, value in (("modality", s.modality), ("source", s.source), ("plane", s.plane),
                           ("task", s.task)):
            self.values[key][value][col] += 1
        for label in labels:
            self.values["label"][label][col] += 1
        for t in s.targets:
            x1, y1, x2, y2 = t.box
            self.values["box_coco"][size_bucket(t.box)][col] += 1
            box_area = max(0, x2 - x1) * max(0, y2 - y1)
            self.values["box_relative"][relative_bucket(box_area / area)][col] += 1
        words = len(s.query.split())
        self.values["query_words"][words_bucket(words)][col] += 1
        kinds = (NOT_STATED,) if s.claims is None else (
            tuple(sorted({c.kind for c in s.claims})) or (NO_CLAIMS,))
        for kind in kinds:
            self.values["claims"][kind][col] += 1
        if kept:
            self.kept += 1
            self.words[words] += 1
            self._split(s, labels)

    def _split(self, s: Sample, labels: list[str]) -> None:
        if self.splits is None or not self.splits.is_split:
            return
        try:
            split = self.splits.of(s.id)
        except ConfigError:
            self.unassigned += 1
            return
        self.split_samples[split] += 1
        self.split_patients[split].add(s.patient_id)
        self.composition["modality"][split][s.modality] += 1
        self.composition["task"][split][s.task] += 1
        for label in labels:
            self.composition["label"][split][label] += 1

    def distributions(self) -> tuple[Distribution, ...]:
        out = []
        for key, title, unit, note, order in DIMENSIONS:
            counts = self.values[key]
            if order is None:
                values = sorted(counts, key=lambda v: (-sum(counts[v]), v))
            else:
                values = list(order)
            rows = tuple(Row(v, counts[v][0] if v in counts else 0,
                             counts[v][1] if v in counts else 0) for v in values)
            out.append(Distribution(key, title, unit, rows, note))
        return tuple(out)

    def query_stats(self) -> QueryStats:
        n = sum(self.words.values())
        if not n:
            return QueryStats(0, 0.0, 0.0, 0)
        lengths = sorted(self.words)
        mean = sum(w * c for w, c in self.words.items()) / n

        def nth(i: int) -> int:  # the i-th smallest length (0-based)
            seen = 0
            for w in lengths:
                seen += self.words[w]
                if i < seen:
                    return w
            return lengths[-1]

        median = (nth((n - 1) // 2) + nth(n // 2)) / 2
        return QueryStats(n, mean, median, lengths[-1])

    def split_figure(self) -> SplitFigure | None:
        if self.splits is None or not self.splits.is_split:
            return None
        names = [s for s in SPLITS if s in self.split_samples]
        rows = tuple(SplitRow(s, self.split_samples[s], len(self.split_patients[s]))
                     for s in names)
        composition = tuple(
            (key, tuple((s, _pairs(self.composition[key][s])) for s in names))
            for key in ("modality", "task", "label"))
        subsets = tuple(sorted((k, len(v)) for k, v in self.splits.subsets.items()))
        seed = self.splits.plan.seed if self.splits.plan else None
        return SplitFigure(seed, rows, composition, subsets, self.unassigned)


def _pairs(counter: Mapping[str, int]) -> Pairs:
    return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _lines(path: Path) -> Iterator[str]:
    if not path.is_file():
        return
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.strip():
                yield line


def _first_failure(verdicts: Any) -> tuple[str, str]:
    """(stage, reason) of a raw record's first failing verdict, as far as it can be read."""
    for v in verdicts if isinstance(verdicts, list) else []:
        if isinstance(v, dict) and v.get("passed") is False:
            return str(v.get("stage", "?")), str(v.get("reason", "?"))
    return "?", "NO_FAILING_VERDICT"


def _rejects(dataset: Path, tally: _Tally, picker: Picker) -> RejectsFigure:
    records = unreadable = 0
    reasons: Counter[tuple[str, str]] = Counter()
    for line in _lines(dataset / "rejects.jsonl"):
        records += 1
        try:
            raw = json.loads(line)
        except ValueError:
            unreadable += 1
            reasons[("?", "UNREADABLE_LINE")] += 1
            continue
        try:
            sample = Sample.from_dict(raw)
        except (ValueError, KeyError, TypeError, AttributeError):
            unreadable += 1
            reasons[_first_failure(raw.get("verdicts") if isinstance(raw, dict) else None)] += 1
            continue
        failure = sample.first_failure or Verdict("?", False, "NO_FAILING_VERDICT")
        reasons[(failure.stage, failure.reason)] += 1
        tally.add(sample, kept=False)
        picker.offer(sample, failure)
    by_reason = tuple((st, r, n) for (st, r), n in
                      sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    return RejectsFigure(records, by_reason, unreadable)


def _errors(dataset: Path) -> ErrorsFigure:
    records = fatal = unreadable = 0
    codes: Counter[str] = Counter()
    shown: list[ErrorRow] = []
    for line in _lines(dataset / "errors.jsonl"):
        records += 1
        try:
            d = json.loads(line)
            row = ErrorRow(case=str(d["case"]), code=str(d["code"]), file=str(d.get("file", "")),
                           message=str(d.get("message", "")), fatal=bool(d.get("fatal", True)))
        except (ValueError, KeyError, TypeError):
            unreadable += 1
            codes["UNREADABLE_RECORD"] += 1
            continue
        codes[row.code] += 1
        fatal += row.fatal
        if len(shown) < ERRORS_SHOWN:
            shown.append(row)
    return ErrorsFigure(records, fatal, _pairs(codes), tuple(shown), unreadable)


def _manifest(dataset: Path, warnings: list[str]) -> dict[str, Any]:
    path = dataset / "manifest.json"
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        warnings.append("manifest.json is missing: no counts or funnel")
        return {}
    except ValueError as exc:
        warnings.append(f"manifest.json is unreadable ({exc}): no counts or funnel")
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _funnel(manifest: Mapping[str, Any], warnings: list[str]) -> FunnelFigure | None:
    raw = manifest.get("funnel")
    if raw is None:
        return None
    try:
        stages = tuple(StageRow(str(st["stage"]), int(st["entered"]), int(st["passed"]),
                                _pairs({str(k): int(v) for k, v in st["rejected"].items()}))
                       for st in raw["stages"])
        return FunnelFigure(int(raw["synthesized"]), stages, int(raw["kept"]))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        warnings.append(f"manifest.json funnel is not readable ({type(exc).__name__}: {exc})")
        return None


def _ints(raw: Any) -> Pairs:
    if not isinstance(raw, dict):
        return ()
    return tuple(sorted((str(k), v) for k, v in raw.items()
                        if isinstance(v, int) and not isinstance(v, bool)))


def gather(dataset: Path, picker: Picker | None = None) -> Figures:
    """Every figure of the report; a folder without samples.jsonl is a ConfigError."""
    warnings: list[str] = []
    if not (dataset / "samples.jsonl").is_file():
        raise ConfigError(f"{dataset} is not a medground dataset: samples.jsonl is missing")
    manifest = _manifest(dataset, warnings)
    splits: Splits | None
    try:
        splits = load_splits(dataset)
    except ConfigError as exc:
        warnings.append(str(exc))
        splits = None
    picker = picker or Picker()
    tally = _Tally(splits)
    for sample in read_samples(dataset):
        tally.add(sample, kept=True)
        picker.offer(sample, None)
    rejects = _rejects(dataset, tally, picker)
    funnel = _funnel(manifest, warnings)
    if funnel is not None and funnel.kept != tally.kept:
        warnings.append(f"manifest.json's funnel keeps {funnel.kept} samples but samples.jsonl "
                        f"holds {tally.kept}: the files changed after the manifest was written")
    if funnel is not None and funnel.synthesized - funnel.kept != rejects.records:
        warnings.append(f"manifest.json's funnel rejects {funnel.synthesized - funnel.kept} "
                        f"samples but rejects.jsonl holds {rejects.records} records")
    if rejects.unreadable:
        warnings.append(f"rejects.jsonl: {rejects.unreadable} records are no readable sample "
                        "(counted by their verdict, not shown in the gallery)")
    split_figure = tally.split_figure()
    if split_figure is not None and split_figure.unassigned:
        warnings.append(f"splits.json does not cover {split_figure.unassigned} kept samples "
                        "(the dataset changed after it was split): run `medground split` again")
    config = manifest.get("config")
    source = config.get("source") if isinstance(config, dict) else None
    source = source if isinstance(source, dict) else {}
    return Figures(
        name=str(manifest.get("name") or dataset.resolve().name),
        folder=dataset.resolve().name,
        version=str(manifest.get("medground_version", "")),
        box_convention=str(manifest.get("box_convention", "")),
        license=str(source.get("license") or ""), citation=str(source.get("citation") or ""),
        cases=_ints(manifest.get("cases")), counts=_ints(manifest.get("counts")),
        funnel=funnel, kept=tally.kept, rejects=rejects, errors=_errors(dataset),
        distributions=tally.distributions(), query_stats=tally.query_stats(),
        splits=split_figure, evals=read_evals(dataset), gallery=picker.figure(dataset),
        warnings=tuple(warnings))
