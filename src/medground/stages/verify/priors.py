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
from medground.modality import UNKNOWN, code_of, family
from medground.stages.base import Check
from medground.types import Sample, Target, Verdict

#: a prior flags a structure only when it lies clearly on a side: its centroid this far past
#: the body midline (share of the width)
PRIOR_SIDE_MARGIN: Final = 0.10
#: modality codes and families of :mod:`medground.modality` each kind of structure is imaged
#: with; a sample's modality is first mapped to its code, so "MRI" or "H&E" match too. The
#: unknown modality (OT) gets no modality prior.
CROSS_SECTIONAL: Final = frozenset({"CT", "MR", "PET"})
#: abdominal and pelvic organs and large vessels: also seen on ultrasound
SOFT_TISSUE: Final = CROSS_SECTIONAL | {"ultrasound"}
#: the skeleton, the heart and the airway: also seen on radiographs
RADIOGRAPHIC: Final = CROSS_SECTIONAL | {"X-ray"}
#: anything named with a patient side
ANY_RADIOLOGY: Final = SOFT_TISSUE | {"X-ray", "mammography"}


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
    ("liver", _p("right midline", modalities=SOFT_TISSUE)),
    ("gallbladder", _p("right midline", "anterior", SOFT_TISSUE)),
    ("spleen", _p("left", "posterior", SOFT_TISSUE)),
    ("stomach", _p("left midline")),
    ("pancreas", _p(modalities=SOFT_TISSUE)),
    ("aorta", _p("midline left right", modalities=SOFT_TISSUE)),
    ("inferior_vena_cava", _p("right midline", modalities=SOFT_TISSUE)),
    ("esophagus", _p("midline left")),
    ("heart*", _p("midline left", modalities=RADIOGRAPHIC | SOFT_TISSUE)),
    ("trachea", _p("midline", modalities=RADIOGRAPHIC)),
    ("urinary_bladder", _p("midline", "anterior", SOFT_TISSUE)),
    ("prostate", _p("midline", modalities=SOFT_TISSUE)),
    ("vertebra*", _p("midline", "posterior", RADIOGRAPHIC)),
    ("sacrum", _p("midline", "posterior", RADIOGRAPHIC)),
    ("spinal_cord*", _p("midline", "posterior")),
    ("kidney*", _p(None, "posterior", SOFT_TISSUE)),
    ("adrenal_gland*", _p(None, "posterior")),
    ("autochthon*", _p(None, "posterior")),
    ("*_left", _p("left", modalities=ANY_RADIOLOGY)),
    ("*_left_*", _p("left", modalities=ANY_RADIOLOGY)),
    ("*_right", _p("right", modalities=ANY_RADIOLOGY)),
    ("*_right_*", _p("right", modalities=ANY_RADIOLOGY)),
    ("polyp", _p(modalities=frozenset({"endoscopy", "CT"}))),  # CT colonography
    ("skin_lesion", _p(modalities=frozenset({"dermoscopy", "photo"}))),
    ("nucleus", _p(modalities=frozenset({"microscopy"}))),  # H&E, fluorescence, unspecified
)

REASONS: Final = {
    "NO_PRIOR": "no prior for the structure (passes)",
    "PRIOR_MODALITY_IMPLAUSIBLE": "the structure is not imaged with this modality",
    "PRIOR_SIDE_IMPLAUSIBLE": "the structure lies on a side of the patient where it should not be",
    "PRIOR_POSITION_IMPLAUSIBLE": "the structure lies in the wrong (anterior/posterior) half",
}


def plausible_on(prior: Prior, modality: str) -> bool:
    """True when the prior's structure is imaged with ``modality`` (any word of the
    vocabulary): its code or its family is listed, or the modality is unknown."""
    code = code_of(modality)
    return code == UNKNOWN or code in prior.modalities or family(code) in prior.modalities


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
            if not plausible_on(prior, sample.modality):
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
