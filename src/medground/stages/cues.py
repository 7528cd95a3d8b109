"""Per-region cues: size, shape, location, patient side, relations and intensity.

Cues are measured on the saved 2D view (after reorientation and square-pixel resampling) and
stored on every sample, so later stages (verification, the report, a VLM prompt) use exactly
what the query was written from. Patient-frame cues exist only when the view has a frame
derived from the affine; 2D sources get image-frame cues only.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
from numpy.typing import NDArray

from medground.geometry.crops import Window, box_of_mask, fill_holes, grow_diamond, window
from medground.geometry.shape import ShapeMeasures, shape_measures, shape_measures_many
from medground.stages.cue_rings import ring_contrasts
from medground.stages.cue_words import (
    grid_cell,
    grid_phrase,
    intensity_word,
    orientation_word,
    position_word,
    ring_contrast,
    shape_word,
    touches_border,
)
from medground.stages.regions import Regions
from medground.types import (
    BoolArray,
    Cues,
    IntensityCues,
    LocationCues,
    OrdinalCues,
    Relation,
    ShapeCues,
    SizeCues,
    View,
)

#: share of the body width within which a region counts as on the midline
MIDLINE_BAND = 0.06
#: share of a target inside another structure's filled mask for "inside"
INSIDE_FRACTION = 0.9
#: a region within this many 4-connected steps of another is "adjacent" to it
ADJACENT_PX = 2


def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


def region_cues(view: View, regions: Regions, modality: str) -> list[Cues]:
    """One cue record per region, in region order.

    Every measure works on the region's box (``regions.xyxy``, the tight box of its mask) plus
    the margin it needs, and relations are prefiltered by boxes, so a view costs about its
    regions' boxes rather than the image once per region and pair (see
    :mod:`medground.geometry.crops` for why each crop gives the whole-image answer)."""
    midline = view.midline_x if view.frame else None
    crops = RegionCrops(regions)
    pairs = pairs_of(crops, view.frame, midline, view.image.shape[1])
    n = len(regions)
    moments = None if regions.moments is None else regions.moments.tolist()
    shapes = shape_measures_many([crops.crop(i) for i in range(n)], moments)
    crops.encloses = [m.encloses for m in shapes]
    areas = regions.area.tolist()
    contrasts = ring_contrasts(view.image, regions.masks, crops.boxes, areas, crops.encloses)
    h, w = view.image.shape[:2]
    cy = regions.centroid[:, 1].tolist()
    ranks = ordinals(regions)
    related = relations(crops, pairs)
    return [_cues(shapes[i], contrasts[i], crops.box(i), crops.cx[i], cy[i], areas[i], (h, w),
                  modality, view.frame, midline, view.spacing_mm, related[i], ranks[i])
            for i in range(n)]


class RegionCrops:
    """Per-region crops a view's relations need, each made once and only when asked for:
    the mask on its box, its pixel count, the hole-filled mask on its box (scipy's default
    4-connected background, as ``binary_fill_holes(mask)``) and the mask grown by
    ``ADJACENT_PX`` (two 4-connected dilations) on its box plus that margin."""

    def __init__(self, regions: Regions) -> None:
        self.regions = regions
        self.boxes: list[tuple[int, int, int, int]] = [
            (int(a), int(b), int(c), int(d)) for a, b, c, d in regions.xyxy.tolist()]
        self.labels: list[str] = [str(v) for v in regions.label.tolist()]
        self.instances: list[int] = [int(v) for v in regions.instance.tolist()]
        self.cx: list[float] = [float(v) for v in regions.centroid[:, 0].tolist()]
        self.box_array = np.asarray(self.boxes, dtype=np.int64).reshape(-1, 4)
        self.label_array = np.asarray(self.labels, dtype=object)
        self.cx_array = np.asarray(self.cx, dtype=np.float64)
        self.area_array = np.asarray(regions.area, dtype=np.int64)
        self._filled: dict[int, BoolArray] = {}
        self._grown: dict[int, tuple[Window, BoolArray]] = {}
        self._touching: dict[tuple[int, int], bool] = {}
        #: per region, whether its mask encloses background (``ShapeMeasures.encloses``),
        #: once the shapes are measured: a mask that encloses none is its own filling
        self.encloses: list[bool] | None = None

    def box(self, i: int) -> tuple[int, int, int, int]:
        return self.boxes[i]

    def crop(self, i: int) -> BoolArray:
        x1, y1, x2, y2 = self.box(i)
        return self.regions.masks[i][y1:y2, x1:x2]

    def area(self, i: int) -> int:
        return int(self.area_array[i])

    def filled(self, i: int) -> BoolArray:
        if i not in self._filled:
            self._filled[i] = fill_holes(self.crop(i))
        return self._filled[i]

    def grown(self, i: int) -> tuple[Window, BoolArray]:
        if i not in self._grown:
            win = window(self.box(i), ADJACENT_PX, self.regions.masks[i].shape)
            self._grown[i] = win, grow_diamond(self.regions.masks[i][win], ADJACENT_PX)
        return self._grown[i]

    def inside(self, i: int, j: int) -> bool:
        """Are at least ``INSIDE_FRACTION`` of region ``i``'s pixels in region ``j``'s
        hole-filled mask? Only the boxes' intersection can hold such pixels; the filling is
        skipped when the pixels of ``i`` there are too few, or already enough on ``j`` itself."""
        ax1, ay1, ax2, ay2 = self.box(i)
        bx1, by1, bx2, by2 = self.box(j)
        x1, y1, x2, y2 = max(ax1, bx1), max(ay1, by1), min(ax2, bx2), min(ay2, by2)
        need = INSIDE_FRACTION * self.area(i)
        if x1 >= x2 or y1 >= y2:
            return need <= 0  # no pixel of i in reach (a region has at least one)
        mine = self.regions.masks[i][y1:y2, x1:x2]
        if np.count_nonzero(mine) < need:  # the filled mask lies in j's box
            return False
        if np.count_nonzero(mine & self.regions.masks[j][y1:y2, x1:x2]) >= need:
            return True  # the filled mask holds the mask
        if self.encloses is not None and not self.encloses[j]:
            return False  # j's filled mask is j's mask: counted just now
        theirs = self.filled(j)[y1 - by1:y2 - by1, x1 - bx1:x2 - bx1]
        return int(np.count_nonzero(mine & theirs)) >= need

    def touches(self, i: int, j: int) -> bool:
        """Is region ``j`` within ``ADJACENT_PX`` (4-connected steps) of region ``i``? Read
        where one region's grown window meets the other's box (nowhere else can it be);
        asked once per pair, as it is symmetric (the same pixel pairs, L1 distance <=
        ``ADJACENT_PX``, either way round), growing the region that is grown already."""
        key = (i, j) if i < j else (j, i)
        if key not in self._touching:
            grow, other = (j, i) if j in self._grown else (i, j)
            self._touching[key] = self._touches(grow, other)
        return self._touching[key]

    def _touches(self, i: int, j: int) -> bool:
        (rows, cols), grown = self.grown(i)
        bx1, by1, bx2, by2 = self.box(j)
        y1, y2 = max(rows.start, by1), min(rows.stop, by2)
        x1, x2 = max(cols.start, bx1), min(cols.stop, bx2)
        if y1 >= y2 or x1 >= x2:
            return False
        near = grown[y1 - rows.start:y2 - rows.start, x1 - cols.start:x2 - cols.start]
        return bool((near & self.regions.masks[j][y1:y2, x1:x2]).any())


ORDINAL_WORDS = {2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh",
                 8: "eighth", 9: "ninth", 10: "tenth"}


def ordinals(regions: Regions) -> list[OrdinalCues]:
    """Per region, its ranks among the instances of the same label (1 = largest / left-most
    / upper-most), with words ("second largest", "third from the left"); ties share the
    better rank. Each label's instances are compared once."""
    labels = regions.label.tolist()
    area, xy = regions.area.tolist(), regions.centroid.tolist()
    groups: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(label, []).append(i)
    out: list[OrdinalCues | None] = [None] * len(labels)
    for same in groups.values():
        for i in same:
            out[i] = _ordinal([area[j] for j in same], [xy[j][0] for j in same],
                              [xy[j][1] for j in same], same.index(i))
    return [o for o in out if o is not None]


