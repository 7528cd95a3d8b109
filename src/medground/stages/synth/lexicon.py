"""The one vocabulary of the template grammar: the phrases it writes for each attribute.

An attribute is a ``(kind, value)`` pair that a query may state about its target:

- relative, among the candidates that the rest of the description leaves: ``size``
  (``max``/``min``), ``hpos`` (``min`` = image left, ``max`` = image right), ``vpos``
  (``min`` = image top, ``max`` = image bottom);
- absolute: ``grid`` (``"upper left"`` ...), ``shape``, ``intensity``, ``side`` (patient side,
  from the affine), ``position`` (``central``/``peripheral``), ``border`` (``touching``).

Every phrase says which frame it uses: image-frame phrases contain "image"; patient-frame ones
say "patient's" or use anatomical directions (anterior, superior, ...), which exist only when the
view has a frame derived from the affine.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Final

from medground.modality import code_of

RELATIVE_KINDS: Final = ("size", "hpos", "vpos")
ABSOLUTE_KINDS: Final = ("side", "shape", "intensity", "grid", "position", "border")

_DIRECTION_WORDS: Final = {"R": "right", "L": "left", "A": "anterior", "P": "posterior",
                           "S": "superior", "I": "inferior"}


#: words for "the image" by modality code (:mod:`medground.modality`); an image-frame phrase
#: always names one of them
IMAGE_NOUNS: Final[dict[str, tuple[str, ...]]] = {
    "CT": ("image", "slice", "scan", "section", "view"),
    "MR": ("image", "slice", "scan", "section", "view"),
    "PET": ("image", "slice", "scan", "section", "view"),
    "X-ray": ("image", "radiograph", "film", "view"),
    "mammography": ("image", "view", "film"),
    "ultrasound": ("image", "frame", "scan", "view"),
    "endoscopy": ("image", "frame", "view"),
    "colonoscopy": ("image", "frame", "view"),
    "dermoscopy": ("image", "photo", "view"),
    "photo": ("image", "photo", "photograph", "view"),
    "fundus": ("image", "photo", "photograph", "view"),
    "OCT": ("image", "scan", "section", "view"),
    "histopathology": ("image", "field", "section", "view"),
    "fluorescence": ("image", "field", "view"),
    "microscopy": ("image", "field", "view"),
}
DEFAULT_IMAGE_NOUNS: Final = ("image", "picture", "view")
ALL_IMAGE_NOUNS: Final = tuple(sorted({n for ns in IMAGE_NOUNS.values() for n in ns}
                                      | set(DEFAULT_IMAGE_NOUNS)))


def image_nouns(modality: str) -> tuple[str, ...]:
    return IMAGE_NOUNS.get(code_of(modality), DEFAULT_IMAGE_NOUNS)


@dataclass(frozen=True)
class Attr:
    kind: str
    value: str


@dataclass(frozen=True)
class Phrase:
    """A surface form: ``pre`` goes before the noun, ``post`` after it; ``{n}`` is a count word
    and ``{nouns}`` the plural noun (for "the larger of the two polyps")."""

    text: str
    slot: str  # "pre" | "post" | "frame" (whole noun phrase pattern with {noun}/{nouns})
    frame: str  # "image" | "patient" | "none"


# --- relative attributes ------------------------------------------------------------------
def relative_phrases(attr: Attr, n: int, frame: dict[str, str] | None) -> list[Phrase]:
    """Phrases stating a relative attribute among ``n`` candidates (2 = comparative)."""
    two = n == 2
    if attr.kind == "size":
        if attr.value == "max":
            return ([Phrase("larger", "pre", "none"), Phrase("bigger", "pre", "none"),
                     Phrase("the larger of the two {nouns}", "frame", "none"),
                     Phrase("the bigger of the two {nouns}", "frame", "none")] if two else
                    [Phrase("largest", "pre", "none"), Phrase("biggest", "pre", "none"),
                     Phrase("the largest of the {n} {nouns}", "frame", "none"),
                     Phrase("the biggest of the {n} {nouns}", "frame", "none")])
        return ([Phrase("smaller", "pre", "none"),
                 Phrase("the smaller of the two {nouns}", "frame", "none"),
                 Phrase("the lesser of the two {nouns}", "frame", "none")] if two else
                [Phrase("smallest", "pre", "none"),
                 Phrase("the smallest of the {n} {nouns}", "frame", "none")])
    side = "left" if attr.kind == "hpos" and attr.value == "min" else (
        "right" if attr.kind == "hpos" else ("top" if attr.value == "min" else "bottom"))
    out = _image_position_phrases(side, two)
    if frame:
        out += _patient_position_phrases(_DIRECTION_WORDS[frame[side]], two)
    return out


def _image_position_phrases(side: str, two: bool) -> list[Phrase]:
    edge = {"left": "left", "right": "right", "top": "top", "bottom": "bottom"}[side]
    if side in ("left", "right"):
        if two:
            return [Phrase(f"further to the {side} in the {{img}}", "post", "image"),
                    Phrase(f"more to the {side} in the {{img}}", "post", "image"),
                    Phrase(f"closer to the {edge} edge of the {{img}}", "post", "image"),
                    Phrase(f"nearer the {{img}}'s {edge} edge", "post", "image")]
        return [Phrase(f"{side}-most", "pre", "image"),
                Phrase(f"closest to the {edge} edge of the {{img}}", "post", "image"),
                Phrase(f"furthest to the {side} in the {{img}}", "post", "image"),
                Phrase(f"nearest the {{img}}'s {edge} edge", "post", "image")]
    word = "upper" if side == "top" else "lower"
    if two:
        return [Phrase(f"{'higher' if side == 'top' else 'lower'} in the {{img}}", "post", "image"),
                Phrase(f"closer to the {side} of the {{img}}", "post", "image"),
                Phrase(f"nearer the {{img}}'s {edge} edge", "post", "image")]
    return [Phrase(f"{word}-most", "pre", "image"),
            Phrase(f"closest to the {side} of the {{img}}", "post", "image"),
            Phrase(f"nearest the {{img}}'s {edge} edge", "post", "image")]


def _patient_position_phrases(direction: str, two: bool) -> list[Phrase]:
    if direction in ("left", "right"):
        if two:
            return [Phrase(f"further toward the patient's {direction}", "post", "patient"),
                    Phrase(f"more to the patient's {direction}", "post", "patient")]
        return [Phrase(f"furthest toward the patient's {direction}", "post", "patient"),
                Phrase(f"most to the patient's {direction}", "post", "patient")]
    alias = {"superior": "cranial", "inferior": "caudal", "anterior": "ventral",
             "posterior": "dorsal"}.get(direction)
    degree = "more" if two else "most"
    out = [Phrase(f"{degree} {direction}", "pre", "patient")]
    if alias:
        out.append(Phrase(f"{degree} {alias}", "pre", "patient"))
    return out


# --- absolute attributes ------------------------------------------------------------------
SHAPE_ADJECTIVES: Final[dict[str, tuple[str, ...]]] = {
    "round": ("round", "rounded"),
    "oval": ("oval", "ovoid"),
    "elongated": ("elongated", "oblong"),
    "lobulated": ("lobulated",),
    "irregular": ("irregular", "irregularly shaped"),
    "crescent-shaped": ("crescent-shaped",),
    "ring-shaped": ("ring-shaped", "annular"),
}

INTENSITY_ADJECTIVES: Final[dict[str, tuple[str, ...]]] = {
    "hypodense": ("hypodense", "low-attenuation"),
    "hyperdense": ("hyperdense", "high-attenuation"),
    "hypointense": ("hypointense",),
    "hyperintense": ("hyperintense",),
    "hypoechoic": ("hypoechoic",),
    "hyperechoic": ("hyperechoic",),
    "dark": ("dark", "darker-looking"),
    "bright": ("bright", "brighter-looking"),
}


def absolute_phrases(attr: Attr) -> list[Phrase]:
    v = attr.value
    if attr.kind == "shape":
        return [Phrase(a, "pre", "none") for a in SHAPE_ADJECTIVES[v]]
    if attr.kind == "intensity":
        return [Phrase(a, "pre", "none") for a in INTENSITY_ADJECTIVES[v]]
    if attr.kind == "grid":
        if v == "center":
            return [Phrase("in the center of the {img}", "post", "image"),
                    Phrase("in the {img}'s central region", "post", "image"),
                    Phrase("in the middle of the {img}", "post", "image")]
        top = v.replace("upper", "top").replace("lower", "bottom")
        return [Phrase(f"in the {v} of the {{img}}", "post", "image"),
                Phrase(f"in the {{img}}'s {v} region", "post", "image"),
                Phrase(f"in the {top} part of the {{img}}", "post", "image"),
                Phrase(f"toward the {{img}}'s {v}", "post", "image")]
    if attr.kind == "side":
        return [Phrase(f"on the patient's {v} side", "post", "patient"),
                Phrase(f"in the patient's {v} half", "post", "patient"),
                Phrase(f"on the {v} side of the patient", "post", "patient")]
    if attr.kind == "position":
        if v == "central":
            return [Phrase("near the center of the {img}", "post", "image"),
                    Phrase("centrally placed in the {img}", "post", "image"),
                    Phrase("close to the {img} center", "post", "image")]
        return [Phrase("toward the periphery of the {img}", "post", "image"),
                Phrase("near the {img} periphery", "post", "image")]
    if attr.kind == "border":
        return [Phrase("touching the {img} border", "post", "image"),
                Phrase("cut off by the edge of the {img}", "post", "image"),
                Phrase("reaching the edge of the {img}", "post", "image")]
    raise ValueError(f"unknown attribute kind {attr.kind!r}")


# --- nouns ----------------------------------------------------------------------------------
#: extra names per label (all must remain true of the structure); the readable name comes first
NOUN_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "polyp": ("polypoid lesion", "colonic polyp"),
    "skin_lesion": ("pigmented lesion", "skin lesion"),
    "nucleus": ("cell nucleus",),
    "lesion": ("focal lesion",),
    "inferior_vena_cava": ("IVC",),
    "adrenal_gland_left": ("left suprarenal gland", "left adrenal"),
    "adrenal_gland_right": ("right suprarenal gland", "right adrenal"),
    "kidney_cyst_left": ("cyst of the left kidney", "left renal cyst"),
    "kidney_cyst_right": ("cyst of the right kidney", "right renal cyst"),
    "kidney_left": ("left renal parenchyma",),
    "kidney_right": ("right renal parenchyma",),
    "gallbladder": ("gall bladder",),
    "small_bowel": ("small intestine",),
    "colon": ("large bowel",),
    "esophagus": ("oesophagus",),
    "urinary_bladder": ("bladder",),
    "autochthon_left": ("left paraspinal muscle", "left erector spinae"),
    "autochthon_right": ("right paraspinal muscle", "right erector spinae"),
    "iliopsoas_left": ("left iliopsoas",),
    "iliopsoas_right": ("right iliopsoas",),
}

#: labels that name focal findings: density / signal and shape words describe them clinically
#: ("hypodense lesion"); for anatomy the grammar uses location and relations instead
FINDING_PATTERNS: Final = ("*lesion*", "*tumo*", "*nodule*", "*cyst*", "*polyp*", "*mass*",
                           "*metasta*", "*nucle*", "*cell*", "*calcification*", "*hemorrhage*")


def is_finding(label: str) -> bool:
    return any(fnmatch.fnmatchcase(label.lower(), p) for p in FINDING_PATTERNS)

COUNT_WORDS: Final = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                      "nine", "ten", "eleven", "twelve")


def count_word(n: int) -> str | None:
    return COUNT_WORDS[n] if 0 <= n < len(COUNT_WORDS) else None
