"""Measured cues to words: shape, orientation, position on the image, intensity contrast.

Every function is pure and every threshold lives in a module constant, shape words in the
single ordered table :data:`SHAPE_RULES`. A word is only returned when the measurement makes it
clearly true; in-between measurements give None rather than a guess.

Coordinates are pixel edges on the saved image (x right, y down), as for boxes: the image
centre is ``(width / 2, height / 2)`` and a pixel at column ``c`` has centre ``c + 0.5``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from skimage.color import rgb2gray
from skimage.filters import threshold_otsu

from medground.geometry.boxes import mask_to_box
from medground.geometry.crops import fill_holes, grow_disc
from medground.geometry.crops import window as crop_window
from medground.geometry.shape import ShapeMeasures
from medground.modality import code_of

_SQUARE = ndimage.generate_binary_structure(2, 2)
_INF = math.inf

# ---------------------------------------------------------------------------------------------
# shape


@dataclass(frozen=True)
class ShapeRule:
    """A shape word and the half-open ranges ``[lo, hi)`` its measures must fall in."""

    word: str
    elongation: tuple[float, float] = (1.0, _INF)
    circularity: tuple[float, float] = (0.0, _INF)
    solidity: tuple[float, float] = (0.0, _INF)
    convexity: tuple[float, float] = (0.0, _INF)
    holes: tuple[float, float] = (0, 1)  # no holes unless the rule says otherwise
    parts: tuple[float, float] = (1, 2)  # one connected part
    roundness: tuple[float, float] = (0.0, _INF)

    def matches(self, m: ShapeMeasures, widen: float = 0.0) -> bool:
        """Every measure within its range; ``widen`` stretches the geometric ranges by that
        share of their bounds (topology stays exact)."""
        for key in _RULE_KEYS:
            lo, hi = getattr(self, key)
            if key not in ("holes", "parts"):
                lo, hi = lo * (1 - widen), hi * (1 + widen)
            if not lo <= getattr(m, key) < hi:
                return False
        return True


_RULE_KEYS: Final = ("elongation", "circularity", "solidity", "convexity", "holes", "parts",
                     "roundness")

#: masks smaller than this are too pixelated for a shape word
MIN_SHAPE_AREA_PX: Final = 30

#: ordered, first match wins. Convex shapes measure solidity 1.0 and convexity >= 0.93; see
#: tests/unit/stages/test_cue_words.py for the hand-made shapes these were fitted to.
SHAPE_RULES: Final[tuple[ShapeRule, ...]] = (
    ShapeRule("ring-shaped", holes=(1, _INF)),
    # jagged: the boundary is at least a third longer than its convex hull
    ShapeRule("irregular", convexity=(0.0, 0.75)),
    # strongly concave but with a smooth boundary, and longer than wide
    ShapeRule(
        "crescent-shaped", elongation=(1.5, _INF), solidity=(0.0, 0.7), convexity=(0.8, _INF)
    ),
    ShapeRule("elongated", elongation=(3.5, _INF), solidity=(0.8, _INF), convexity=(0.85, _INF)),
    ShapeRule(
        "round",
        elongation=(1.0, 1.25),
        circularity=(0.8, _INF),
        solidity=(0.96, _INF),
        convexity=(0.9, _INF),
        roundness=(0.8, _INF),  # not a square: its corners reach far from its centre
    ),
    ShapeRule("oval", elongation=(1.5, 3.0), solidity=(0.96, _INF), convexity=(0.9, _INF)),
    # bumps or notches on a compact outline: not convex, but smooth enough not to be jagged
    ShapeRule(
        "lobulated",
        elongation=(1.0, 2.0),
        circularity=(0.0, 0.78),
        solidity=(0.75, 0.97),
        convexity=(0.82, _INF),
    ),
)
#: each rule's word and its (low, high) bounds in ``_RULE_KEYS`` order, for :func:`shape_word`
_RULE_BOUNDS: Final = tuple((rule.word, tuple(getattr(rule, key) for key in _RULE_KEYS))
                            for rule in SHAPE_RULES)


#: relative widening of every rule's range for words a reader might still use
SHAPE_TOLERANCE: Final = 0.2


def shape_words_near(m: ShapeMeasures) -> frozenset[str]:
    """Shape words whose rule ``m`` matches once every range is widened by
    ``SHAPE_TOLERANCE`` (topology stays exact): what a reader might call the shape."""
    if m.area_px < MIN_SHAPE_AREA_PX:
        return frozenset()
    return frozenset(rule.word for rule in SHAPE_RULES if rule.matches(m, SHAPE_TOLERANCE))


def shape_word(m: ShapeMeasures) -> str | None:
    """The first rule of :data:`SHAPE_RULES` that ``m`` matches; None for small masks
    (< ``MIN_SHAPE_AREA_PX``) and for measures between rules."""
    if m.area_px < MIN_SHAPE_AREA_PX:
        return None
    values = [getattr(m, key) for key in _RULE_KEYS]  # read once, not once per rule
    for word, bounds in _RULE_BOUNDS:  # a plain loop: a generator per rule cost more
        for v, (lo, hi) in zip(values, bounds, strict=True):
            if not lo <= v < hi:
                break
        else:
            return word
    return None


#: orientation words only for clearly elongated masks
MIN_ORIENTATION_ELONGATION: Final = 1.8
#: degrees from the horizontal / vertical still called horizontal / vertical
ORIENTATION_TOLERANCE_DEG: Final = 20.0


def orientation_word(m: ShapeMeasures) -> str | None:
    """``horizontal``, ``vertical`` or ``oblique`` on screen; None unless elongated enough."""
    if m.elongation < MIN_ORIENTATION_ELONGATION:
        return None
    angle = m.orientation_deg % 180.0
    if min(angle, 180.0 - angle) <= ORIENTATION_TOLERANCE_DEG:
        return "horizontal"
    if abs(angle - 90.0) <= ORIENTATION_TOLERANCE_DEG:
        return "vertical"
    return "oblique"


# ---------------------------------------------------------------------------------------------
# position on the image

GRID_ROWS: Final = ("upper", "middle", "lower")
GRID_COLS: Final = ("left", "center", "right")
_GRID_PHRASES: Final[dict[tuple[str, str], str]] = {
    ("upper", "left"): "upper left",
    ("upper", "center"): "upper middle",
    ("upper", "right"): "upper right",
    ("middle", "left"): "middle left",
    ("middle", "center"): "center",
    ("middle", "right"): "middle right",
    ("lower", "left"): "lower left",
    ("lower", "center"): "lower middle",
    ("lower", "right"): "lower right",
}

#: centrality below which a mask (not touching the border) is "central"
CENTRAL_MAX: Final = 0.25
#: centrality above which a mask is "peripheral" (as is any mask touching the border)
PERIPHERAL_MIN: Final = 0.6


def _third(value: float, size: int) -> int:
    """0, 1 or 2: the third of ``[0, size]`` holding ``value``; a point exactly on a boundary
    goes to the later third (``[0, s/3)``, ``[s/3, 2s/3)``, ``[2s/3, s]``)."""
    if size <= 0:
        raise ValueError(f"image size must be positive, got {size}")
    return min(2, max(0, math.floor(3.0 * value / size)))


def grid_cell(cx: float, cy: float, width: int, height: int) -> tuple[str, str]:
    """(row word, column word) of the image third holding the point ``(cx, cy)``."""
    return GRID_ROWS[_third(cy, height)], GRID_COLS[_third(cx, width)]


def grid_phrase(row: str, col: str) -> str:
    """Natural phrase for a grid cell: ``upper left`` ... ``center`` ... ``lower right``."""
    try:
        return _GRID_PHRASES[(row, col)]
    except KeyError:
        raise ValueError(f"unknown grid cell ({row!r}, {col!r})") from None


def touches_border(box: Sequence[int], width: int, height: int) -> bool:
    """True when any edge of the xyxy ``box`` lies on (or beyond) the image edge."""
    x1, y1, x2, y2 = box
    return x1 <= 0 or y1 <= 0 or x2 >= width or y2 >= height


def centrality(cx: float, cy: float, width: int, height: int) -> float:
    """Distance of ``(cx, cy)`` from the image centre over the half-diagonal: 0 at the centre,
    1 at a corner (clipped to 1 outside the image)."""
    half_diag = math.hypot(width / 2.0, height / 2.0)
    if half_diag <= 0:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    return min(1.0, math.hypot(cx - width / 2.0, cy - height / 2.0) / half_diag)


def position_word(cx: float, cy: float, box: Sequence[int], width: int, height: int) -> str | None:
    """``central`` near the centre and off the border, ``peripheral`` far from it or touching
    the border, otherwise None."""
    c = centrality(cx, cy, width, height)
    on_border = touches_border(box, width, height)
    if on_border or c > PERIPHERAL_MIN:
        return "peripheral"
    if c < CENTRAL_MAX:
        return "central"
    return None


# ---------------------------------------------------------------------------------------------
# intensity

#: |contrast| (fraction of the 8-bit range) below which inside and ring are "not different"
MIN_INTENSITY_CONTRAST: Final = 0.08
RING_FRACTION: Final = 0.15
RING_MIN_PX: Final = 2
RING_MAX_PX: Final = 15

#: (brighter, darker) words by modality code (:mod:`medground.modality`): density for CT,
#: signal for MR, echogenicity for ultrasound (B-mode: brighter is more echoic); plain words
#: elsewhere, where the grey value has no clinical name a reader could check (a radiograph may
#: be shown inverted, a stain's colour is not brightness)
_INTENSITY_WORDS: Final[dict[str, tuple[str, str]]] = {
    "CT": ("hyperdense", "hypodense"),
    "MR": ("hyperintense", "hypointense"),
    "ultrasound": ("hyperechoic", "hypoechoic"),
}
_DEFAULT_INTENSITY_WORDS: Final = ("bright", "dark")


@dataclass(frozen=True)
class RingContrast:
    """Grey levels inside a mask and in a ring around it; ``contrast`` is their difference
    over 255 (positive: the mask is brighter)."""

    inside_mean: float
    ring_mean: float
    ring_std: float
    contrast: float


def grey(image: NDArray[np.uint8]) -> NDArray[np.float64]:
    """0..255 grey levels: the image itself, or the luminance of an RGB image."""
    if image.ndim == 2:
        return np.asarray(image, dtype=np.float64)
    if image.ndim == 3 and image.shape[2] == 3:
        return np.asarray(rgb2gray(image), dtype=np.float64) * 255.0
    raise ValueError(f"image must be (H, W) or (H, W, 3), got shape {image.shape}")


def default_ring_px(mask_area: int) -> int:
    """Ring width: 15% of the equivalent diameter, between ``RING_MIN_PX`` and ``RING_MAX_PX``."""
    eq_diameter = math.sqrt(4.0 * mask_area / math.pi)
    return min(RING_MAX_PX, max(RING_MIN_PX, round(RING_FRACTION * eq_diameter)))


def ring_contrast(
    image: NDArray[np.uint8], mask: NDArray[np.bool_], ring_px: int | None = None,
    *, box: Sequence[int] | None = None, area: int | None = None,
) -> RingContrast | None:
    """Mean grey inside ``mask`` against a ring ``ring_px`` wide around its hole-filled outline
    (disc dilation, clipped to the image). None when the ring is empty (the mask covers the
    image); ValueError for an empty or mismatched mask.

    Only the mask's box grown by the ring width is read (the dilation cannot reach further;
    the window stops at the image edge, so nothing outside the image counts as ring); a caller
    that knows the mask's tight ``box`` and pixel ``area`` passes them and nothing else of the
    mask is read."""
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != image.shape[:2]:
        raise ValueError(f"mask shape {mask.shape} does not match image shape {image.shape}")
    if box is None:
        box = mask_to_box(mask)
        if box is None:
            raise ValueError("cannot measure the contrast of an empty mask")
    if area is None:
        area = int(mask.sum())
    width = default_ring_px(area) if ring_px is None else int(ring_px)
    if width < 1:
        raise ValueError(f"ring_px must be >= 1, got {ring_px}")
    win = crop_window(box, width, mask.shape)
    g, inside = grey(image[win]), mask[win]
    filled = fill_holes(inside, _SQUARE)
    ring = grow_disc(filled, width) & ~filled
    if not ring.any():
        return None
    inside_mean = float(g[inside].mean())
    ring_values = g[ring]
    ring_mean = float(ring_values.mean())
    return RingContrast(
        inside_mean=inside_mean,
        ring_mean=ring_mean,
        ring_std=float(ring_values.std()),
        contrast=(inside_mean - ring_mean) / 255.0,
    )


def intensity_words(modality: str) -> tuple[str, str]:
    """(brighter, darker) words of a modality (any word of the vocabulary): hyper-/hypodense
    for CT, hyper-/hypointense for MR, hyper-/hypoechoic for ultrasound, bright/dark otherwise."""
    return _INTENSITY_WORDS.get(code_of(modality), _DEFAULT_INTENSITY_WORDS)


def intensity_word(rc: RingContrast | float | None, modality: str) -> str | None:
    """The word of :func:`intensity_words` for the sign of the contrast (a
    :class:`RingContrast` or its ``contrast``); None when the contrast is below
    ``MIN_INTENSITY_CONTRAST``."""
    contrast = rc.contrast if isinstance(rc, RingContrast) else rc
    if contrast is None or abs(contrast) < MIN_INTENSITY_CONTRAST:
        return None
    brighter, darker = intensity_words(modality)
    return brighter if contrast > 0 else darker


# ---------------------------------------------------------------------------------------------
# body midline

#: a "body" smaller than this fraction of the image is not trusted
MIN_BODY_FRACTION: Final = 0.05
#: the narrowest left-right extent (mm) of a whole body cross-section. Anatomy, not data: the
#: narrowest part of an adult body a scan can hold whole is the neck, about 90-100 mm across
#: (a neck circumference of about 30 cm); head, thorax, abdomen and pelvis are wider. An outline
#: narrower than this is part of a body (a crop, a breast, a limb) and its centre is no midline;
#: a field of view narrower than this cannot hold the midline of a body.
MIN_BODY_WIDTH_MM: Final = 80.0


def body_mask(image: NDArray[np.uint8]) -> NDArray[np.bool_] | None:
    """The body in a medical slice: the largest 8-connected component above the Otsu threshold,
    holes filled. None for a constant image or a body under ``MIN_BODY_FRACTION``."""
    g = grey(image)
    if g.size == 0 or g.min() == g.max():
        return None
    foreground = g > float(threshold_otsu(g))
    labelled, n = ndimage.label(foreground, structure=_SQUARE)
    if n == 0:
        return None
    sizes = np.bincount(labelled.ravel())
    sizes[0] = 0
    body: NDArray[np.bool_] = ndimage.binary_fill_holes(labelled == int(np.argmax(sizes)))
    if body.sum() < MIN_BODY_FRACTION * g.size:
        return None
    return body


@dataclass(frozen=True)
class CrossSection:
    """The body on one slice. ``status``: ``whole`` (air on both lateral sides and, when the
    pixel size is known, at least ``MIN_BODY_WIDTH_MM`` wide), ``cut`` (the body reaches the
    left or right border: its centre is not in view), ``narrow`` (narrower than any body) or
    ``none`` (no body found). ``midline_x`` (pixel edges) only for a whole cross-section."""

    status: str
    midline_x: float | None = None


def body_cross_section(image: NDArray[np.uint8], pixel_mm: float | None = None) -> CrossSection:
    """Is the whole body cross-section on this slice, and where is its left-right centre?"""
    body = body_mask(image)
    box = None if body is None else mask_to_box(body)
    if box is None:
        return CrossSection("none")
    x1, _, x2, _ = box
    if x1 <= 0 or x2 >= image.shape[1]:
        return CrossSection("cut")
    if pixel_mm is not None and (x2 - x1) * pixel_mm < MIN_BODY_WIDTH_MM:
        return CrossSection("narrow")
    return CrossSection("whole", (x1 + x2) / 2.0)


def body_midline_x(image: NDArray[np.uint8], pixel_mm: float | None = None) -> float | None:
    """x of the body's midline in pixel-edge coordinates: the middle ``(x1 + x2) / 2`` of the
    body's horizontal extent (see :func:`body_mask`); None unless the whole cross-section is in
    view (see :func:`body_cross_section`)."""
    return body_cross_section(image, pixel_mm).midline_x
