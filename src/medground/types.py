"""Core records that flow through the pipeline (see DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from medground.claims.types import Claim

Plane = Literal["axial", "coronal", "sagittal", "image"]
BoolArray = NDArray[np.bool_]
UInt8Array = NDArray[np.uint8]


@dataclass(frozen=True)
class Verdict:
    """One check's outcome. ``reason`` is a stable code such as ``BOX_OUTSIDE_IMAGE``."""

    stage: str
    passed: bool
    reason: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "passed": self.passed, "reason": self.reason,
                "detail": self.detail}


@dataclass
class Layer:
    """One labelled mask on a 2D view.

    ``instance`` is None when the mask is a whole label (it is split into connected
    components by the regions stage) and an integer when the source says the mask is one
    instance (per-target mask files, instance-id maps).
    """

    label: str
    mask: BoolArray
    instance: int | None = None
    #: the tight xyxy box of ``mask``, when the source knows it (a volume's slice: from its
    #: label's find_objects box), so that no stage reads the whole image to find it
    box: tuple[int, int, int, int] | None = None


@dataclass
class View:
    """A 2D image ready to be saved, with its label layers.

    ``frame`` maps image directions to patient directions (``{"left": "R", ...}``) when
    the source has an orientation, and is None for 2D sources without one.
    ``targets`` restricts which labels become query targets (None: all); the other
    layers still count as context.
    """

    case_id: str
    plane: Plane
    slice_index: int | None
    image: UInt8Array
    layers: list[Layer]
    frame: dict[str, str] | None = None
    spacing_mm: tuple[float, float] | None = None  # (row, column) pixel size on the PNG
    slice_position_mm: float | None = None
    targets: set[str] | None = None
    midline_x: float | None = None  # the body's midline on this view (pixel-edge x), if lateral

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def name(self) -> str:
        if self.slice_index is None:
            return self.plane
        return f"{self.plane}_{self.slice_index:04d}"


@dataclass
class CaseInfo:
    """What a source knows about one case besides pixels."""

    case_id: str
    source: str
    modality: str
    patient_id: str
    files: list[str] = field(default_factory=list)


# --- cues: what the synthesizers write from, measured on the saved view --------------------
@dataclass(frozen=True)
class SizeCues:
    area_px: int
    relative_area: float  # share of the image
    area_mm2: float | None  # None without pixel spacing
    eq_diameter_mm: float | None


@dataclass(frozen=True)
class ShapeCues:
    """geometry.shape.ShapeMeasures as written (rounded, no pixel lengths), with the words."""

    elongation: float
    circularity: float
    solidity: float
    convexity: float
    orientation_deg: float
    holes: int
    parts: int
    roundness: float
    word: str | None  # the shape word the measures make clearly true, if any
    orientation: str | None  # horizontal / vertical / oblique for elongated shapes


@dataclass(frozen=True)
class LocationCues:
    centroid: tuple[float, float]  # pixel edges: x, y
    grid: tuple[str, str]  # (upper|middle|lower, left|center|right)
    grid_phrase: str
    position: str | None  # central / peripheral
    touches_border: bool
    patient_side: str | None  # left / right / midline, None without a frame and midline


@dataclass(frozen=True)
class IntensityCues:
    contrast: float | None  # (mean inside - mean of a ring) / 255
    word: str | None


@dataclass(frozen=True)
class Relation:
    """Where a region lies relative to one region of another label."""

    label: str
    instance: int
    relation: str  # inside, adjacent, above, below, left_of, right_of
    patient: str | None = None  # the same direction in the patient's frame
    mediolateral: str | None = None  # medial / lateral, on the same side of the midline

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "instance": str(self.instance),
                               "relation": self.relation}
        if self.patient is not None:
            out["patient"] = self.patient
        if self.mediolateral is not None:
            out["mediolateral"] = self.mediolateral
        return out


