"""Which modality's intensity vocabulary a word belongs to: density words on CT, radiographs
and mammograms, signal words on MR, echo words on ultrasound, whatever word names the
modality (the claim checker keys by the vocabulary's codes)."""

from __future__ import annotations

import numpy as np
import pytest

from medground.claims.measure import Scene
from medground.claims.reader import read
from medground.claims.truth import term_problem


def _problem(word: str, modality: str) -> str | None:
    [claim] = read(f"the {word} lesion", ["lesion"]).claims
    return term_problem(claim, Scene(image=np.zeros((10, 10), np.uint8), regions=[],
                                     modality=modality))


@pytest.mark.parametrize(("word", "modality", "ok"), [
    ("hypodense", "CT", True), ("hypodense", "ct", True), ("hypodense", "CT scan", True),
    ("radiopaque", "X-ray", True), ("radiolucent", "CR", True), ("hyperdense", "mammogram", True),
    ("hypodense", "MR", False), ("hypodense", "ultrasound", False), ("hypodense", "OT", False),
    ("hyperintense", "MR", True), ("hyperintense", "MRI", True), ("hyperintense", "FLAIR", True),
    ("hyperintense", "T2w", True), ("hyperintense", "CT", False),
    ("hypoechoic", "ultrasound", True), ("hypoechoic", "US", True),
    ("hyperechoic", "sonography", True), ("hypoechoic", "CT", False),
    ("bright", "histopathology", True), ("dark", "fluorescence", True), ("bright", "", True),
])
def test_term_by_modality(word: str, modality: str, ok: bool) -> None:
    assert (_problem(word, modality) is None) == ok
