"""Referring-expression content: which attributes single out a target among candidates.

Candidates are the regions of the target's kind in the view (same label, or the same structure
with another side or number: both kidneys, numbered ribs). A description is a set of absolute
attributes plus at most one relative attribute (size, horizontal or vertical extreme), which is
evaluated among the candidates the rest of the description leaves, as a superlative is read in
English ("the larger left hip bone"). ``minimal_descriptions`` finds the smallest such sets that
select exactly the target; ``select`` is the same semantics run backwards, for verification.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from medground.geometry.shape import ShapeMeasures
from medground.stages.cue_words import centrality, grid_phrase, intensity_words, shape_words_near
from medground.stages.synth.lexicon import ABSOLUTE_KINDS, RELATIVE_KINDS, Attr
from medground.types import Cues

#: a relative claim needs this much separation to be visibly true
SIZE_RATIO = 1.2
POSITION_GAP = 0.05  # of the image width / height

#: preference among equally small descriptions (lower first): size and position words read
#: most naturally, then the patient's side, shape and intensity, then image regions
PREFERENCE = {"size": 0.0, "hpos": 0.1, "vpos": 0.15, "side": 0.05, "shape": 0.2,
              "intensity": 0.25, "grid": 0.3, "position": 0.35, "border": 0.4}


#: attributes that say the same kind of thing: a description states at most one of each family
FAMILIES: tuple[frozenset[str], ...] = (frozenset({"grid", "position", "border"}),)


def same_family(a: Attr, b: Attr) -> bool:
    return a.kind == b.kind or any(a.kind in f and b.kind in f for f in FAMILIES)


@dataclass(frozen=True)
class Candidate:
    """What the description logic needs to know about one region. ``possible`` holds the
    attributes a reader might still grant it (near a threshold), beyond ``absolute``."""

    key: str  # "label:instance"
    label: str
    area: float
    cx: float
    cy: float
    absolute: frozenset[Attr]
    possible: frozenset[Attr] = frozenset()

    @property
    def maybe(self) -> frozenset[Attr]:
        return self.absolute | self.possible


#: a reader may take a region as "on the left" until its centroid passes the middle, as "in the
#: middle" within a quarter of the axis from the centre; "central" up to CENTRAL_MAYBE of the
#: half-diagonal and "peripheral" from PERIPHERAL_MAYBE
MIDDLE_MAYBE = 0.25
CENTRAL_MAYBE = 0.40
PERIPHERAL_MAYBE = 0.35
#: ring contrast (fraction of 255) from which "bright" / "dark" might be said
INTENSITY_MAYBE = 0.03


def possible_attributes(cues: Cues, width: int, height: int, modality: str
                        ) -> frozenset[Attr]:
    """Attributes a reader could take as true of a region although they are not clearly so:
    the neighbouring image regions, central/peripheral near their thresholds, both sides on
    the midline, shape words near their rules, faint contrast words."""
    loc, out = cues.location, set()
    cx, cy = loc.centroid
    fx, fy = cx / width, cy / height

    def near(f: float) -> list[str]:
        return ([x for x, ok in (("first", f < 0.5), ("middle", abs(f - 0.5) < MIDDLE_MAYBE),
                                 ("last", f > 0.5)) if ok])

    rows = {"first": "upper", "middle": "middle", "last": "lower"}
    cols = {"first": "left", "middle": "center", "last": "right"}
    for r in near(fy):
        for c in near(fx):
            out.add(Attr("grid", grid_phrase(rows[r], cols[c])))
    radial = centrality(cx, cy, width, height)
    if radial < CENTRAL_MAYBE and not loc.touches_border:
        out.add(Attr("position", "central"))
    if radial > PERIPHERAL_MAYBE or loc.touches_border:
        out.add(Attr("position", "peripheral"))
    if loc.patient_side == "midline":
        out |= {Attr("side", "left"), Attr("side", "right")}
    shape = cues.shape
    measures = ShapeMeasures(area_px=cues.size.area_px, perimeter_px=0.0,
                             eq_diameter_px=0.0, elongation=shape.elongation,
                             circularity=shape.circularity, solidity=shape.solidity,
                             convexity=shape.convexity, orientation_deg=0.0,
                             holes=shape.holes, parts=shape.parts, roundness=shape.roundness)
    out |= {Attr("shape", w) for w in shape_words_near(measures)}
    contrast = cues.intensity.contrast
    if contrast is not None and abs(contrast) >= INTENSITY_MAYBE:
        brighter, darker = intensity_words(modality)
        out.add(Attr("intensity", brighter if contrast > 0 else darker))
    return frozenset(out) - absolute_attributes(cues)


def absolute_attributes(cues: Cues) -> frozenset[Attr]:
    loc, out = cues.location, set()
    if loc.patient_side in ("left", "right"):
        out.add(Attr("side", loc.patient_side))
    if cues.shape.word:
        out.add(Attr("shape", cues.shape.word))
    if cues.intensity.word:
        out.add(Attr("intensity", cues.intensity.word))
    out.add(Attr("grid", loc.grid_phrase))
    if loc.position:
        out.add(Attr("position", loc.position))
    if loc.touches_border:
        out.add(Attr("border", "touching"))
    return frozenset(out)


_KIND_TOKENS = re.compile(r"^(left|right|\d+|[cdtls]\d{1,2})$", re.IGNORECASE)


def kind_of(label: str) -> str:
    """The structure a label names, without side and number: rib_left_7 -> rib."""
    parts = [p for p in re.split(r"[_\s]+", label) if p and not _KIND_TOKENS.match(p)]
    return "_".join(parts) or label


def relative_value(c: Candidate, group: Sequence[Candidate], kind: str, width: int,
                   height: int) -> str | None:
    """'max' / 'min' when ``c`` is clearly the extreme of ``group`` for ``kind``, else None."""
    others = [o for o in group if o.key != c.key]
    if not others:
        return None
    if kind == "size":
        if c.area >= SIZE_RATIO * max(o.area for o in others):
            return "max"
        if c.area * SIZE_RATIO <= min(o.area for o in others):
            return "min"
        return None
    mine, theirs, gap = ((c.cx, [o.cx for o in others], POSITION_GAP * width) if kind == "hpos"
                         else (c.cy, [o.cy for o in others], POSITION_GAP * height))
    if mine + gap <= min(theirs):
        return "min"
    if mine - gap >= max(theirs):
        return "max"
    return None


def select(candidates: Sequence[Candidate], absolute: Sequence[Attr], relative: Attr | None,
           width: int, height: int) -> list[Candidate]:
    """The candidates a description refers to."""
    left = [c for c in candidates if all(a in c.maybe for a in absolute)]
    if relative is None:
        return left
    return [c for c in left
            if relative_value(c, left, relative.kind, width, height) == relative.value]


@dataclass(frozen=True)
class Description:
    absolute: tuple[Attr, ...]
    relative: Attr | None

    @property
    def attrs(self) -> tuple[Attr, ...]:
        return (*self.absolute, *((self.relative,) if self.relative else ()))

    @property
    def cost(self) -> float:
        return len(self.attrs) + sum(PREFERENCE[a.kind] for a in self.attrs) / 10


def minimal_descriptions(target: Candidate, same_name: Sequence[Candidate], width: int,
                         height: int, max_attrs: int = 3) -> list[Description]:
    """All smallest descriptions that select exactly ``target`` among ``same_name`` (the
    candidates its noun also fits), cheapest first; empty when none exists.

    A relative value qualified by its margin is unique by construction (if the target is 1.2x
    larger than every other, no other can be), so each attribute combination costs one pass.
    """
    found: list[Description] = []
    abs_attrs = sorted(target.absolute, key=lambda a: (PREFERENCE[a.kind], a.value))
    for size in range(0, max_attrs + 1):
        for n_abs in (size, size - 1):
            if n_abs < 0:
                continue
            for combo in itertools.combinations(abs_attrs, n_abs):
                if any(same_family(a, b) for a, b in itertools.combinations(combo, 2)):
                    continue
                left = [c for c in same_name if all(a in c.maybe for a in combo)]
                if n_abs == size:
                    if len(left) == 1:
                        found.append(Description(tuple(combo), None))
                    continue
                for kind in RELATIVE_KINDS:
                    value = relative_value(target, left, kind, width, height)
                    if value is not None:
                        found.append(Description(tuple(combo), Attr(kind, value)))
        if found:
            return sorted(found, key=lambda d: (d.cost, [(a.kind, a.value) for a in d.attrs]))
    return []


assert set(PREFERENCE) == set(RELATIVE_KINDS) | set(ABSOLUTE_KINDS)
