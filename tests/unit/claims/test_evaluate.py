"""Claims checked against generated scenes whose geometry is written down here.

Every expectation follows from the numbers in the scene (worked out in the comments), not
from running the code under test. Nothing here imports a synthesizer.
"""

from __future__ import annotations

import pytest

from medground.claims.evaluate import evaluate
from medground.claims.measure import Region, Scene
from medground.claims.reader import read
from medground.testing.scenes import AXIAL, SAGITTAL, SceneBuilder


def scene_of(b: SceneBuilder) -> Scene:
    return Scene(image=b.image, regions=[Region(s.label, s.instance, s.mask) for s in b.shapes],
                 modality=b.modality, plane=b.plane, frame=b.frame, midline_x=b.midline_x)


def outcome(b: SceneBuilder, query: str, targets: list[int]) -> str:
    scene = scene_of(b)
    failure = evaluate(read(query, [s.label for s in b.shapes]), scene, targets)
    return "OK" if failure is None else failure.reason


def abdomen(frame: dict[str, str] | None = AXIAL, modality: str = "CT") -> SceneBuilder:
    """100 x 100. Regions (index: label, geometry):
    0 liver     rect x 5-45, y 10-60: centroid about (25, 35), the image's left quarter
    1 lesion:0  disc (25, 30) r 6, grey 30 inside the liver (120): dark, area ~113, inside
    2 lesion:1  disc (75, 75) r 10, grey 200 on the background (40): bright, area ~314
    3 spleen    rect x 60-90, y 5-35: centroid (75, 20), the top fifth
    4 aorta     disc (50, 55) r 4: on the midline, area ~50 (0.5 % of the image)
    5 vertebra  rect x 40-60, y 80-95: below the aorta
    """
    b = SceneBuilder(frame=frame, plane="axial" if frame else "image", modality=modality)
    b.rect("liver", 5, 10, 45, 60, value=120)
    b.disc("lesion", 25, 30, 6, value=30)
    b.disc("lesion", 75, 75, 10, value=200)
    b.rect("spleen", 60, 5, 90, 35, value=140)
    b.disc("aorta", 50, 55, 4, value=220)
    b.rect("vertebra", 40, 80, 60, 95, value=250)
    return b