def _ordinal(area: list[int], xs: list[float], ys: list[float], me: int) -> OrdinalCues:
    n = len(area)
    size_rank = 1 + sum(a > area[me] for a in area)
    x_rank = 1 + sum(x < xs[me] for x in xs)
    y_rank = 1 + sum(y < ys[me] for y in ys)
    return OrdinalCues(of=n, size_rank=size_rank, x_rank=x_rank, y_rank=y_rank,
                       words=() if n < 2 else (
                           _rank_word(size_rank, n, "largest", "smallest", "{o} largest"),
                           _rank_word(x_rank, n, "left-most", "right-most", "{o} from the left"),
                           _rank_word(y_rank, n, "upper-most", "lower-most", "{o} from the top"),
                       ))


def _rank_word(rank: int, n: int, first: str, last: str, middle: str) -> str:
    if rank == 1:
        return first
    if rank == n:
        return last
    return middle.format(o=ORDINAL_WORDS.get(rank, f"{rank}th"))


def measure(
    mask: NDArray[np.bool_], image: NDArray[np.uint8], modality: str,
    frame: dict[str, str] | None, midline: float | None,
    spacing_mm: tuple[float, float] | list[float] | None,
    *, box: tuple[int, int, int, int] | None = None,
) -> Cues:
    """Cues of one region from its mask and the saved image (no relations): what the
    synthesizer writes from and what verification re-measures. ``box`` is the mask's tight
    xyxy box when the caller knows it (it then is the only part of the mask read)."""
    h, w = mask.shape
    if box is None:
        box = box_of_mask(mask)
        if box is None:
            raise ValueError("cannot measure an empty mask")
    x1, y1, x2, y2 = box
    crop = mask[y1:y2, x1:x2]
    ys, xs = np.nonzero(crop)
    # the same integers in the same (raster) order as over the whole image: the same mean
    cx, cy = float((xs + x1).mean()) + 0.5, float((ys + y1).mean()) + 0.5
    area = int(ys.size)
    rc = ring_contrast(image, mask, box=box, area=area)
    return _cues(shape_measures(crop), rc.contrast if rc else None, box, cx, cy, area, (h, w),
                 modality, frame, midline, spacing_mm)


