"""The claims a template phrase makes, as the synthesizer means them.

The verifier reads the written text again with its own reader and requires the same claims
(:mod:`medground.claims.compare`), so every phrase the grammar writes must say exactly what is
listed here: no more, no less.
"""

from __future__ import annotations

from typing import Any, Final

from medground.claims.types import Claim
from medground.stages.synth.lexicon import Attr, Phrase

MAX_COUNT_WORD: Final = 12  # the grammar's count words end at "twelve"
_DIRECTION: Final = {"R": "right", "L": "left", "A": "anterior", "P": "posterior",
                     "S": "superior", "I": "inferior"}
_GRID: Final = {"upper": "top", "lower": "bottom", "left": "left", "right": "right"}
_SHAPES: Final = {"crescent-shaped": "crescent", "ring-shaped": "ring"}
_INTENSITY: Final = {"hypodense": ("dark", "density"), "hyperdense": ("bright", "density"),
                     "hypointense": ("dark", "signal"), "hyperintense": ("bright", "signal"),
                     "hypoechoic": ("dark", "echo"), "hyperechoic": ("bright", "echo"),
                     "dark": ("dark", ""), "bright": ("bright", "")}
#: relation keys of the grammar -> (relation value, frame)
_RELATIONS: Final = {
    "inside": ("inside", "none"), "adjacent": ("adjacent", "none"),
    "above": ("above", "image"), "below": ("below", "image"),
    "left_of": ("left_of", "image"), "right_of": ("right_of", "image"),
    "anterior": ("anterior", "patient"), "posterior": ("posterior", "patient"),
    "superior": ("superior", "patient"), "inferior": ("inferior", "patient"),
    "right": ("right_of", "patient"), "left": ("left_of", "patient"),
    "medial": ("medial", "patient"), "lateral": ("lateral", "patient"),
}


def _claim(kind: str, value: str, **kw: Any) -> Claim:
    return Claim(kind=kind, value=value, **kw)


def attribute_claims(attr: Attr, phrase: Phrase, n_rel: int, frame: dict[str, str] | None
                     ) -> list[Claim]:
    """Claims of one attribute as realised by ``phrase`` (``n_rel``: candidates compared)."""
    kind, value = attr.kind, attr.value
    degree = "comparative" if n_rel == 2 else "superlative"
    out: list[Claim] = []
    if phrase.slot == "frame" and n_rel <= MAX_COUNT_WORD:  # "of the two polyps": the set
        out.append(_claim("count", str(n_rel), scope="candidates"))  # has n_rel members
    if kind == "size":
        out.append(_claim("size", "large" if value == "max" else "small", degree=degree))
    elif kind in ("hpos", "vpos"):
        side = {("hpos", "min"): "left", ("hpos", "max"): "right", ("vpos", "min"): "top",
                ("vpos", "max"): "bottom"}[(kind, value)]
        if phrase.frame == "patient":
            assert frame is not None  # patient phrases are only offered with a frame
            out.append(_claim("ordinal", _DIRECTION[frame[side]], frame="patient",
                              degree=degree))
        else:
            out.append(_claim("ordinal", side, frame="image", degree=degree))
    elif kind == "grid":
        if value == "center":
            out.append(_claim("position", "center", frame="image"))
        else:
            row, col = value.split()
            if row != "middle":
                out.append(_claim("position", _GRID[row], frame="image"))
            if col != "middle":
                out.append(_claim("position", _GRID[col], frame="image"))
            if "middle" in (row, col):
                out.append(_claim("position", "center-y" if row == "middle" else "center-x",
                                  frame="image"))
    elif kind == "position":
        out.append(_claim("position", "central" if value == "central" else "periphery",
                          frame="image"))
    elif kind == "border":
        out.append(_claim("position", "border", frame="image"))
    elif kind == "side":
        out.append(_claim("side", value, frame="patient"))
    elif kind == "shape":
        out.append(_claim("shape", _SHAPES.get(value, value)))
    elif kind == "intensity":
        v, term = _INTENSITY[value]
        out.append(_claim("intensity", v, term=term))
    else:
        raise ValueError(f"no claims for attribute {attr}")
    return out


def relation_claim(key: str, reference: str) -> Claim:
    value, frame = _RELATIONS[key]
    return _claim("relation", value, frame=frame, reference=reference)


def name_claim(noun: str) -> Claim:
    return _claim("name", noun)


def count_claim(value: str) -> Claim:
    return _claim("count", value)