CASES = [
    # position: the liver's centroid x is 0.25 of the width (left band: yes up to 0.40)
    ("the liver on the image's left", [0], "OK"),
    ("the liver on the right side of the picture", [0], "POSITION_WORD_CONTRADICTS"),
    ("the spleen at the top of the image", [3], "OK"),  # y 0.20
    ("the spleen in the bottom half of the image", [3], "POSITION_WORD_CONTRADICTS"),
    ("the aorta in the middle of the image", [4], "OK"),  # (0.50, 0.55): 0.05 off centre
    # frame: image left = patient right in this axial view; "on the left" says neither
    ("the liver on the patient's right", [0], "OK"),
    ("the liver on the patient's left side", [0], "SIDE_WORD_CONTRADICTS"),
    ("the liver on the left", [0], "UNVERIFIABLE_WORDING"),
    ("the aorta in the midline", [4], "OK"),
    ("the aorta superior to the vertebra", [4], "PATIENT_FRAME_UNAVAILABLE"),  # out of plane
    # size: lesion 1 (~314 px) is 2.8x lesion 0 (~113 px)
    ("the larger lesion", [2], "OK"),
    ("the larger lesion", [1], "SIZE_WORD_CONTRADICTS"),
    ("the smallest lesion", [1], "OK"),
    ("the small liver", [0], "SIZE_WORD_CONTRADICTS"),  # ~19 % of the image, alone
    ("the small aorta", [4], "OK"),  # 0.5 % of the image, alone of its kind
    ("the larger of the three lesions", [2], "COUNT_WORD_CONTRADICTS"),  # there are two
    # intensity: lesion 0 is 90 grey levels under the liver, lesion 1 160 over the background
    ("the hypodense lesion", [1], "OK"),
    ("the hypodense lesion", [2], "INTENSITY_WORD_CONTRADICTS"),
    ("the bright lesion", [2], "OK"),
    # relations
    ("the lesion within the liver", [1], "OK"),
    ("the lesion within the liver", [2], "RELATION_CONTRADICTS"),
    ("the lesion within the pancreas", [1], "RELATION_CONTRADICTS"),  # no pancreas here
    ("the aorta anterior to the vertebra", [4], "OK"),  # above it on screen, top = anterior
    ("the aorta posterior to the vertebra", [4], "RELATION_CONTRADICTS"),
    ("the aorta above the vertebra in the image", [4], "OK"),
    ("the liver lesion", [1], "OK"),
    ("the lesion far from the liver", [2], "OK"),  # gap of ~30 px on a 141 px diagonal
    ("the lesion next to the spleen", [2], "RELATION_CONTRADICTS"),  # 30 px apart
    # ordinals: lesion 0 at (25, 30), lesion 1 at (75, 75): 0.45 apart on each axis
    ("the upper lesion", [1], "OK"),
    ("the lesion second from the left in the image", [2], "OK"),
    ("the lowest lesion", [1], "ORDINAL_WORD_CONTRADICTS"),
    ("the more anterior lesion", [1], "OK"),  # top = anterior
    ("the most posterior lesion", [1], "ORDINAL_WORD_CONTRADICTS"),
    # counts and ambiguity
    ("the lesion", [1], "AMBIGUOUS_QUERY"),
    ("both lesions", [1, 2], "OK"),
    ("all three lesions", [1, 2], "COUNT_WORD_CONTRADICTS"),
    ("the lesions", [1], "COUNT_WORD_CONTRADICTS"),
    ("the spleen", [0], "TARGET_NOT_NAMED"),
    # negation
    ("the lesion that is not in the upper left of the image", [2], "OK"),
    ("the lesion that is not in the upper left of the image", [1], "POSITION_WORD_CONTRADICTS"),
]


@pytest.mark.parametrize(("query", "targets", "expected"), CASES,
                         ids=[f"{q} -> {t}" for q, t, _ in CASES])
def test_abdomen(query: str, targets: list[int], expected: str) -> None:
    assert outcome(abdomen(), query, targets) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("the liver on the patient's right", "PATIENT_FRAME_UNAVAILABLE"),
    ("the more anterior lesion", "PATIENT_FRAME_UNAVAILABLE"),
    ("the liver on the left", "OK"),  # no patient frame: left can only be the image's
    ("the liver on the image's left", "OK"),
])
def test_photo_without_orientation(query: str, expected: str) -> None:
    target = [1] if "lesion" in query else [0]
    assert outcome(abdomen(frame=None, modality="endoscopy"), query, target) == expected


def test_sagittal_has_no_left_right_and_crops_no_midline() -> None:
    b = SceneBuilder(frame=SAGITTAL, plane="sagittal")
    b.disc("kidney_left", 20, 50, 10)
    assert outcome(b, "the kidney on the patient's left", [0]) == "PATIENT_FRAME_UNAVAILABLE"
    assert outcome(b, "the kidney on the left", [0]) == "OK"  # image left (anterior here)
    crop = SceneBuilder(frame=AXIAL, plane="axial", midline_x=None)
    crop.midline_x = None  # the body's midline is not in the field of view
    crop.disc("lesion", 20, 50, 8)
    assert outcome(crop, "the lesion on the patient's right", [0]) == \
        "PATIENT_SIDE_WITHOUT_MIDLINE"


