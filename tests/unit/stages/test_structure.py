"""The split rule: countable findings split, anatomy / diffuse / thin / unknown stay whole."""

from __future__ import annotations

import numpy as np
import pytest

from medground.stages.structure import decide_split, kind_by_name, thinness

H, W = 120, 160


def _disc(cy: int, cx: int, r: int) -> np.ndarray:
    yy, xx = np.mgrid[:H, :W]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def _tree() -> np.ndarray:
    """A trunk with four side branches, 3 px wide: a vessel tree drawn by hand."""
    m = np.zeros((H, W), bool)
    m[10:110, 78:81] = True  # trunk
    for y, direction in ((25, 1), (45, -1), (65, 1), (85, -1)):
        for t in range(40):  # diagonal branches
            x = 80 + direction * t
            m[y + t // 2: y + t // 2 + 3, x: x + 3] = True
    return m


@pytest.mark.parametrize(("label", "kind"), [
    ("polyp", "countable"), ("lesion", "countable"), ("liver_tumor", "countable"),
    ("Liver_Tumours", "countable"), ("kidney_cyst_left", "countable"), ("lung nodules", "countable"),
    ("nuclei", "countable"), ("cells", "countable"), ("brain_metastases", "countable"),
    ("edema", "diffuse"), ("peritumoral oedema", "diffuse"), ("COVID-19 infection", "diffuse"),
    ("pleural_effusion", "diffuse"), ("tumour oedema", "diffuse"),
    ("kidney_left", "anatomy"), ("left+kidney", "anatomy"), ("retinal_vessel", "anatomy"),
    ("vessel", "anatomy"), ("pancreas", "anatomy"), ("iliopsoas_right", "anatomy"),
    ("vertebrae_L1", "anatomy"), ("optic disc", "anatomy"),
    ("label_3", None), ("structure_x", None), ("thing", None),
])
def test_kind_by_name(label: str, kind: str | None) -> None:
    assert kind_by_name(label) == kind


def test_thinness_separates_blobs_bands_and_trees() -> None:
    disc = thinness(_disc(60, 80, 30))
    assert disc.ratio < 1 and not disc.thin_or_tree
    band = np.zeros((H, W), bool)
    band[58:62, 10:150] = True  # 140 x 4 px: skeleton ~138 px, area 560 -> ratio ~34
    b = thinness(band)
    assert b.ratio > 20 and b.thin_or_tree
    short = np.zeros((H, W), bool)
    short[50:70, 40:100] = True  # 60 x 20 px: an elongated lesion, not a line
    assert not thinness(short).thin_or_tree
    tree = thinness(_tree())
    assert tree.branches >= 3 and tree.thin_or_tree


@pytest.mark.parametrize(("label", "mask", "split", "keep", "expected"), [
    ("polyp", "discs", [], [], "split/countable_name"),
    ("polyp", "discs", [], ["pol*"], "whole/config_whole"),
    ("liver", "discs", ["liv*"], [], "split/config_split"),
    ("liver", "discs", [], [], "whole/anatomy_name"),
    ("edema", "discs", [], [], "whole/diffuse_name"),
    ("structure_x", "discs", [], [], "whole/unknown_name"),
    ("lesion", "tree", [], [], "whole/thin_or_tree"),
    ("retinal_vessel", "tree", [], [], "whole/anatomy_name"),
    ("thing", "tree", [], [], "whole/unknown_name"),
    ("lesion", "tree", ["lesion"], [], "split/config_split"),
])
def test_decide_split(label: str, mask: str, split: list[str], keep: list[str],
                      expected: str) -> None:
    m = _disc(30, 40, 12) | _disc(80, 120, 15) if mask == "discs" else _tree()
    assert decide_split(label, [m], split, keep).key == expected
