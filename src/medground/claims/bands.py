"""When a claim holds: bands, margins and tolerances, in one table.

Every test gives one of three answers: YES (clearly true), NO (clearly false) or MAYBE (a
reader could go either way). A target must be YES for every claim; a candidate that is YES or
MAYBE counts as matching a qualifier, so a superlative must beat it too, and a query that a
MAYBE candidate could also fit is ambiguous. Positions are measured at the region's centroid
as a fraction of the image width or height (0 = left / top edge).
"""

from __future__ import annotations

from typing import Final

#: image position bands by extent: (YES at most, NO from) as a fraction of the axis, measured
#: toward the named side ("left": centroid x / width; "right": 1 - x / width)
POSITION_BANDS: Final[dict[str, tuple[float, float]]] = {
    "": (0.40, 0.50),       # "on the image's left": the left 40 %; never past the middle
    "half": (0.45, 0.55),   # "in the left half"
    "third": (0.34, 0.45),  # "in the left third"
    "edge": (0.30, 0.45),   # "toward the left edge", "at the far left"
    "corner": (0.34, 0.50),  # "in the lower right corner": each axis in its outer third
}
#: "in the middle" along one axis (center-x, center-y) or both (center): |offset from the
#: centre| / axis length
CENTER_BAND: Final = (0.17, 0.25)
#: "near the centre" / "toward the periphery": distance from the centre over the half-diagonal
CENTRAL_BAND: Final = (0.25, 0.40)
PERIPHERY_BAND: Final = (0.55, 0.35)  # YES from 0.55 (or touching the border), NO under 0.35

#: patient side: offset of the centroid from the body midline toward the named side, as a
#: fraction of the image width
SIDE_BAND: Final = (0.05, 0.0)  # YES at 5 % of the width past the midline, NO on the other side
MIDLINE_BAND: Final = (0.04, 0.10)  # |offset| YES up to 4 %, NO from 10 %

#: an absolute size word with nothing of its kind to compare with: share of the image area
SMALL_SHARE: Final = (0.01, 0.03)  # "small": YES up to 1 %, NO from 3 %
LARGE_SHARE: Final = (0.10, 0.04)  # "large": YES from 10 %, NO under 4 %

#: comparatives and superlatives among candidates
SIZE_MARGIN: Final = 1.15  # area ratio to each competitor
ORDINAL_GAP: Final = 0.04  # centroid gap to each competitor, fraction of the axis
INTENSITY_GAP: Final = 0.05  # mean grey-level gap to each competitor, fraction of 255

#: intensity words: (mean inside - mean of a surrounding ring) / 255
BRIGHT_CONTRAST: Final = (0.06, 0.02)  # "bright": YES from +0.06, NO under +0.02
ISO_CONTRAST: Final = (0.03, 0.08)  # "isodense": |contrast| YES up to 0.03, NO from 0.08
RING_FRACTION: Final = 0.15  # ring width: this share of the equivalent diameter ...
RING_PX: Final = (2, 15)  # ... within these pixel bounds
#: modality codes (:mod:`medground.modality`) each specialised intensity vocabulary belongs
#: to: density / attenuation for CT and projection radiography ("radiopaque", "high-density"
#: mass on a mammogram), signal for MR, echogenicity for ultrasound
TERM_MODALITIES: Final[dict[str, frozenset[str]]] = {
    "density": frozenset({"CT", "X-ray", "mammography"}),
    "signal": frozenset({"MR"}),
    "echo": frozenset({"ultrasound"}),
}

#: shape words: the measures that make each word clearly true (YES) or clearly false (NO) are
#: written out in :func:`medground.claims.truth.shape`; in between is MAYBE. Masks under
#: MIN_SHAPE_PX pixels are too coarse for any shape word.
MIN_SHAPE_PX: Final = 30

#: relations (distances in pixels; diag = the image diagonal)
INSIDE_FRACTION: Final = (0.85, 0.50)  # share of the subject inside the hole-filled reference
ADJACENT_PX: Final = (3.0, 8.0)  # gap YES up to max(3 px, 1 % diag), NO past max(8 px, 4 %)
ADJACENT_DIAG: Final = (0.01, 0.04)
NEAR_DIAG: Final = (0.05, 0.15)  # "near": gap YES up to 5 % of the diagonal, NO from 15 %
MEDIOLATERAL_GAP: Final = 0.05  # distance-to-midline gap, fraction of the width
BETWEEN: Final = (0.15, 0.85, 0.25, 0.60)  # projection t YES in [.15, .85], |perp| <= .25 AB
