"""Parents (a label that is the union of others) and label conflicts (identical masks)."""

from __future__ import annotations

import numpy as np
import pytest

from medground.stages.hierarchy import names_related, resolve
from medground.types import Layer

H, W = 60, 100


def _disc(cy: int, cx: int, r: int) -> np.ndarray:
    yy, xx = np.mgrid[:H, :W]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


LEFT, RIGHT = _disc(30, 75, 12), _disc(30, 25, 12)  # patient left is on the image right


def _labels(layers: list[Layer]) -> list[str]:
    return sorted({layer.label for layer in layers})


def test_parent_of_two_children_is_left_out() -> None:
    found = resolve([Layer("kidney", LEFT | RIGHT), Layer("left kidney", LEFT),
                     Layer("right kidney", RIGHT)])
    assert found.parents == {"kidney": ("left kidney", "right kidney")}
    assert _labels(found.layers) == ["left kidney", "right kidney"]
    assert found.conflicts == []


def test_parent_drawn_apart_from_children_within_tolerance() -> None:
    parent = LEFT | RIGHT
    parent[30, 37] = True  # a few pixels the children do not cover (2 % of the parent)
    parent[29:31, 38:40] = True
    kid = RIGHT.copy()
    kid[30, 40] = True  # and one child pixel outside the parent
    found = resolve([Layer("adrenal_gland", parent), Layer("adrenal_gland_left", LEFT),
                     Layer("adrenal_gland_right", kid)])
    assert set(found.parents) == {"adrenal_gland"}


def test_nested_but_not_covering_is_no_parent() -> None:
    liver = _disc(30, 50, 25)
    found = resolve([Layer("liver", liver), Layer("tumor", _disc(30, 50, 5))])
    assert found.parents == {} and _labels(found.layers) == ["liver", "tumor"]


def test_nested_hierarchy_keeps_the_leaves() -> None:
    et, necrosis = _disc(30, 50, 4), _disc(30, 60, 3)
    core = et | necrosis | _disc(30, 55, 2)
    edema = _disc(30, 55, 20) & ~core
    found = resolve([Layer("whole tumor", edema | core), Layer("tumor core", core),
                     Layer("enhancing", et), Layer("necrosis", necrosis),
                     Layer("edema", edema)])
    assert set(found.parents) == {"whole tumor"}  # the core is not covered by its parts
    assert "whole tumor" not in _labels(found.layers)


def test_identical_masks_unrelated_names_conflict() -> None:
    lung = _disc(30, 50, 20)
    found = resolve([Layer("lung", lung), Layer("COVID-19 infection", lung.copy()),
                     Layer("heart", _disc(10, 10, 5))])
    assert found.conflicts == [("COVID-19 infection", "lung")]
    assert _labels(found.layers) == ["heart"]


def test_identical_masks_related_names_keep_the_specific() -> None:
    found = resolve([Layer("kidney", LEFT), Layer("kidney_left", LEFT.copy())])
    assert found.parents == {"kidney": ("kidney_left",)} and found.conflicts == []
    assert _labels(found.layers) == ["kidney_left"]


def test_instances_of_one_label_are_not_a_hierarchy() -> None:
    layers = [Layer("nucleus", LEFT, instance=0), Layer("nucleus", RIGHT, instance=1)]
    found = resolve(layers)
    assert found.layers == layers and not found.parents and not found.conflicts


@pytest.mark.parametrize(("general", "specific", "related"), [
    ("kidney", "left kidney", True), ("adrenal_gland", "adrenal_gland_right", True),
    ("rib", "rib_left_7", True), ("lung", "COVID-19 infection", False),
    ("left kidney", "kidney", False), ("liver", "liver tumor", False),
    ("lung", "lung_upper_lobe_left", True), ("vertebrae", "vertebrae_L1", True),
])
def test_names_related(general: str, specific: str, related: bool) -> None:
    assert names_related(general, specific) is related
