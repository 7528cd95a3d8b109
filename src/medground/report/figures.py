"""The typed figures the HTML report shows, apart from how they are gathered or drawn.

Every figure is a frozen record of plain values in a fixed order (tuples, sorted), so that the
same dataset always gives the same figures and the same page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Pairs = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class StageRow:
    """One verification stage of the funnel (manifest.json ``funnel.stages``)."""

    stage: str
    entered: int
    passed: int
    rejected: Pairs  # (reason, n), most frequent first

    @property
    def rejected_total(self) -> int:
        return sum(n for _, n in self.rejected)


@dataclass(frozen=True)
class FunnelFigure:
    synthesized: int
    stages: tuple[StageRow, ...]
    kept: int


@dataclass(frozen=True)
class RejectsFigure:
    """What rejects.jsonl holds: records by the first failing verdict (stage, reason)."""

    records: int
    by_reason: tuple[tuple[str, str, int], ...]  # (stage, reason, n), most frequent first
    unreadable: int  # lines that are no sample record (kept by verify as SCHEMA_INVALID)


@dataclass(frozen=True)
class ErrorRow:
    case: str
    code: str
    file: str
    message: str
    fatal: bool


@dataclass(frozen=True)
class ErrorsFigure:
    """errors.jsonl: one record per case error, with its code and file."""

    records: int
    fatal: int
    by_code: Pairs
    shown: tuple[ErrorRow, ...]  # the first records, in file order
    unreadable: int


@dataclass(frozen=True)
class Row:
    """One value of a distribution: how many kept samples and how many rejects have it."""

    value: str
    kept: int
    rejected: int


@dataclass(frozen=True)
class Distribution:
    key: str
    title: str
    unit: str  # what one count is: "samples", "targets"
    rows: tuple[Row, ...]
    note: str = ""


@dataclass(frozen=True)
class QueryStats:
    """Query length in words over the kept samples."""

    samples: int
    mean: float
    median: float
    maximum: int


@dataclass(frozen=True)
class SplitRow:
    split: str
    samples: int
    patients: int


@dataclass(frozen=True)
class SplitFigure:
    """splits.json, as the kept samples fall into it (medground.splits)."""

    seed: int | None
    rows: tuple[SplitRow, ...]
    composition: tuple[tuple[str, tuple[tuple[str, Pairs], ...]], ...]  # key -> split -> pairs
    subsets: Pairs
    unassigned: int  # kept samples splits.json does not know (it is stale)


@dataclass(frozen=True)
class ScoreRow:
    """The single-target scores of a model or a baseline."""

    name: str
    is_baseline: bool
    scores: tuple[tuple[str, float], ...]
    n: int | None = None  # the samples scored
    ci95: tuple[tuple[str, float, float], ...] = ()
    multi: tuple[tuple[str, float], ...] = ()  # precision, recall, f1
    notes: tuple[tuple[str, float], ...] = ()  # other numbers (a baseline's fallbacks)


@dataclass(frozen=True)
class Breakdown:
    key: str
    rows: tuple[tuple[str, int, tuple[tuple[str, float], ...]], ...]  # (value, n, scores)


@dataclass(frozen=True)
class EvalFigure:
    """One ``*.eval.json`` written by ``medground eval`` (see eval/score.py)."""

    file: str
    split: str = ""
    counts: Pairs = ()
    coverage: float | None = None
    baselines_note: str = ""  # what the baselines were fitted on
    rows: tuple[ScoreRow, ...] = ()  # the model first, then its baselines
    breakdowns: tuple[Breakdown, ...] = ()
    problem: str = ""  # why the file could not be read


@dataclass(frozen=True)
class Card:
    """One gallery sample: a thumbnail with its boxes drawn, and what to show beside it."""

    id: str
    image: str
    thumbnail: str  # data URI
    width: int
    height: int
    query: str
    modality: str
    task: str
    labels: tuple[str, ...]
    names: tuple[str, ...]
    kept: bool
    stage: str = ""  # the first failing verdict of a reject
    reason: str = ""
    detail: str = ""
    claims: tuple[str, ...] = ()
    distractors: int = 0
    image_problem: str = ""


@dataclass(frozen=True)
class GalleryFigure:
    cards: tuple[Card, ...]
    per_group: int
    cap: int
    candidates: int  # samples and rejects the picker saw


@dataclass(frozen=True)
class Figures:
    name: str
    folder: str
    version: str
    box_convention: str
    license: str
    citation: str
    cases: Pairs
    counts: Pairs
    funnel: FunnelFigure | None
    kept: int
    rejects: RejectsFigure
    errors: ErrorsFigure
    distributions: tuple[Distribution, ...]
    query_stats: QueryStats
    splits: SplitFigure | None
    evals: tuple[EvalFigure, ...]
    gallery: GalleryFigure
    warnings: tuple[str, ...] = field(default=())
