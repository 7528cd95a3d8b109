"""Instances of a volume are its 3D connected components: a lesion that shows as two fragments
on a slice is one target, and counts are over the 3D lesions the slice shows."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import nibabel as nib
import numpy as np
from scipy import ndimage

from conftest import read_jsonl
from medground.build import build
from medground.config import RegionsConfig, parse_config
from medground.geometry.orientation import display_slice
from medground.geometry.rle import decode
from medground.stages.views import slice_layers, volume_instances

SHAPE = (64, 64, 20)
LESION, LIVER = 1, 2


def _volume() -> np.ndarray:
    lab = np.zeros(SHAPE, np.uint8)
    lab[4:60, 4:60, 0:20] = LIVER
    # lesion A: a U of two pillars joined at the bottom (z 2-3): two fragments on z >= 4
    lab[10:16, 20:26, 2:14] = LESION
    lab[26:32, 20:26, 2:14] = LESION
    lab[10:32, 20:26, 2:4] = LESION
    # lesion B: a ball, smaller than A
    ii, jj, kk = np.mgrid[: SHAPE[0], : SHAPE[1], : SHAPE[2]]
    lab[(ii - 48) ** 2 + (jj - 46) ** 2 + (kk - 8) ** 2 <= 16] = LESION
    return lab


def test_fragments_of_one_3d_lesion_share_its_instance() -> None:
    lab = _volume()
    counts: Counter[str] = Counter()
    decisions, instances = volume_instances(lab, {LESION: "lesion", LIVER: "liver"},
                                            RegionsConfig(), counts)
    assert decisions[LESION].key == "split/countable_name"
    assert decisions[LIVER].key == "whole/anatomy_name"
    assert counts["split_rule/lesion/split/countable_name"] == 1
    assert instances is not None
    assert set(np.unique(instances[lab == LESION])) == {1, 2}  # A (larger) is 1, B is 2
    assert set(np.unique(instances[lab == LIVER])) == {0}
    s = 8
    layers = slice_layers(display_slice(lab, "axial", s), display_slice(instances, "axial", s),
                          [LESION, LIVER], {LESION: "lesion", LIVER: "liver"}, decisions)
    lesions = [la for la in layers if la.label == "lesion"]
    assert [la.instance for la in lesions] == [0, 1]
    assert ndimage.label(lesions[0].mask)[1] == 2  # one target, two parts on this slice
    assert ndimage.label(lesions[1].mask)[1] == 1
    for layer in layers:  # each layer carries its mask's tight box, split parts too
        ys, xs = np.nonzero(layer.mask)
        assert layer.box == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1), layer.label


def test_connectivity_3d_decides_what_touches() -> None:
    lab = np.zeros((10, 10, 10), np.uint8)
    lab[2, 2, 2] = lab[3, 3, 3] = LESION  # corner neighbours: one lesion at 26, two at 6
    for conn, n in ((26, 1), (18, 2), (6, 2)):
        _, instances = volume_instances(lab, {LESION: "lesion"},
                                        RegionsConfig(connectivity_3d=conn), Counter())
        assert instances is not None and int(instances.max()) == n


def test_build_counts_3d_lesions_not_fragments(tmp_path: Path) -> None:
    root = tmp_path / "vol"
    (root / "imagesTr").mkdir(parents=True)
    (root / "labelsTr").mkdir()
    lab = _volume()
    img = np.where(lab == LESION, 120.0, np.where(lab == LIVER, 60.0, -200.0)).astype(np.float32)
    img += np.random.default_rng(0).normal(0, 3, SHAPE).astype(np.float32)
    affine = np.diag([1.0, 1.0, 2.0, 1.0])
    nib.save(nib.Nifti1Image(img, affine), str(root / "imagesTr" / "c1_0000.nii.gz"))
    nib.save(nib.Nifti1Image(lab, affine), str(root / "labelsTr" / "c1.nii.gz"))
    cfg = parse_config({"name": "frag", "source": {
        "type": "nifti", "root": str(root), "images": "imagesTr/*.nii.gz",
        "labels": "labelsTr/{case}.nii.gz", "modality": "CT",
        "label_names": {LESION: "lesion", LIVER: "liver"}},
        "slicing": {"mode": "every_k", "every_k": 1, "min_area_px": 5}}, base_dir=tmp_path)
    out = tmp_path / "out"
    build(cfg, out)
    views = read_jsonl(out / "views.jsonl")
    fragment_views = 0
    for view in views:
        lesions = [r for r in view["regions"] if r["label"] == "lesion"]
        assert len({r["instance"] for r in lesions}) == len(lesions) <= 2
        for r in lesions:
            if r["instance"] == 0 and view["slice"] >= 4:
                assert ndimage.label(decode(r["mask_rle"]))[1] == 2
                fragment_views += 1
    assert fragment_views >= 5
    samples = read_jsonl(out / "samples.jsonl")
    assert samples
    for s in samples:
        assert not any(w in s["query"].lower() for w in ("three lesions", "all three"))
        lesion_targets = [t for t in s["targets"] if t["label"] == "lesion"]
        assert len(lesion_targets) <= 2