def _cues(m: ShapeMeasures, contrast: float | None, box: tuple[int, int, int, int],
          cx: float, cy: float, area: int, size: tuple[int, int], modality: str,
          frame: dict[str, str] | None, midline: float | None,
          spacing_mm: tuple[float, float] | list[float] | None,
          relations: tuple[Relation, ...] = (), ordinal: OrdinalCues | None = None) -> Cues:
    """The cue record of a region from its measures."""
    h, w = size
    pixel_mm = spacing_mm[0] * spacing_mm[1] if spacing_mm else None
    row, col = grid_cell(cx, cy, w, h)
    return Cues(
        size=SizeCues(
            area_px=area, relative_area=_r(area / (w * h), 5),
            area_mm2=_r(area * pixel_mm, 2) if pixel_mm else None,
            eq_diameter_mm=_r(2 * math.sqrt(area * pixel_mm / math.pi), 2) if pixel_mm else None),
        shape=ShapeCues(
            elongation=_r(m.elongation), circularity=_r(m.circularity),
            solidity=_r(m.solidity), convexity=_r(m.convexity),
            orientation_deg=_r(m.orientation_deg, 1), holes=m.holes, parts=m.parts,
            roundness=_r(m.roundness), word=shape_word(m), orientation=orientation_word(m)),
        location=LocationCues(
            centroid=(_r(cx), _r(cy)), grid=(row, col), grid_phrase=grid_phrase(row, col),
            position=position_word(cx, cy, list(box), w, h),
            touches_border=touches_border(list(box), w, h),
            patient_side=patient_side(cx, midline, frame, w)),
        intensity=IntensityCues(contrast=_r(contrast) if contrast is not None else None,
                                word=intensity_word(contrast, modality)),
        relations=relations, ordinal=ordinal,
    )


def patient_side(
    cx: float, midline: float | None, frame: dict[str, str] | None, width: int
) -> str | None:
    """'left' / 'right' / 'midline' in the patient's frame, from the affine-derived frame and the
    body midline; None without a frame or a lateral axis (sagittal views)."""
    if not frame or frame["left"] not in ("R", "L") or midline is None:
        return None
    if abs(cx - midline) <= MIDLINE_BAND * width:
        return "midline"
    on_image_left = cx < midline
    side_letter = frame["left"] if on_image_left else frame["right"]
    return "right" if side_letter == "R" else "left"


def relations(crops: RegionCrops, pairs: Pairs) -> list[tuple[Relation, ...]]:
    """Per region, its spatial relations to each region of another label in the same view.

    Directions are in the image frame (``above`` = smaller y) and, with a frame, also in the
    patient's (``patient``: e.g. ``anterior``, ``right``); ``inside`` / ``adjacent`` from masks,
    only for pairs whose boxes come within ``ADJACENT_PX`` of each other (no pixel of two
    regions further apart can be inside or next to the other). The box tests run on all the
    view's regions at once (:func:`pairs_of`) and are read for all pairs at once; only near
    pairs look at masks, and adjacency (symmetric) once per pair.
    """
    n = len(crops.boxes)
    rows, cols = np.nonzero(pairs.other)  # row-major: each region's pairs in index order
    mediolateral = pairs.mediolateral[rows, cols].tolist()
    patient = pairs.patient
    out: list[list[Relation]] = [[] for _ in range(n)]
    for i, j, is_near, enclosed, d, ml in zip(
            rows.tolist(), cols.tolist(), pairs.near[rows, cols].tolist(),
            pairs.may_be_inside[rows, cols].tolist(), pairs.direction[rows, cols].tolist(),
            mediolateral, strict=True):
        if enclosed and crops.inside(i, j):
            kind, toward = "inside", None
        elif is_near and crops.touches(i, j):
            kind, toward = "adjacent", None
        elif d < len(_DIRECTIONS):
            kind, toward = _DIRECTIONS[d], patient[d]
        else:
            continue
        out[i].append(_relation(crops.labels[j], crops.instances[j], kind, toward,
                                _MEDIOLATERAL[ml]))
    return [tuple(r) for r in out]


