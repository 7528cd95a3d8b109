"""Per-region cues: size, shape, location, patient side, relations and intensity.

Cues are measured on the saved 2D view (after reorientation and square-pixel resampling) and
stored on every sample, so later stages (verification, the report, a VLM prompt) use exactly
what the query was written from. Patient-frame cues exist only when the view has a frame
derived from the affine; 2D sources get image-frame cues only.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from medground.geometry.shape import shape_measures
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


def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


def region_cues(view: View, regions: Regions, modality: str) -> list[Cues]:
    """One cue record per region, in region order."""
    midline = view.midline_x if view.frame else None
    filled = [ndimage.binary_fill_holes(m) for m in regions.masks]
    return [dataclasses.replace(
        measure(regions.masks[i], view.image, modality, view.frame, midline, view.spacing_mm),
        relations=tuple(relations(i, regions, filled, view.frame, midline)),
        ordinal=ordinal(i, regions)) for i in range(len(regions))]


ORDINAL_WORDS = {2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh",
                 8: "eighth", 9: "ninth", 10: "tenth"}


def ordinal(i: int, regions: Regions) -> OrdinalCues:
    """Ranks among instances of the same label (1 = largest / left-most / upper-most), with
    words ("second largest", "third from the left"); ties share the better rank."""
    same = [j for j in range(len(regions)) if regions.label[j] == regions.label[i]]
    n = len(same)
    me = same.index(i)
    area = [int(regions.area[j]) for j in same]
    xs = [float(regions.centroid[j][0]) for j in same]
    ys = [float(regions.centroid[j][1]) for j in same]
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
) -> Cues:
    """Cues of one region from its mask and the saved image (no relations): what the
    synthesizer writes from and what verification re-measures."""
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    cx, cy = float(xs.mean()) + 0.5, float(ys.mean()) + 0.5
    box = [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]
    pixel_mm = spacing_mm[0] * spacing_mm[1] if spacing_mm else None
    m = shape_measures(mask)
    rc = ring_contrast(image, mask)
    row, col = grid_cell(cx, cy, w, h)
    area = int(ys.size)
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
            position=position_word(cx, cy, box, w, h), touches_border=touches_border(box, w, h),
            patient_side=patient_side(cx, midline, frame, w)),
        intensity=IntensityCues(contrast=_r(rc.contrast) if rc else None,
                                word=intensity_word(rc, modality)),
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


def relations(
    i: int, regions: Regions, filled: list[NDArray[np.bool_]], frame: dict[str, str] | None,
    midline: float | None,
) -> list[Relation]:
    """Spatial relations of region ``i`` to each region of another label in the same view.

    Directions are in the image frame (``above`` = smaller y) and, with a frame, also in the
    patient's (``patient``: e.g. ``anterior``, ``right``); ``inside`` / ``adjacent`` from masks.
    """
    out: list[Relation] = []
    me = regions.masks[i]
    x1, y1, x2, y2 = (int(v) for v in regions.xyxy[i])
    grown = ndimage.binary_dilation(me, iterations=2)
    for j in range(len(regions)):
        if j == i or regions.label[j] == regions.label[i]:
            continue
        ox1, oy1, ox2, oy2 = (int(v) for v in regions.xyxy[j])
        near = x1 <= ox2 + 2 and ox1 <= x2 + 2 and y1 <= oy2 + 2 and oy1 <= y2 + 2
        if near and (filled[j] & me).sum() >= INSIDE_FRACTION * me.sum():
            kind = "inside"
        elif near and (grown & regions.masks[j]).any():
            kind = "adjacent"
        elif y2 <= oy1:
            kind = "above"
        elif y1 >= oy2:
            kind = "below"
        elif x2 <= ox1:
            kind = "left_of"
        elif x1 >= ox2:
            kind = "right_of"
        else:
            continue
        patient = (_patient_direction(kind, frame) if frame and kind in (
            "above", "below", "left_of", "right_of") else None)
        mediolateral = None
        if midline is not None and frame and frame["left"] in ("R", "L"):
            mine = abs(float(regions.centroid[i][0]) - midline)
            theirs = abs(float(regions.centroid[j][0]) - midline)
            same_side = (float(regions.centroid[i][0]) - midline) * (float(regions.centroid[j][0]) - midline) > 0
            if same_side and abs(mine - theirs) > 0.1 * me.shape[1]:
                mediolateral = "medial" if mine < theirs else "lateral"
        out.append(Relation(label=str(regions.label[j]), instance=int(regions.instance[j]),
                            relation=kind, patient=patient, mediolateral=mediolateral))
    return out


_SIDE_WORDS = {"R": "right", "L": "left", "A": "anterior", "P": "posterior", "S": "superior",
               "I": "inferior"}


def _patient_direction(relation: str, frame: dict[str, str]) -> str:
    side = {"above": "top", "below": "bottom", "left_of": "left", "right_of": "right"}[relation]
    return _SIDE_WORDS[frame[side]]
