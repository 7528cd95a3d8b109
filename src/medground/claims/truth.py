"""Is one claim true of one region? YES, NO or MAYBE, from the masks and pixels alone.

The thresholds are the bands of :mod:`medground.claims.bands`; see there for what each means.
"""

from __future__ import annotations

import math
from typing import Final

from medground.claims import bands
from medground.claims.measure import Region, Scene, touches_border, toward, union
from medground.claims.types import Claim
from medground.modality import code_of

NO: Final = 0
MAYBE: Final = 1
YES: Final = 2
PATIENT_DIRECTIONS: Final = frozenset({"anterior", "posterior", "superior", "inferior"})
_IMAGE_SIDES: Final = frozenset({"left", "right", "top", "bottom"})


def at_most(x: float, yes: float, no: float) -> int:
    """YES when ``x <= yes``, NO when ``x >= no``, MAYBE between (``yes < no``)."""
    if x <= yes:
        return YES
    if x >= no:
        return NO
    return MAYBE


def at_least(x: float, yes: float, no: float) -> int:
    """YES when ``x >= yes``, NO when ``x <= no``, MAYBE between (``yes > no``)."""
    return at_most(-x, -yes, -no)


def negate(t: int) -> int:
    return {YES: NO, NO: YES, MAYBE: MAYBE}[t]


def term_problem(c: Claim, scene: Scene) -> str | None:
    """A density word on MR, a signal word on CT: the word is not of this modality."""
    if c.kind == "intensity" and c.term:
        allowed = bands.TERM_MODALITIES[c.term]
        if code_of(scene.modality) not in allowed:
            return (f"a {'/'.join(sorted(allowed))} word on "
                    f"{scene.modality or 'an image of unknown modality'}")
    return None


def absolute(c: Claim, r: Region, scene: Scene, refs: list[Region] | None = None,
             refs2: list[Region] | None = None) -> int:
    """Truth of an absolute claim for one region (``refs``: the relation's references)."""
    if c.kind == "position":
        t = position(c, r, scene)
    elif c.kind == "side":
        t = side(c.value, r, scene)
    elif c.kind == "shape":
        t = shape(c.value, r)
    elif c.kind == "intensity":
        t = intensity(c.value, r, scene)
    elif c.kind == "relation":
        t = relation(c, r, refs or [], refs2 or [], scene)
    else:
        raise ValueError(f"{c.kind} is not an absolute claim")
    return negate(t) if c.negated else t


def position(c: Claim, r: Region, scene: Scene) -> int:
    v = c.value
    if v in _IMAGE_SIDES:
        yes, no = bands.POSITION_BANDS[c.extent]
        return at_most(toward(r, scene, v), yes, no)
    cx, cy = r.centroid
    dx, dy = abs(cx / scene.width - 0.5), abs(cy / scene.height - 0.5)
    if v in ("center", "center-x", "center-y"):
        off = {"center": max(dx, dy), "center-x": dx, "center-y": dy}[v]
        return at_most(off, *bands.CENTER_BAND)
    radial = math.hypot(cx - scene.width / 2, cy - scene.height / 2) / math.hypot(
        scene.width / 2, scene.height / 2)
    if v == "central":
        if touches_border(r, scene):
            return NO
        return at_most(radial, *bands.CENTRAL_BAND)
    if v == "periphery":
        if touches_border(r, scene):
            return YES
        return at_least(radial, *bands.PERIPHERY_BAND)
    if v == "border":
        return YES if touches_border(r, scene) else NO
    return YES if touches_border(r, scene, v.split("-", 1)[1]) else NO


def side(value: str, r: Region, scene: Scene) -> int:
    if value in ("left", "right"):
        d = scene.side_offset(r, value)
        return MAYBE if d is None else at_least(d, *bands.SIDE_BAND)
    if value == "midline":
        d = scene.side_offset(r, "left")
        return MAYBE if d is None else at_most(abs(d), *bands.MIDLINE_BAND)
    img_side = scene.image_side(value)
    if img_side is None:
        return MAYBE
    return at_most(toward(r, scene, img_side), *bands.POSITION_BANDS[""])