@functools.lru_cache(maxsize=1 << 16)
def _relation(label: str, instance: int, kind: str, patient: str | None,
              mediolateral: str | None) -> Relation:
    """A :class:`Relation` (frozen, so one object serves every cue that has the same one: a
    volume's views repeat the same few hundred)."""
    return Relation(label=label, instance=instance, relation=kind, patient=patient,
                    mediolateral=mediolateral)


_DIRECTIONS: tuple[str, ...] = ("above", "below", "left_of", "right_of")
_MEDIOLATERAL: tuple[str | None, ...] = (None, "medial", "lateral")


@dataclasses.dataclass(frozen=True)
class Pairs:
    """Box tests between every two regions of a view, ``[i, j]`` for region i's relation to
    region j: ``other`` (another label), ``near`` (boxes within ``ADJACENT_PX``),
    ``may_be_inside`` (near, and the boxes' overlap holds ``INSIDE_FRACTION`` of i), the first
    of ``_DIRECTIONS`` that holds (4 for none), the mediolateral index (0 none, 1 medial, 2
    lateral), and the patient-frame word of each direction."""

    other: NDArray[np.bool_]
    near: NDArray[np.bool_]
    may_be_inside: NDArray[np.bool_]
    direction: NDArray[np.int64]
    mediolateral: NDArray[np.int64]
    patient: tuple[str | None, ...]


def pairs_of(crops: RegionCrops, frame: dict[str, str] | None, midline: float | None,
             width: int) -> Pairs:
    """:class:`Pairs` of a view ``width`` pixels wide with this frame and body midline."""
    b = crops.box_array
    x1, y1, x2, y2 = (b[:, k][:, None] for k in range(4))  # region i, down the rows
    ox1, oy1, ox2, oy2 = (b[:, k][None, :] for k in range(4))  # region j, across
    labels = crops.label_array
    other = labels[:, None] != labels[None, :]
    near = ((x1 <= ox2 + ADJACENT_PX) & (ox1 <= x2 + ADJACENT_PX)
            & (y1 <= oy2 + ADJACENT_PX) & (oy1 <= y2 + ADJACENT_PX))
    # i can only be inside j when the boxes' overlap could hold INSIDE_FRACTION of i's pixels
    overlap = (np.clip(np.minimum(x2, ox2) - np.maximum(x1, ox1), 0, None)
               * np.clip(np.minimum(y2, oy2) - np.maximum(y1, oy1), 0, None))
    may_be_inside = near & (overlap >= INSIDE_FRACTION * crops.area_array[:, None])
    direction = np.full(other.shape, 4, dtype=np.int64)
    for k, holds in reversed(list(enumerate((y2 <= oy1, y1 >= oy2, x2 <= ox1, x1 >= ox2)))):
        direction[holds] = k  # the first that holds wins
    mediolateral = np.zeros(other.shape, dtype=np.int64)
    if midline is not None and frame and frame["left"] in ("R", "L"):
        off = crops.cx_array - midline
        mine, theirs = np.abs(off)[:, None], np.abs(off)[None, :]
        lateral = (off[:, None] * off[None, :] > 0) & (np.abs(mine - theirs) > 0.1 * width)
        mediolateral[lateral] = np.where(mine < theirs, 1, 2)[lateral]
    patient = (tuple(_patient_direction(k, frame) for k in _DIRECTIONS) if frame
               else (None,) * len(_DIRECTIONS))
    return Pairs(other, near, may_be_inside, direction, mediolateral, patient)


_SIDE_WORDS = {"R": "right", "L": "left", "A": "anterior", "P": "posterior", "S": "superior",
               "I": "inferior"}


def _patient_direction(relation: str, frame: dict[str, str]) -> str:
    side = {"above": "top", "below": "bottom", "left_of": "left", "right_of": "right"}[relation]
    return _SIDE_WORDS[frame[side]]
