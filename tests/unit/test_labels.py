"""Readable names for label ids, ordinals, and the patient side named in a label."""

from __future__ import annotations

import pytest

from medground.labels import from_file_name, ordinal, patient_side, plural, readable


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        # sides
        ("kidney_left", "left kidney"),
        ("kidney_right", "right kidney"),
        ("adrenal_gland_left", "left adrenal gland"),
        ("iliac_artery_right", "right iliac artery"),
        ("Kidney_Left", "left kidney"),
        ("kidney-left", "left kidney"),
        ("left_kidney", "left kidney"),
        # vertebrae
        ("vertebrae_L1", "L1 vertebra"),
        ("vertebrae_T12", "T12 vertebra"),
        ("vertebrae_C1", "C1 vertebra"),
        ("vertebra_s1", "S1 vertebra"),
        # ribs with side and number
        ("rib_left_7", "left 7th rib"),
        ("rib_right_1", "right 1st rib"),
        ("rib_left_2", "left 2nd rib"),
        ("rib_right_3", "right 3rd rib"),
        ("rib_left_4", "left 4th rib"),
        ("rib_right_11", "right 11th rib"),
        ("rib_left_12", "left 12th rib"),
        ("rib_left_13", "left 13th rib"),
        ("rib_7", "7th rib"),
        ("ribs_21", "21st rib"),
        # lobes and chambers
        ("lung_upper_lobe_left", "upper lobe of the left lung"),
        ("lung_middle_lobe_right", "middle lobe of the right lung"),
        ("lung_lower_lobe_right", "lower lobe of the right lung"),
        ("heart_atrium_left", "left atrium"),
        ("heart_ventricle_right", "right ventricle"),
        # exact overrides
        ("inferior_vena_cava", "inferior vena cava"),
        ("portal_vein_and_splenic_vein", "portal and splenic veins"),
        ("heart_myocardium", "myocardium"),
        ("urinary_bladder", "urinary bladder"),
        # grey matter variants
        ("gm", "grey matter"),
        ("GM", "grey matter"),
        ("gray_matter", "grey matter"),
        ("grey_matter", "grey matter"),
        ("Gray Matter", "grey matter"),
        ("grey-matter", "grey matter"),
        ("wm", "white matter"),
        # plain names
        ("liver", "liver"),
        ("spleen", "spleen"),
        ("pancreas", "pancreas"),
        ("small_bowel", "small bowel"),
        ("gallbladder", "gallbladder"),
        ("  aorta  ", "aorta"),
        ("heart", "heart"),
    ],
)
def test_readable(label: str, expected: str) -> None:
    assert readable(label) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (5, "5th"),
        (10, "10th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (20, "20th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (24, "24th"),
        (101, "101st"),
        (102, "102nd"),
        (103, "103rd"),
        (111, "111th"),
        (112, "112th"),
        (113, "113th"),
        (121, "121st"),
        (0, "0th"),
    ],
)
def test_ordinal(n: int, expected: str) -> None:
    assert ordinal(n) == expected


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("kidney_left", "left"),
        ("kidney_right", "right"),
        ("left_kidney", "left"),
        ("Right Kidney", "right"),
        ("rib-left-7", "left"),
        ("lung_upper_lobe_left", "left"),
        ("heart_atrium_right", "right"),
        ("kidney_left_right", None),
        ("left and right", None),
        ("liver", None),
        ("leftover", None),
        ("upright", None),
        ("rightmost_left_x", "left"),
        ("", None),
    ],
)
def test_patient_side(label: str, expected: str | None) -> None:
    assert patient_side(label) == expected


@pytest.mark.parametrize(("noun", "expected"), [
    ("polyp", "polyps"), ("vertebra", "vertebrae"), ("nucleus", "nuclei"), ("rib", "ribs"),
    ("left kidney", "left kidneys"), ("upper lobe of the left lung", "upper lobes of the left lung"),
    ("erector spinae muscle", "erector spinae muscles"), ("adrenal gland", "adrenal glands"),
    ("metastasis", "metastases"), ("atrium", "atria"), ("body", "bodies"), ("day", "days"),
    ("mass", "masses"), ("small bowel", "small bowel"),
    ("spinal cord at the C3 level", "spinal cords at the C3 level"), ("psoas", "psoas"),
])
def test_plural(noun: str, expected: str) -> None:
    assert plural(noun) == expected


@pytest.mark.parametrize(("raw", "label", "name", "names", "side"), [
    ("left+kidney", "left kidney", "left kidney", "left kidneys", "left"),
    ("left%20kidney", "left kidney", "left kidney", "left kidneys", "left"),
    ("right++adrenal+gland", "right adrenal gland", "right adrenal gland",
     "right adrenal glands", "right"),
    ("  upper+lobe%20 ", "upper lobe", "upper lobe", "upper lobes", None),
    # snake_case ids keep their underscores: patterns match them, readable() reads them
    ("kidney_left", "kidney_left", "left kidney", "left kidneys", "left"),
    ("lung_upper_lobe_left", "lung_upper_lobe_left", "upper lobe of the left lung",
     "upper lobes of the left lung", "left"),
    ("liver", "liver", "liver", "livers", None),
    ("C%2B%2B+lesion", "C++ lesion", "c++ lesion", "c++ lesions", None),
])
def test_file_name_labels(raw: str, label: str, name: str, names: str, side: str | None) -> None:
    assert from_file_name(raw) == label
    assert readable(label) == name
    assert plural(readable(label)) == names
    assert patient_side(label) == side
