"""The lexicon reads back every phrase it writes, in every frame, and ignores label words."""

from __future__ import annotations

import pytest

from medground.geometry.orientation import FRAMES
from medground.stages.synth.lexicon import (
    ABSOLUTE_KINDS,
    ALL_IMAGE_NOUNS,
    Attr,
    absolute_phrases,
    find_attributes,
    phrase_table,
    relative_phrases,
)

FRAME_CASES = [None, FRAMES["axial"], FRAMES["coronal"], FRAMES["sagittal"]]


@pytest.mark.parametrize("frame", FRAME_CASES)
def test_phrase_table_has_no_conflicting_phrase(frame: dict[str, str] | None) -> None:
    table = phrase_table(frame)  # raises on a phrase with two meanings
    assert len(table) > 50


def _all_attrs() -> list[Attr]:
    out = [Attr(k, v) for k in ("size", "hpos", "vpos") for v in ("min", "max")]
    out += [Attr("shape", w) for w in ("round", "oval", "elongated", "lobulated", "irregular",
                                       "crescent-shaped", "ring-shaped")]
    out += [Attr("intensity", w) for w in ("hypodense", "hyperdense", "hypointense",
                                           "hyperintense", "dark", "bright")]
    out += [Attr("grid", g) for g in ("upper left", "upper middle", "upper right", "middle left",
                                      "center", "middle right", "lower left", "lower middle",
                                      "lower right")]
    out += [Attr("side", "left"), Attr("side", "right"), Attr("position", "central"),
            Attr("position", "peripheral"), Attr("border", "touching")]
    return out


@pytest.mark.parametrize("frame", FRAME_CASES)
@pytest.mark.parametrize("attr", _all_attrs(), ids=lambda a: f"{a.kind}-{a.value}")
def test_every_phrase_reads_back(attr: Attr, frame: dict[str, str] | None) -> None:
    for n in (2, 3):
        phrases = (relative_phrases(attr, n, frame) if attr.kind in ("size", "hpos", "vpos")
                   else absolute_phrases(attr))
        for p in phrases:
            for img in ALL_IMAGE_NOUNS:
                text = p.text.replace("{img}", img)
                if p.slot == "pre":
                    query = f"Find the {text} lesion."
                elif p.slot == "post":
                    query = f"Find the lesion {text}."
                else:
                    query = "Find " + text.replace("{n}", "three").replace("{nouns}", "lesions")
                assert find_attributes(query, frame) == [attr], query


def test_patient_phrases_only_with_a_frame() -> None:
    q = "the lesion further toward the patient's right"
    assert find_attributes(q, None) == []
    assert find_attributes(q, FRAMES["axial"]) == [Attr("hpos", "min")]  # patient right = image left
    assert find_attributes("the more anterior lesion", FRAMES["sagittal"]) == [Attr("hpos", "min")]
    assert find_attributes("the more anterior lesion", FRAMES["axial"]) == [Attr("vpos", "min")]


@pytest.mark.parametrize("query", [
    "the left kidney", "the lower lobe of the left lung", "the upper lung lobe",
    "the right hip bone", "the left 7th rib", "the L1 vertebra", "the middle lung lobe",
])
def test_label_words_are_not_attributes(query: str) -> None:
    for frame in FRAME_CASES:
        assert find_attributes(query, frame) == []


def test_absolute_kinds_cover_phrases() -> None:
    kinds = {a.kind for _, a in phrase_table(FRAMES["axial"])}
    assert set(ABSOLUTE_KINDS) <= kinds