def shape(value: str, r: Region) -> int:
    if r.area < bands.MIN_SHAPE_PX:
        return MAYBE
    m = r.shape
    if value == "ring":
        return YES if m.holes >= 1 else NO
    if value in ("vertical", "horizontal"):
        if m.elongation < 1.3:
            return NO
        angle = m.orientation_deg % 180.0
        off = abs(angle - 90.0) if value == "vertical" else min(angle, 180.0 - angle)
        if m.elongation >= 1.8 and off <= 25.0:
            return YES
        return NO if off >= 40.0 else MAYBE
    if value == "smooth":  # no notches or spikes, holes or not
        if m.convexity >= 0.9 and m.solidity >= 0.9:
            return YES
        return NO if (m.convexity < 0.8 or m.solidity < 0.8) else MAYBE
    if m.holes >= 1:
        return NO
    if m.parts > 1:
        return MAYBE
    e, circ, sol, conv = m.elongation, m.circularity, m.solidity, m.convexity
    if value == "round":  # roundness rules out squares, which circularity lets through
        rnd = r.roundness
        if e <= 1.25 and circ >= 0.80 and sol >= 0.95 and rnd >= 0.75:
            return YES
        return NO if (e >= 1.45 or circ < 0.70 or sol < 0.88 or rnd < 0.66) else MAYBE
    if value == "oval":
        if 1.4 <= e <= 3.0 and sol >= 0.93:
            return YES
        return NO if (e < 1.2 or e > 3.6 or sol < 0.85) else MAYBE
    if value == "elongated":
        return at_least(e, 3.0, 2.2)
    if value == "lobulated":
        if e <= 2.2 and circ < 0.80 and 0.72 <= sol <= 0.97 and conv >= 0.80:
            return YES
        return NO if (sol >= 0.985 or sol < 0.6 or conv < 0.7) else MAYBE
    if value == "irregular":
        if conv < 0.78:
            return YES
        return NO if (conv >= 0.88 and sol >= 0.90) else MAYBE
    if value == "crescent":
        if e >= 1.5 and sol <= 0.72 and conv >= 0.78:
            return YES
        return NO if (sol >= 0.85 or e < 1.2) else MAYBE
    raise ValueError(f"unknown shape {value!r}")


def intensity(value: str, r: Region, scene: Scene) -> int:
    c = scene.contrast(r)
    if c is None:
        return MAYBE
    yes, no = bands.BRIGHT_CONTRAST
    if value == "bright":
        return at_least(c, yes, no)
    if value == "dark":
        return at_least(-c, yes, no)
    return at_most(abs(c), *bands.ISO_CONTRAST)


def relation(c: Claim, r: Region, refs: list[Region], refs2: list[Region], scene: Scene) -> int:
    """Truth of a relation of ``r`` to its reference(s); with ``each``, to every one."""
    refs = [x for x in refs if x is not r]
    if not refs:
        return NO
    if c.value == "between":
        if c.reference2 == c.reference:  # "between the two kidneys": one name, two regions
            if len(refs) != 2:
                return NO
            a, b = refs
        else:
            others = [x for x in refs2 if x is not r]
            if not others:
                return NO
            a, b = union(refs), union(others)
        return between(r, a, b)
    if c.each and len(refs) > 1 and c.value not in ("inside", "contains", "near", "adjacent"):
        return min(_relation(c, r, x, scene) for x in refs)
    return _relation(c, r, union(refs), scene)