@dataclass(frozen=True)
class OrdinalCues:
    """Ranks among the instances of the same label (1 = largest / left-most / upper-most)."""

    of: int
    size_rank: int
    x_rank: int
    y_rank: int
    words: tuple[str, ...]


@dataclass(frozen=True)
class Cues:
    """Every cue of one region (see README, "Cues and queries")."""

    size: SizeCues
    shape: ShapeCues
    location: LocationCues
    intensity: IntensityCues
    relations: tuple[Relation, ...] = ()
    ordinal: OrdinalCues | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: _plain(getattr(self, name))
                               for name in ("size", "shape", "location", "intensity")}
        out["relations"] = [r.to_dict() for r in self.relations]
        if self.ordinal is not None:
            out["ordinal"] = _plain(self.ordinal)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Cues:
        loc = dict(d["location"])
        loc["centroid"], loc["grid"] = tuple(loc["centroid"]), tuple(loc["grid"])
        ordinal = d.get("ordinal")
        return cls(size=SizeCues(**d["size"]), shape=ShapeCues(**d["shape"]),
                   location=LocationCues(**loc), intensity=IntensityCues(**d["intensity"]),
                   relations=tuple(Relation(**{**r, "instance": int(r["instance"])})
                                   for r in d.get("relations", [])),
                   ordinal=None if ordinal is None else OrdinalCues(
                       **{**ordinal, "words": tuple(ordinal["words"])}))


def _plain(record: Any) -> dict[str, Any]:
    """A cue record as JSON-ready data (tuples become lists when written)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


# --- the regions a sample refers to ----------------------------------------------------------
@dataclass(kw_only=True)
class Distractor:
    """A region of the target's kind the query must not pick out (no mask: views.jsonl has it)."""

    label: str
    instance: int
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in pixel edges
    name: str = ""
    area: int = 0
    centroid: tuple[float, float] | None = None
    cues: Cues | None = None

    def __post_init__(self) -> None:
        if len(self.box) != 4 or not all(isinstance(v, int) for v in self.box):
            raise ValueError(f"{self.label}: box {self.box!r} is not four integers")

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "name": self.name, "instance": self.instance,
                "box": list(self.box), "area": self.area,
                "centroid": None if self.centroid is None else list(self.centroid),
                "cues": {} if self.cues is None else self.cues.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Distractor:
        return cls(**_region_fields(d))


@dataclass(kw_only=True)
class Target(Distractor):
    """A region the query refers to: its box is the answer, its mask what the box was drawn
    around (COCO RLE on the saved PNG)."""

    mask_rle: dict[str, Any]

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.mask_rle, dict) or not {"size", "counts"} <= set(self.mask_rle):
            raise ValueError(f"{self.label}: mask_rle needs 'size' and 'counts'")

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "mask_rle": self.mask_rle}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Target:
        return cls(**_region_fields(d), mask_rle=d.get("mask_rle", {}))


def _region_fields(d: dict[str, Any]) -> dict[str, Any]:
    """The fields a region record shares, from its JSON; a wrong type raises ValueError."""
    if not isinstance(d.get("label"), str):
        raise ValueError(f"a region record needs a string label, got {d.get('label')!r}")
    if not isinstance(d.get("box"), list):
        raise ValueError(f"{d['label']}: box {d.get('box')!r} is not a list")
    centroid, cues = d.get("centroid"), d.get("cues")
    return {"label": d["label"], "instance": int(d.get("instance", 0)), "box": tuple(d["box"]),
            "name": str(d.get("name", "")), "area": int(d.get("area", 0)),
            "centroid": None if centroid is None else (float(centroid[0]), float(centroid[1])),
            "cues": Cues.from_dict(cues) if cues else None}