@pytest.mark.parametrize(("query", "targets", "expected"), [
    # side from position needs the midline: withheld on a crop, with a reason
    ("the liver on the patient's right", [0], "PATIENT_SIDE_WITHOUT_MIDLINE"),
    ("the aorta in the midline", [4], "PATIENT_SIDE_WITHOUT_MIDLINE"),
    ("the lesion medial to the liver", [2], "PATIENT_SIDE_WITHOUT_MIDLINE"),
    # a comparison among structures needs only the orientation, which a crop keeps
    ("the lesion further toward the patient's left", [2], "OK"),
    ("the liver on the image's left", [0], "OK"),
])
def test_crop_keeps_orientation_but_no_side_from_position(
        query: str, targets: list[int], expected: str) -> None:
    crop = abdomen()
    crop.midline_x = None  # oriented, but the body's midline is not in the field of view
    assert outcome(crop, query, targets) == expected


@pytest.mark.parametrize(("query", "targets", "expected"), [
    # no orientation in the header: no patient frame at all ...
    ("the kidney on the patient's left side", [0], "PATIENT_FRAME_UNAVAILABLE"),
    ("the kidney further toward the patient's left", [0], "PATIENT_FRAME_UNAVAILABLE"),
    # ... but a side in a label's name is anatomy, not position: it stays
    ("the left kidney", [0], "OK"),
    ("both kidneys", [0, 1], "OK"),
])
def test_unoriented_volume_keeps_sides_of_label_names(
        query: str, targets: list[int], expected: str) -> None:
    b = SceneBuilder(frame=None, plane="axial", midline_x=None)
    b.disc("kidney_left", 25, 50, 8)  # where the display put it: the image has no frame
    b.disc("kidney_right", 75, 50, 8)
    assert outcome(b, query, targets) == expected


def test_modality_words() -> None:
    assert outcome(abdomen(modality="MR"), "the hypodense lesion", [1]) == \
        "INTENSITY_WORD_CONTRADICTS"  # a CT word on MR
    assert outcome(abdomen(modality="MR"), "the hypointense lesion", [1]) == "OK"


def test_margins() -> None:
    """Comparisons need a margin: areas 1.1x apart or centroids 2 % apart do not decide."""
    b = SceneBuilder()
    b.disc("polyp", 25, 50, 10)  # area ~314
    b.disc("polyp", 75, 50, 10.5)  # ~346: 1.10x
    assert outcome(b, "the larger polyp", [1]) == "SIZE_WORD_CONTRADICTS"
    c = SceneBuilder()
    c.disc("polyp", 30, 50, 8)
    c.disc("polyp", 32, 20, 8)  # 2 px = 2 % to the right
    assert outcome(c, "the leftmost polyp in the image", [0]) == "ORDINAL_WORD_CONTRADICTS"
    d = SceneBuilder()
    d.disc("polyp", 45, 50, 8)  # x 0.45: between the left band (0.40) and the middle (0.50)
    assert outcome(d, "the polyp on the left of the image", [0]) == "POSITION_WORD_CONTRADICTS"


def test_borderline_qualifier_competes_in_a_superlative() -> None:
    """"the largest round nucleus": a larger nucleus that is nearly round (axes 1.3 : 1) is a
    candidate a reader could take as round, so the small round one is not clearly "the
    largest round"; once the other is clearly oval (2 : 1) the query holds."""
    b = SceneBuilder(modality="microscopy")
    b.disc("nucleus", 25, 50, 8)  # round, area ~201
    b.disc("nucleus", 50, 20, 5)  # round, area ~79
    b.disc("nucleus", 70, 65, 13, ry=10)  # 1.3 : 1, area ~408
    assert outcome(b, "the largest round nucleus", [0]) == "SIZE_WORD_CONTRADICTS"
    c = SceneBuilder(modality="microscopy")
    c.disc("nucleus", 25, 50, 8)
    c.disc("nucleus", 50, 20, 5)
    c.disc("nucleus", 70, 65, 16, ry=8)  # 2 : 1, clearly not round
    assert outcome(c, "the largest round nucleus", [0]) == "OK"