def _relation(c: Claim, r: Region, ref: Region, scene: Scene) -> int:
    v = c.value
    if v == "inside":
        return at_least(scene.inside_fraction(r, ref), *bands.INSIDE_FRACTION)
    if v == "contains":
        return at_least(scene.inside_fraction(ref, r), *bands.INSIDE_FRACTION)
    if v in ("adjacent", "near", "far"):
        gap = scene.gap(r, ref)
        diag = scene.diagonal
        if v == "adjacent":
            if scene.inside_fraction(r, ref) >= bands.INSIDE_FRACTION[0]:
                return MAYBE  # inside, not beside
            yes = max(bands.ADJACENT_PX[0], bands.ADJACENT_DIAG[0] * diag)
            no = max(bands.ADJACENT_PX[1], bands.ADJACENT_DIAG[1] * diag)
            return YES if gap <= yes else NO if gap > no else MAYBE
        near = at_most(gap / diag, *bands.NEAR_DIAG)
        return near if v == "near" else negate(near)
    if v in ("larger", "smaller"):
        ratio = r.area / ref.area
        if v == "smaller":
            ratio = 1.0 / ratio
        return at_least(ratio, bands.SIZE_MARGIN, 1.0)
    if v in ("brighter", "darker"):
        diff = (scene.inside_mean(r) - scene.inside_mean(ref)) / 255.0
        return at_least(diff if v == "brighter" else -diff, bands.INTENSITY_GAP, 0.0)
    if v in ("medial", "lateral"):
        assert scene.midline_x is not None  # resolve_frame made sure
        mine = abs(r.centroid[0] - scene.midline_x) / scene.width
        theirs = abs(ref.centroid[0] - scene.midline_x) / scene.width
        gap = theirs - mine if v == "medial" else mine - theirs
        return at_least(gap, bands.MEDIOLATERAL_GAP, 0.0)
    direction = {"above": "top", "below": "bottom", "left_of": "left", "right_of": "right"}.get(v)
    if c.frame == "patient":
        direction = scene.image_side({"left_of": "left", "right_of": "right"}.get(v, v))
    if direction is None:
        return MAYBE
    t = beyond(r, ref, direction)
    if c.extent == "direct":  # "directly above": aligned across the other axis too
        t = min(t, aligned(r, ref, direction))
    return t


def aligned(r: Region, ref: Region, side: str) -> int:
    """Is ``r`` across from ``ref`` (its centroid within the reference's extent on the axis
    that is not the relation's)?"""
    cx, cy = r.centroid
    x1, y1, x2, y2 = ref.box
    lo, hi, v = (x1, x2, cx) if side in ("top", "bottom") else (y1, y2, cy)
    if lo <= v <= hi:
        return YES
    slack = 0.5 * (hi - lo)
    return NO if v < lo - slack or v > hi + slack else MAYBE


def beyond(r: Region, ref: Region, side: str) -> int:
    """``r`` lies toward ``side`` of ``ref``: its centroid past the reference's box edge on
    that side (YES), or not past the reference's centroid (NO)."""
    cx, cy = r.centroid
    rx, ry = ref.centroid
    x1, y1, x2, y2 = ref.box
    if side == "top":
        return YES if cy < y1 else NO if cy >= ry else MAYBE
    if side == "bottom":
        return YES if cy > y2 else NO if cy <= ry else MAYBE
    if side == "left":
        return YES if cx < x1 else NO if cx >= rx else MAYBE
    return YES if cx > x2 else NO if cx <= rx else MAYBE


def between(r: Region, a: Region, b: Region) -> int:
    """``r``'s centroid on the segment between the references' centroids, near the line."""
    (px, py), (ax, ay), (bx, by) = r.centroid, a.centroid, b.centroid
    abx, aby = bx - ax, by - ay
    length2 = abx * abx + aby * aby
    if length2 == 0:
        return MAYBE
    t = ((px - ax) * abx + (py - ay) * aby) / length2
    perp = abs((px - ax) * aby - (py - ay) * abx) / math.sqrt(length2)
    lo, hi, perp_yes, perp_no = bands.BETWEEN
    length = math.sqrt(length2)
    if lo <= t <= hi and perp <= perp_yes * length:
        return YES
    if t < 0 or t > 1 or perp > perp_no * length:
        return NO
    return MAYBE


