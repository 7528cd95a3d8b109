"""The reader turns free wording into claims: one row per phrasing, expectations by hand.

Claims are written in their short form (``Claim.describe``): ``kind:value[#rank][@frame]
[(reference)]``; "of the set" marks a count of the set a comparison is made in.
"""

from __future__ import annotations

import pytest

from medground.claims.reader import read

CT = ("liver", "spleen", "kidney_left", "kidney_right", "lesion", "aorta", "vertebra",
      "adrenal_gland_left", "adrenal_gland_right", "kidney_cyst_left", "inferior_vena_cava")

# (query, subject labels, claims)
CASES: list[tuple[str, set[str], set[str]]] = [
    # image position
    ("Find the liver on the image's left.", {"liver"}, {"position:left@image"}),
    ("the liver on the left-hand side of the image", {"liver"}, {"position:left@image"}),
    ("Locate the liver in the lower right corner of the image.", {"liver"},
     {"position:bottom@image", "position:right@image"}),
    ("Where is the liver at the bottom of the picture?", {"liver"}, {"position:bottom@image"}),
    ("the spleen toward the left edge of the frame", {"spleen"}, {"position:left@image"}),
    ("the spleen in the upper half of the slice", {"spleen"}, {"position:top@image"}),
    ("Box the aorta at the centre of the scan.", {"aorta"}, {"position:center@image"}),
    ("the aorta in the middle of the view", {"aorta"}, {"position:center@image"}),
    ("the aorta near the center of the image", {"aorta"}, {"position:central@image"}),
    ("the aorta, centrally located in the image", {"aorta"}, {"position:central@image"}),
    ("the spleen toward the periphery of the image", {"spleen"}, {"position:periphery@image"}),
    ("the liver touching the image border", {"liver"}, {"position:border@image"}),
    ("the liver cut off by the left edge of the image", {"liver"}, {"position:border-left@image"}),
    ("the vertebra in the image's lower middle region", {"vertebra"},
     {"position:bottom@image", "position:center-x@image"}),
    ("the liver in the middle left part of the image", {"liver"},
     {"position:left@image", "position:center-y@image"}),
    ("Find the liver at the top.", {"liver"}, {"position:top"}),  # frame: the checker
    ("the liver on the left", {"liver"}, {"position:left"}),  # no frame: the checker decides
    # patient side and directions
    ("Find the liver on the patient's right.", {"liver"}, {"side:right@patient"}),
    ("the liver in the patient's right half", {"liver"}, {"side:right@patient"}),
    ("the spleen on the left side of the patient", {"spleen"}, {"side:left@patient"}),
    ("the spleen on the left side of the body", {"spleen"}, {"side:left@patient"}),
    ("the left-sided lesion", {"lesion"}, {"side:left@patient"}),
    ("the aorta in the midline", {"aorta"}, {"side:midline@patient"}),
    ("the lesion located anteriorly", {"lesion"}, {"side:anterior@patient"}),
    ("the lesion in the posterior part of the body", {"lesion"}, {"side:posterior@patient"}),
    # size
    ("Find the small liver.", {"liver"}, {"size:small"}),
    ("the tiny lesion", {"lesion"}, {"size:small"}),
    ("the bigger lesion", {"lesion"}, {"size:large"}),
    ("the largest lesion", {"lesion"}, {"size:large"}),
    ("the second largest lesion", {"lesion"}, {"size:large#2"}),
    ("the medium-sized lesion", {"lesion"}, {"size:large#2", "count:3 of the set"}),
    ("the lesion that is neither the biggest nor the smallest", {"lesion"},
     {"size:large#2", "count:3 of the set"}),
    ("the more diminutive lesion", {"lesion"}, {"size:small"}),
    ("the enlarged lesion", {"lesion"}, {"size:large"}),
    ("the lesion that covers more area", {"lesion"}, {"size:large"}),
    ("the lesion about three times the size of the other", {"lesion"},
     {"relation:larger(other)"}),
    ("the lesion with the largest area", {"lesion"}, {"size:large"}),
    ("Can you locate the bigger of the two focal lesions?", {"lesion"},
     {"count:2 of the set", "size:large"}),
    ("Of the three lesions, find the smallest.", {"lesion"},
     {"count:3 of the set", "size:small"}),
    ("which of the two lesions is larger?", {"lesion"}, {"count:2 of the set", "size:large"}),
    ("the lesion larger than the renal cyst", {"lesion"},
     {"relation:larger(renal cyst)"}),
    # shape
    ("the round lesion", {"lesion"}, {"shape:round"}),
    ("the circular lesion", {"lesion"}, {"shape:round"}),
    ("the ovoid lesion", {"lesion"}, {"shape:oval"}),
    ("the egg-shaped lesion", {"lesion"}, {"shape:oval"}),
    ("the elongated lesion", {"lesion"}, {"shape:elongated"}),
    ("the irregularly shaped lesion", {"lesion"}, {"shape:irregular"}),
    ("the lesion with an irregular outline", {"lesion"}, {"shape:irregular"}),
    ("the lobulated lesion", {"lesion"}, {"shape:lobulated"}),
    ("the crescent-shaped lesion", {"lesion"}, {"shape:crescent"}),
    ("the ring-like lesion", {"lesion"}, {"shape:ring"}),
    ("the lesion that is spiculated", {"lesion"}, {"shape:irregular"}),
    ("the lesion with a hole in the middle", {"lesion"}, {"shape:ring"}),
    ("the lesion with jagged edges", {"lesion"}, {"shape:irregular"}),
    ("the lesion with smooth, well-circumscribed round margins", {"lesion"},
     {"shape:smooth", "shape:round"}),
    ("the long and thin lesion", {"lesion"}, {"shape:elongated"}),
    ("the vertically oriented lesion", {"lesion"}, {"shape:vertical"}),
    ("the lesion that is neither round nor stretched out", {"lesion"},
     {"shape:not round", "shape:not elongated"}),
    # intensity
    ("the hypodense lesion", {"lesion"}, {"intensity:dark"}),
    ("the low-attenuation lesion", {"lesion"}, {"intensity:dark"}),
    ("the lesion of high density", {"lesion"}, {"intensity:bright"}),
    ("the hyperintense lesion", {"lesion"}, {"intensity:bright"}),
    ("the darker-looking lesion", {"lesion"}, {"intensity:dark"}),
    ("the brightest lesion", {"lesion"}, {"intensity:bright"}),
    ("the lesion brighter than the liver", {"lesion"}, {"relation:brighter(liver)"}),
    # counts
    ("both kidneys", {"kidney_left", "kidney_right"}, {"count:2"}),
    ("Mark the two kidneys.", {"kidney_left", "kidney_right"}, {"count:2"}),
    ("all three lesions", {"lesion"}, {"count:3"}),
    ("all of the lesions", {"lesion"}, {"count:all"}),
    ("the pair of kidneys", {"kidney_left", "kidney_right"}, {"count:2"}),
    ("the left and right kidneys", {"kidney_left", "kidney_right"}, {"count:2"}),
    ("the adrenal glands of both sides", {"adrenal_gland_left", "adrenal_gland_right"},
     {"count:2"}),
    ("several lesions", {"lesion"}, {"count:several"}),
    # ordinals
    ("the second lesion from the left in the image", {"lesion"}, {"ordinal:left#2@image"}),
    ("the lesion second from the top", {"lesion"}, {"ordinal:top#2@image"}),
    ("the leftmost lesion in the image", {"lesion"}, {"ordinal:left@image"}),
    ("the left-most lesion", {"lesion"}, {"ordinal:left"}),
    ("the topmost lesion", {"lesion"}, {"ordinal:top@image"}),
    ("the lowest lesion", {"lesion"}, {"ordinal:bottom@image"}),
    ("the lesion furthest to the right in the image", {"lesion"}, {"ordinal:right@image"}),
    ("the lesion closest to the bottom of the image", {"lesion"}, {"ordinal:bottom@image"}),
    ("the lesion nearer the image's left edge", {"lesion"}, {"ordinal:left@image"}),
    ("the lesion higher in the image", {"lesion"}, {"ordinal:top@image"}),
    ("the most anterior lesion", {"lesion"}, {"ordinal:anterior@patient"}),
    ("the more cranial lesion", {"lesion"}, {"ordinal:superior@patient"}),
    ("the lesion most to the patient's left", {"lesion"}, {"ordinal:left@patient"}),
    ("the lesion closest to the midline", {"lesion"}, {"ordinal:medial@patient"}),
    ("the upper lesion", {"lesion"}, {"ordinal:top@image"}),
    ("the upper of the two lesions", {"lesion"}, {"count:2 of the set", "ordinal:top@image"}),
    # relations
    ("the lesion within the liver", {"lesion"}, {"relation:inside(liver)"}),
    ("the lesion in the liver", {"lesion"}, {"relation:inside(liver)"}),
    ("the liver lesion", {"lesion"}, {"relation:inside(liver)"}),
    ("the hepatic lesion", {"lesion"}, {"relation:inside(liver)"}),
    ("the liver containing the lesion", {"liver"}, {"relation:contains(lesion)"}),
    ("the lesion next to the left kidney", {"lesion"}, {"relation:adjacent(left kidney)"}),
    ("the lesion abutting the spleen", {"lesion"}, {"relation:adjacent(spleen)"}),
    ("the lesion near the aorta", {"lesion"}, {"relation:near(aorta)"}),
    ("the lesion far from the aorta", {"lesion"}, {"relation:far(aorta)"}),
    ("the lesion above the vertebra in the image", {"lesion"},
     {"relation:above@image(vertebra)"}),
    ("the lesion below the liver", {"lesion"}, {"relation:below@image(liver)"}),
    ("the aorta to the image's right of the liver", {"aorta"},
     {"relation:right_of@image(liver)"}),
    ("the aorta to the patient's left of the vertebra", {"aorta"},
     {"relation:left_of@patient(vertebra)"}),
    ("the aorta anterior to the vertebra", {"aorta"}, {"relation:anterior@patient(vertebra)"}),
    ("the aorta in front of the vertebra", {"aorta"}, {"relation:anterior@patient(vertebra)"}),
    ("the aorta behind the liver", {"aorta"}, {"relation:posterior@patient(liver)"}),
    ("the liver cranial to the left kidney", {"liver"},
     {"relation:superior@patient(left kidney)"}),
    ("the aorta medial to the left kidney", {"aorta"}, {"relation:medial@patient(left kidney)"}),
    ("the spleen further from the midline than the aorta", {"spleen"},
     {"relation:lateral@patient(aorta)"}),
    ("the aorta between the left kidney and the right kidney", {"aorta"},
     {"relation:between(left kidney, right kidney)"}),
    ("the aorta between the two kidneys", {"aorta"}, {"relation:between(two kidneys, two kidneys)"}),
    ("the lesion directly below the liver", {"lesion"}, {"relation:below@image(liver)"}),
    ("the lesion outside the liver", {"lesion"}, {"relation:not inside(liver)"}),
    ("the lesion next to the larger lesion", {"lesion"},
     {"relation:adjacent(larger lesion)"}),
    ("the lesion below the other lesion", {"lesion"}, {"relation:below@image(other lesion)"}),
    ("the lesion anterior to both kidneys", {"lesion"},
     {"relation:anterior@patient(kidneys)"}),
    ("the lesion darker than the surrounding liver", {"lesion"}, {"relation:darker(liver)"}),
    ("the lesion with lower attenuation than the liver parenchyma", {"lesion"},
     {"relation:darker(liver parenchyma)"}),
    ("the lesion in the left hemisphere", {"lesion"}, {"side:left@patient"}),
    ("the lesion on the right side of the chest", {"lesion"}, {"side:right@patient"}),
    ("the lesion closest to the patient's right side", {"lesion"},
     {"ordinal:right@patient"}),
    ("the middle one of the three lesions", {"lesion"},
     {"ordinal:middle", "count:3 of the set"}),
    ("the lowest but one lesion", {"lesion"}, {"ordinal:bottom#2@image"}),
    # negation and hedges
    ("the lesion that is not on the left side of the image", {"lesion"},
     {"position:not left@image"}),
    ("the lesion, roughly in the centre of the image", {"lesion"}, {"position:center@image"}),
    ("the probably larger lesion", {"lesion"}, {"size:large"}),
    # names, synonyms, plain commands
    ("Outline the left suprarenal gland.", {"adrenal_gland_left"}, set()),
    ("Where is the IVC?", {"inferior_vena_cava"}, set()),
    ("the kidney on the patient's left", {"kidney_left", "kidney_right"}, {"side:left@patient"}),
    ("Which bounding box contains the spleen?", {"spleen"}, set()),
    ("Draw a box around the liver.", {"liver"}, set()),
    ("First, highlight the liver and the spleen.", {"liver", "spleen"}, set()),
]