def test_between() -> None:
    """The aorta at (50, 28) lies on the segment from the liver (25, 35) to the spleen
    (75, 20): projection ~0.5, a fraction of a pixel off the line."""
    b = SceneBuilder(frame=AXIAL, plane="axial")
    b.rect("liver", 15, 25, 35, 45)
    b.rect("spleen", 65, 10, 85, 30)
    b.disc("aorta", 50, 28, 4)
    b.disc("lesion", 50, 85, 4)
    assert outcome(b, "the aorta between the liver and the spleen", [2]) == "OK"
    assert outcome(b, "the lesion between the liver and the spleen", [3]) == \
        "RELATION_CONTRADICTS"


def test_counts_must_equal_the_targets() -> None:
    """Three polyps, all three boxed: "both" (two) is false, "all three" true."""
    b = SceneBuilder(modality="endoscopy")
    for x in (20, 50, 80):
        b.disc("polyp", x, 50, 8)
    assert outcome(b, "both polyps", [0, 1, 2]) == "COUNT_WORD_CONTRADICTS"
    assert outcome(b, "the two polyps", [0, 1, 2]) == "COUNT_WORD_CONTRADICTS"
    assert outcome(b, "all three polyps", [0, 1, 2]) == "OK"
    assert outcome(b, "the two polyps", [0, 1]) == "AMBIGUOUS_QUERY"  # a third one fits


# shape words on shapes whose geometry is known: (builder call, word, expected truth)
SHAPES = [
    ("disc", "round", "OK"), ("disc", "oval", "SHAPE_WORD_CONTRADICTS"),
    ("disc", "elongated", "SHAPE_WORD_CONTRADICTS"), ("disc", "smooth", "OK"),
    ("ellipse2", "oval", "OK"), ("ellipse2", "round", "SHAPE_WORD_CONTRADICTS"),
    ("ellipse5", "elongated", "OK"), ("ellipse5", "round", "SHAPE_WORD_CONTRADICTS"),
    ("ellipse5", "horizontal", "OK"), ("ellipse5", "vertical", "SHAPE_WORD_CONTRADICTS"),
    ("ring", "ring-shaped", "OK"), ("ring", "round", "SHAPE_WORD_CONTRADICTS"),
    ("crescent", "crescent-shaped", "OK"), ("crescent", "round", "SHAPE_WORD_CONTRADICTS"),
    ("lobulated", "lobulated", "OK"), ("lobulated", "round", "SHAPE_WORD_CONTRADICTS"),
    ("star", "irregular", "OK"), ("star", "smooth", "SHAPE_WORD_CONTRADICTS"),
    # a square: axes 1 : 1 and solid, but a circularity of pi / 4 ~ 0.785, under the 0.8 of
    # "round": not clearly round, so a reader could disagree and the word is rejected
    ("square", "round", "SHAPE_WORD_CONTRADICTS"),
]


@pytest.mark.parametrize(("kind", "word", "expected"), SHAPES,
                         ids=[f"{k}-{w}" for k, w, _ in SHAPES])
def test_shape_words(kind: str, word: str, expected: str) -> None:
    b = SceneBuilder(modality="microscopy")
    draw = {"disc": lambda: b.disc("nucleus", 50, 50, 14),
            "ellipse2": lambda: b.disc("nucleus", 50, 50, 20, ry=10),
            "ellipse5": lambda: b.disc("nucleus", 50, 50, 30, ry=6),
            "ring": lambda: b.ring("nucleus", 50, 50, 16, 8),
            "crescent": lambda: b.crescent("nucleus", 50, 50, 18),
            "lobulated": lambda: b.lobulated("nucleus", 50, 50, 20),
            "star": lambda: b.star("nucleus", 50, 50, 22),
            "square": lambda: b.rect("nucleus", 35, 35, 65, 65)}
    draw[kind]()
    assert outcome(b, f"the {word} nucleus", [0]) == expected
