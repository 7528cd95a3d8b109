"""Readable names for label identifiers (``kidney_left`` -> "left kidney").

One table of rules serves every dataset: TotalSegmentator / AMOS style snake_case names,
numbered vertebrae and ribs, lobes and chambers. ``left``/``right`` in a label name is the
patient's side.
"""

from __future__ import annotations

import functools
import re
from typing import Final
from urllib.parse import unquote_plus

_ORDINALS: Final = {1: "1st", 2: "2nd", 3: "3rd", 21: "21st", 22: "22nd", 23: "23rd"}

#: whole-name overrides (lower-case, underscores)
_EXACT: Final[dict[str, str]] = {
    "inferior_vena_cava": "inferior vena cava",
    "portal_vein_and_splenic_vein": "portal and splenic veins",
    "heart_myocardium": "myocardium",
    "costal_cartilages": "costal cartilages",
    "intervertebral_discs": "intervertebral discs",
    "small_bowel": "small bowel",
    "urinary_bladder": "urinary bladder",
    "spinal_cord": "spinal cord",
    "gm": "grey matter",
    "gray_matter": "grey matter",
    "grey_matter": "grey matter",
    "wm": "white matter",
    "background": "background",
}

#: structure bases with a clinical name (side words are added around them)
_BASES: Final[dict[str, str]] = {
    "autochthon": "erector spinae muscle",
    "iliopsoas": "iliopsoas muscle",
    "gluteus_maximus": "gluteus maximus muscle",
    "gluteus_medius": "gluteus medius muscle",
    "gluteus_minimus": "gluteus minimus muscle",
    "hip": "hip bone",
    "femur": "femur",
    "kidney_cyst": "renal cyst",
    "lung_upper_lobe": "upper lung lobe",
    "lung_middle_lobe": "middle lung lobe",
    "lung_lower_lobe": "lower lung lobe",
    "adrenal_gland": "adrenal gland",
}

#: parts that read better singular ("vertebrae_L1" -> "L1 vertebra")
_SINGULAR: Final = {"vertebrae": "vertebra", "ribs": "rib"}

#: structure + part names where the side qualifies the organ: lung_upper_lobe_left
_PART_OF: Final = {"lobe": "lung", "atrium": "heart", "ventricle": "heart"}

_SIDE_RE: Final = re.compile(r"^(?P<base>.+?)_(?P<side>left|right)(?:_(?P<num>\d+))?$")
_LEVEL_RE: Final = re.compile(r"^(?P<base>vertebrae|vertebra)_(?P<level>[CTLS]\d{1,2})$", re.IGNORECASE)
_AT_LEVEL_RE: Final = re.compile(r"^(?P<base>[a-z_]+?)_(?P<level>[cdtls]\d{1,2})$")


def ordinal(n: int) -> str:
    if n in _ORDINALS:
        return _ORDINALS[n]
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return {1: f"{n}st", 2: f"{n}nd", 3: f"{n}rd"}.get(n % 10, f"{n}th")


def is_level_label(label: str) -> bool:
    """True for labels of a structure at a vertebral level, such as ``spinal_cord_C3``."""
    key = label.strip().lower()
    return bool(_AT_LEVEL_RE.match(key)) and not _LEVEL_RE.match(key)


def patient_side(label: str) -> str | None:
    """'left' / 'right' when the label name states the patient's side, else None."""
    tokens = re.split(r"[_\s\-]+", label.lower())
    if "left" in tokens and "right" not in tokens:
        return "left"
    if "right" in tokens and "left" not in tokens:
        return "right"
    return None


def from_file_name(text: str) -> str:
    """A label read from a file name: URL-style escapes decoded (``+`` and ``%20`` are spaces,
    ``%2B`` is ``+``), whitespace collapsed: ``left+kidney`` -> "left kidney". Underscores are
    kept, as in every label id (``kidney_left``): patterns (``regions.keep_whole``, priors) match
    them, and :func:`readable` reads them as spaces."""
    return " ".join(unquote_plus(text).split())


def readable(label: str) -> str:
    """A clinically readable noun phrase for a label id (without an article)."""
    key = label.strip().lower().replace("-", "_").replace(" ", "_")
    if key in _EXACT:
        return _EXACT[key]
    m = _LEVEL_RE.match(key)
    if m:
        return f"{m.group('level').upper()} vertebra"
    m = _AT_LEVEL_RE.match(key)
    if m:  # spinal_cord_C3 -> spinal cord at the C3 level
        return f"{readable(m.group('base'))} at the {m.group('level').upper()} level"
    m = _SIDE_RE.match(key)
    if m:
        base, side, num = m.group("base"), m.group("side"), m.group("num")
        if num is not None:  # rib_left_7 -> left 7th rib
            return f"{side} {ordinal(int(num))} {_words(base)}"
        parts = base.split("_")
        if parts[0] in _PART_OF.values() and len(parts) >= 3 and parts[-1] in _PART_OF:
            # lung_upper_lobe_left -> upper lobe of the left lung
            organ, part = parts[0], " ".join(parts[1:])
            return f"{part} of the {side} {organ}"
        if parts[0] == "heart" and len(parts) == 2:
            return f"{side} {parts[1]}"  # heart_atrium_left -> left atrium
        return f"{side} {_words(base)}"
    m = re.match(r"^(?P<base>[a-z_]+?)_(?P<num>\d+)$", key)
    if m:  # rib_7 -> 7th rib
        return f"{ordinal(int(m.group('num')))} {_words(m.group('base'))}"
    return _words(key)


def _words(key: str) -> str:
    if key in _BASES:
        return _BASES[key]
    if key in _EXACT:
        return _EXACT[key]
    parts = [_SINGULAR.get(p, p) for p in key.split("_") if p]
    if not parts:
        return key
    if parts[0] == "heart" and len(parts) == 2:
        return parts[1]
    return " ".join(parts)


_IRREGULAR_PLURALS: Final = {
    "vertebra": "vertebrae", "nucleus": "nuclei", "metastasis": "metastases", "atrium": "atria",
    "lumen": "lumina", "spinae": "spinae", "psoas": "psoas", "iliopsoas": "iliopsoas",
    "calculus": "calculi", "testis": "testes", "bronchus": "bronchi", "femur": "femurs",
    "diverticulum": "diverticula", "bowel": "bowel", "musculature": "musculature",
    "parenchyma": "parenchymas",
}


@functools.lru_cache(maxsize=1 << 14)
def plural(phrase: str) -> str:
    """Plural of a noun phrase; the head is the word before " of " / " at ", else the last
    ("upper lobes of the left lung", "spinal cords at the C3 level", "nuclei")."""
    for joint in (" of ", " at "):
        if joint in phrase:
            head, rest = phrase.split(joint, 1)
            return f"{plural(head)}{joint}{rest}"
    words = phrase.split(" ")
    last = words[-1]
    if last.lower() in _IRREGULAR_PLURALS:
        words[-1] = _IRREGULAR_PLURALS[last.lower()]
    elif last.endswith(("s", "x", "ch", "sh")):
        words[-1] = last + "es"
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        words[-1] = last[:-1] + "ies"
    else:
        words[-1] = last + "s"
    return " ".join(words)