@pytest.mark.parametrize(("query", "subject", "claims"), CASES, ids=[c[0] for c in CASES])
def test_reads(query: str, subject: set[str], claims: set[str]) -> None:
    reading = read(query, CT)
    assert reading.unverifiable == []
    assert set(reading.subject_labels) == subject
    assert {c.describe() for c in reading.claims} == claims


UNVERIFIABLE = [
    "the lesion that is ill-defined",
    "the lesion near it",
    "the other lesion",
    "the lesion without calcification",
    "the heterogeneous lesion",
    "the brown lesion",
    "the lesion adjacent to the zorblax",
    "the liver, then the spleen beside the lesion on the image's left and the right",
    "the most peculiar lesion",
    "the lesion in the bottom of the patient",
    "the thick lesion",
]


@pytest.mark.parametrize("query", UNVERIFIABLE)
def test_unreadable_words_are_reported(query: str) -> None:
    assert read(query, CT).unverifiable


@pytest.mark.parametrize(("query", "plural", "from_set"), [
    ("the kidneys", True, False),
    ("the kidney", False, False),
    ("the larger of the two kidneys", False, True),
    ("the liver and the spleen", True, False),
])
def test_number(query: str, plural: bool, from_set: bool) -> None:
    reading = read(query, CT)
    assert (reading.plural, reading.from_set) == (plural, from_set)


def test_a_name_beats_its_words() -> None:
    """"left" in "left kidney" is part of a name, not a position claim; the opposite side of a
    label in the view is a name too (naming nothing here)."""
    reading = read("the left kidney", ["kidney_right", "liver"])
    assert reading.claims == [] and reading.subject_labels == frozenset()
    assert read("the upper lobe of the left lung", ["lung_upper_lobe_left"]).claims == []


def test_a_name_broken_by_another_word_is_unverifiable() -> None:
    """"the left paraspinal large muscle": "muscle" alone would name both paraspinal muscles
    and "paraspinal" would be dropped silently; a word of a structure's name left over means
    the reader could not place the name."""
    reading = read("the left paraspinal large muscle", ["autochthon_left", "autochthon_right"])
    assert any("paraspinal" in u for u in reading.unverifiable)
    assert read("the left paraspinal muscle", ["autochthon_left", "autochthon_right"]
                ).unverifiable == []