@dataclass
class Sample:
    """One image and one query task, with its targets and the verdicts of every check."""

    id: str
    image: str
    width: int
    height: int
    source: str
    case: str
    patient_id: str
    modality: str
    plane: str
    slice: int | None
    task: str
    targets: list[Target]
    query: str
    frame: dict[str, str] | None = None
    spacing_mm: list[float] | None = None
    distractors: list[Distractor] = field(default_factory=list)
    midline_x: float | None = None
    #: what the synthesizer means to say; None when it did not say (the reader's claims are
    #: checked anyway), [] when it said the text makes no claim
    claims: list[Claim] | None = None
    verdicts: list[Verdict] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)

    @property
    def first_failure(self) -> Verdict | None:
        return next((v for v in self.verdicts if not v.passed), None)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Sample:
        """A sample read back from samples.jsonl / rejects.jsonl."""
        return cls(
            id=d["id"], image=d["image"], width=int(d["width"]), height=int(d["height"]),
            source=d["source"], case=d["case"], patient_id=d["patient_id"],
            modality=d["modality"], plane=d["plane"], slice=d["slice"], task=d["task"],
            targets=[Target.from_dict(t) for t in d["targets"]], query=d["query"],
            frame=d.get("frame"), spacing_mm=d.get("spacing_mm"),
            distractors=[Distractor.from_dict(x) for x in d.get("distractors", [])],
            midline_x=d.get("midline_x"),
            claims=None if d.get("claims") is None else [Claim(**c) for c in d["claims"]],
            verdicts=[Verdict(**v) for v in d.get("verdicts", [])],
            provenance=dict(d.get("provenance", {})),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "image": self.image,
            "width": self.width,
            "height": self.height,
            "source": self.source,
            "case": self.case,
            "patient_id": self.patient_id,
            "modality": self.modality,
            "plane": self.plane,
            "slice": self.slice,
            "frame": self.frame,
            "spacing_mm": self.spacing_mm,
            "midline_x": self.midline_x,
            "task": self.task,
            "query": self.query,
            "targets": [t.to_dict() for t in self.targets],
            "distractors": [x.to_dict() for x in self.distractors],
            "claims": None if self.claims is None else [
                c.model_dump(exclude_defaults=True) for c in self.claims],
            "verdicts": [v.to_dict() for v in self.verdicts],
            "provenance": self.provenance,
        }


@dataclass(frozen=True)
class RegionRecord:
    """One labelled region of a saved view, as stored in ``views.jsonl``."""

    label: str
    instance: int
    box: tuple[int, int, int, int]
    area: int
    mask_rle: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "instance": self.instance, "box": list(self.box),
                "area": self.area, "mask_rle": self.mask_rle}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RegionRecord:
        x1, y1, x2, y2 = (int(v) for v in d["box"])
        return cls(label=str(d["label"]), instance=int(d["instance"]), box=(x1, y1, x2, y2),
                   area=int(d["area"]), mask_rle=dict(d["mask_rle"]))


@dataclass(frozen=True)
class ViewRecord:
    """Everything labelled on one saved view: what verification re-measures claims against
    (targets, distractors and every structure a relation may name)."""

    image: str
    case: str
    plane: str
    slice: int | None
    width: int
    height: int
    modality: str
    frame: dict[str, str] | None
    spacing_mm: list[float] | None
    midline_x: float | None
    regions: tuple[RegionRecord, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"image": self.image, "case": self.case, "plane": self.plane,
                "slice": self.slice, "width": self.width, "height": self.height,
                "modality": self.modality, "frame": self.frame, "spacing_mm": self.spacing_mm,
                "midline_x": self.midline_x, "regions": [r.to_dict() for r in self.regions]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ViewRecord:
        return cls(image=str(d["image"]), case=str(d["case"]), plane=str(d["plane"]),
                   slice=d["slice"], width=int(d["width"]), height=int(d["height"]),
                   modality=str(d["modality"]), frame=d.get("frame"),
                   spacing_mm=d.get("spacing_mm"), midline_x=d.get("midline_x"),
                   regions=tuple(RegionRecord.from_dict(r) for r in d["regions"]))
