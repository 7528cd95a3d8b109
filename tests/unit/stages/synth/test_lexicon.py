"""Every phrase the lexicon writes, in every frame, is read back by the independent claim
reader as exactly the claims the synthesizer means; no phrase means two things; structure
names are not attributes."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from medground.claims.compare import mismatch
from medground.claims.measure import Scene
from medground.claims.names import NameTable
from medground.claims.reader import read
from medground.geometry.orientation import FRAMES
from medground.stages.synth.intent import attribute_claims
from medground.stages.synth.lexicon import (
    ABSOLUTE_KINDS,
    ALL_IMAGE_NOUNS,
    Attr,
    Phrase,
    absolute_phrases,
    relative_phrases,
)

FRAME_CASES = [None, FRAMES["axial"], FRAMES["coronal"], FRAMES["sagittal"]]


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


def _phrases(attr: Attr, frame: dict[str, str] | None) -> Iterator[tuple[int, Phrase]]:
    for n in (2, 3):
        if attr.kind in ("size", "hpos", "vpos"):
            yield from ((n, p) for p in relative_phrases(attr, n, frame))
        else:
            yield from ((n, p) for p in absolute_phrases(attr))


def _query(p: Phrase, img: str) -> str:
    text = p.text.replace("{img}", img)
    if p.slot == "pre":
        return f"Find the {text} lesion."
    if p.slot == "post":
        return f"Find the lesion {text}."
    return "Find " + text.replace("{n}", "three").replace("{nouns}", "lesions")


@pytest.mark.parametrize("frame", FRAME_CASES)
def test_no_phrase_means_two_attributes(frame: dict[str, str] | None) -> None:
    seen: dict[str, Attr] = {}
    for attr in _all_attrs():
        for _, p in _phrases(attr, frame):
            assert seen.setdefault(p.text, attr) == attr, (p.text, seen[p.text], attr)
    assert len(seen) > 50


@pytest.mark.parametrize("frame", FRAME_CASES)
@pytest.mark.parametrize("attr", _all_attrs(), ids=lambda a: f"{a.kind}-{a.value}")
def test_every_phrase_reads_back(attr: Attr, frame: dict[str, str] | None) -> None:
    table = NameTable(["lesion"])
    plane = next((name for name, f in FRAMES.items() if f == frame), "image")
    scene = Scene(image=np.zeros((100, 100), np.uint8), regions=[], plane=plane, frame=frame,
                  midline_x=50.0 if frame else None)
    lateral = frame is not None and frame["left"] in ("R", "L")
    for n, p in _phrases(attr, frame):
        if lateral and attr.kind == "hpos" and p.slot == "pre":
            continue  # the grammar never writes a bare "left-most" where the patient has sides
        n_rel = 3 if p.slot == "frame" else n  # "{n}" is written as "three"
        for img in ALL_IMAGE_NOUNS:
            query = _query(p, img)
            reading = read(query, table)
            assert reading.unverifiable == [], query
            problem = mismatch(attribute_claims(attr, p, n_rel, frame), reading, table, scene)
            assert problem is None, (query, problem)


def test_patient_phrases_only_with_a_frame() -> None:
    def texts(attr: Attr, frame: dict[str, str] | None) -> set[str]:
        return {p.text for n in (2, 3) for p in relative_phrases(attr, n, frame)}
    phrase = "further toward the patient's right"
    assert phrase not in texts(Attr("hpos", "min"), None)
    assert phrase in texts(Attr("hpos", "min"), FRAMES["axial"])  # patient right = image left
    assert "more anterior" in texts(Attr("hpos", "min"), FRAMES["sagittal"])
    assert "more anterior" in texts(Attr("vpos", "min"), FRAMES["axial"])


@pytest.mark.parametrize(("query", "labels"), [
    ("the left kidney", ["kidney_left", "kidney_right"]),
    ("the lower lobe of the left lung", ["lung_lower_lobe_left", "lung_lower_lobe_right"]),
    ("the upper lung lobe", ["lung_upper_lobe_left"]),
    ("the right hip bone", ["hip_right", "hip_left"]),
    ("the left 7th rib", ["rib_left_7", "rib_left_8"]),
    ("the L1 vertebra", ["vertebrae_L1", "vertebrae_L2"]),
    ("the middle lung lobe", ["lung_middle_lobe_right"]),
])
def test_label_words_are_not_attributes(query: str, labels: list[str]) -> None:
    reading = read(query, labels)
    assert reading.claims == [] and reading.unverifiable == []
    assert reading.subject_labels == {labels[0]}


def test_absolute_kinds_cover_phrases() -> None:
    kinds = {a.kind for a in _all_attrs() if a.kind in ABSOLUTE_KINDS and absolute_phrases(a)}
    assert set(ABSOLUTE_KINDS) <= kinds
