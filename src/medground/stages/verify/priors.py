"""Medical priors: a sample must not contradict where a structure plausibly is.

One table per structure: modalities it is imaged with, the patient side it lies on, and for
axial views whether it is anterior or posterior in the body. Sides are measured from the target
mask against the affine-derived frame and the body midline, never from the label name or a
stored cue. Structures without an entry pass with the
reason ``NO_PRIOR``, so the funnel shows how much was checked.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Final

import numpy as np

from medground.claims.measure import patient_offset
from medground.labels import patient_side as label_side
from medground.stages.base import Check
from medground.types import Sample, Target, Verdict

#: a prior flags a structure only when it lies clearly on a side: its centroid this far past
#: the body midline (share of the width)
PRIOR_SIDE_MARGIN: Final = 0.10
CROSS_SECTIONAL: Final = frozenset({"CT", "MR", "MRI", "PT", "PET"})
#: modality codes that say nothing (DICOM "OT" = other): no modality prior is applied
UNKNOWN_MODALITIES: Final = frozenset({"", "OT", "OTHER", "UNKNOWN"})


@dataclass(frozen=True)
class Prior:
    modalities: frozenset[str] = CROSS_SECTIONAL
    sides: frozenset[str] | None = None  # allowed patient sides ("left", "right", "midline")
    axial_ap: str | None = None  # "anterior" or "posterior": half of the body in axial views


def _p(sides: str | None = None, ap: str | None = None,
       modalities: frozenset[str] = CROSS_SECTIONAL) -> Prior:
    return Prior(modalities=modalities, sides=frozenset(sides.split()) if sides else None,
                 axial_ap=ap)


#: label patterns (TotalSegmentator / AMOS / common names) -> prior; first match wins
PRIORS: Final[tuple[tuple[str, Prior], ...]] = (
    ("liver", _p("right midline")),
    ("gallbladder", _p("right midline", "anterior")),
    ("spleen", _p("left", "posterior")),
    ("stomach", _p("left midline")),
    ("pancreas", _p()),
    ("aorta", _p("midline left right")),
    ("inferior_vena_cava", _p("right midline")),
    ("esophagus", _p("midline left")),
    ("heart*", _p("midline left")),
    ("trachea", _p("midline")),
    ("urinary_bladder", _p("midline", "anterior")),
    ("prostate", _p("midline")),
    ("vertebra*", _p("midline", "posterior")),
    ("sacrum", _p("midline", "posterior")),
    ("spinal_cord*", _p("midline", "posterior")),
    ("kidney*", _p(None, "posterior")),
    ("adrenal_gland*", _p(None, "posterior")),
    ("autochthon*", _p(None, "posterior")),
    ("*_left", _p("left")),
    ("*_left_*", _p("left")),
    ("*_right", _p("right")),
    ("*_right_*", _p("right")),
    ("polyp", _p(modalities=frozenset({"endoscopy", "colonoscopy", "CT"}))),
    ("skin_lesion", _p(modalities=frozenset({"dermoscopy", "photo", "clinical"}))),
    ("nucleus", _p(modalities=frozenset({"microscopy", "histology", "fluorescence"}))),
)

REASONS: Final = {
    "NO_PRIOR": "no prior for the structure (passes)",
    "PRIOR_MODALITY_IMPLAUSIBLE": "the structure is not imaged with this modality",
    "PRIOR_SIDE_IMPLAUSIBLE": "the structure lies on a side of the patient where it should not be",
    "PRIOR_POSITION_IMPLAUSIBLE": "the structure lies in the wrong (anterior/posterior) half",
}


def prior_for(label: str) -> Prior | None:
    key = label.lower()
    return next((p for pattern, p in PRIORS if fnmatch.fnmatchcase(key, pattern)), None)


class PriorCheck(Check):
    name = "priors"

    def check(self, sample: Sample) -> Verdict:
        checked = []
        for i, t in enumerate(sample.targets):
            prior = prior_for(t.label)
            if prior is None:
                continue
            checked.append(t.label)
            known = sample.modality.upper() not in UNKNOWN_MODALITIES
            if known and sample.modality.upper() not in {m.upper() for m in prior.modalities}:
                return self.fail("PRIOR_MODALITY_IMPLAUSIBLE",
                                 f"{t.label} on {sample.modality}")
            ys, xs = np.nonzero(self.mask(sample, i))
            cx, cy = float(xs.mean()) + 0.5, float(ys.mean()) + 0.5
            side = _side(cx, sample)
            named_side = label_side(t.label)
            allowed = prior.sides if prior.sides is not None else (
                frozenset({named_side}) if named_side else None)
            if allowed is not None and side in ("left", "right") and side not in allowed:
                return self.fail("PRIOR_SIDE_IMPLAUSIBLE", f"{t.label} on the patient's {side}")
            if prior.axial_ap and sample.plane == "axial" and sample.frame:
                verdict = self._ap(sample, t, cy, prior.axial_ap)
                if verdict is not None:
                    return verdict
        if not checked:
            return Verdict(self.name, True, "NO_PRIOR", ", ".join(t.label for t in sample.targets))
        return self.ok(", ".join(checked))

    def _ap(self, sample: Sample, t: Target, cy: float, expected: str
            ) -> Verdict | None:
        """Anterior / posterior half of the image, in the display frame."""
        frame = sample.frame or {}
        top_is = {"A": "anterior", "P": "posterior"}.get(frame.get("top", ""))
        if top_is is None:
            return None
        half = "top" if cy < sample.height / 2 else "bottom"
        found = top_is if half == "top" else ("posterior" if top_is == "anterior" else "anterior")
        margin = abs(cy - sample.height / 2) / sample.height
        if found != expected and margin > 0.1:  # clearly in the other half
            return self.fail("PRIOR_POSITION_IMPLAUSIBLE", f"{t.label} is {found}")
        return None


def _side(cx: float, sample: Sample) -> str | None:
    """The patient side ("left" / "right") the centroid clearly lies on, or None."""
    d = patient_offset(cx, sample.width, sample.frame, sample.midline_x, "left")
    if d is None or abs(d) < PRIOR_SIDE_MARGIN:
        return None
    return "left" if d > 0 else "right"