# --- words that depend on the candidates ------------------------------------------------------
def adjective_alone(c: Claim, t: int, scene: Scene) -> int:
    """A bare size or direction word on a target alone of its kind: a band of the image."""
    r = scene.regions[t]
    if c.kind == "size":
        share = r.area / (scene.width * scene.height)
        out = (at_most(share, *bands.SMALL_SHARE) if c.value == "small"
               else at_least(share, *bands.LARGE_SHARE))
    elif c.value in _IMAGE_SIDES:
        out = at_most(toward(r, scene, c.value), *bands.POSITION_BANDS[""])
    elif c.value in PATIENT_DIRECTIONS or c.value in ("left", "right"):
        out = side(c.value, r, scene)
    else:  # "the medial lesion" with no other lesion: medial to what?
        out = MAYBE
    return negate(out) if c.negated else out


def _rank_key(c: Claim, r: Region, scene: Scene) -> float:
    """Smaller is further along the claim's direction (larger, further left, ...)."""
    if c.kind == "size":
        return -math.log(r.area) if c.value == "large" else math.log(r.area)
    if c.kind == "intensity":
        mean = scene.inside_mean(r) / 255.0
        return -mean if c.value == "bright" else mean
    if c.value in ("medial", "lateral"):
        assert scene.midline_x is not None
        d = abs(r.centroid[0] - scene.midline_x) / scene.width
        return d if c.value == "medial" else -d
    side_ = c.value
    if c.frame == "patient":
        side_ = scene.image_side(c.value) or c.value
    return toward(r, scene, side_)


def _gap(c: Claim) -> float:
    if c.kind == "size":
        return math.log(bands.SIZE_MARGIN)
    if c.kind == "intensity":
        return bands.INTENSITY_GAP
    return bands.ORDINAL_GAP


def relative(c: Claim, target: int, others: list[int], scene: Scene) -> str | None:
    """Why the target is not the ``rank``-th along the claim's direction among ``others`` and
    itself, each neighbour at least the margin away; None when it is."""
    if c.kind == "intensity" and c.degree == "absolute":
        return None
    if c.value == "middle":
        return _middle(target, others, scene)
    mine = _rank_key(c, scene.regions[target], scene)
    theirs = sorted(_rank_key(c, scene.regions[i], scene) for i in others)
    gap = _gap(c)
    ahead = [x for x in theirs if x < mine]
    if len(ahead) != c.rank - 1:
        return f"ranks {len(ahead) + 1} of {len(others) + 1}, not {c.rank}"
    if ahead and mine - ahead[-1] < gap:
        return "too close to call against the one ahead of it"
    behind = [x for x in theirs if x >= mine]
    if behind and behind[0] - mine < gap:
        return "too close to call against the next one"
    return None


def _middle(target: int, others: list[int], scene: Scene) -> str | None:
    """The middle one: the median of an odd number of candidates along the axis they spread
    over most, each neighbour a margin away."""
    group = [target, *others]
    if len(group) % 2 == 0:
        return f"{len(group)} candidates have no middle one"
    xs = [scene.regions[i].centroid[0] / scene.width for i in group]
    ys = [scene.regions[i].centroid[1] / scene.height for i in group]
    axis = xs if max(xs) - min(xs) >= max(ys) - min(ys) else ys
    mine = axis[0]
    rest = sorted(axis[1:])
    ahead = [v for v in rest if v < mine]
    if len(ahead) != len(rest) // 2:
        return "not the middle one"
    if (ahead and mine - ahead[-1] < bands.ORDINAL_GAP) or (
            len(rest) > len(ahead) and rest[len(ahead)] - mine < bands.ORDINAL_GAP):
        return "too close to call"
    return None
