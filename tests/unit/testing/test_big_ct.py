"""The benchmark CT generator: deterministic, the labelled share asked for, a readable folder."""

from __future__ import annotations

import json
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from scipy import ndimage

from medground.sources import make_source
from medground.sources.base import VolumeCase
from medground.testing.big_ct import big_ct, big_ct_config, label_names, write_big_ct

TINY = (64, 64, 40)


def test_same_seed_same_volume_other_seed_other_volume() -> None:
    a = big_ct(shape=TINY, n_labels=20, seed=3)
    b = big_ct(shape=TINY, n_labels=20, seed=3)
    c = big_ct(shape=TINY, n_labels=20, seed=4)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[1], c[1])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("foreground", [0.05, 0.11, 0.2])
def test_labelled_share_is_the_one_asked_for(foreground: float) -> None:
    image, labels, _ = big_ct(shape=TINY, n_labels=20, foreground=foreground)
    assert image.dtype == np.int16 and labels.dtype == np.uint8
    assert image.shape == labels.shape == TINY
    assert np.count_nonzero(labels) / labels.size == pytest.approx(foreground, abs=0.01)


def test_every_label_is_drawn_and_named_and_air_is_unlabelled() -> None:
    image, labels, _ = big_ct(shape=TINY, n_labels=20)
    assert set(np.unique(labels)) == set(range(21))
    assert sorted(label_names(20)) == list(range(1, 21))
    assert (image[labels > 0] > -900).all()  # structures lie in the body, never in air
    assert (image[0, 0, :] < -900).all()  # the corner is air


def test_sided_names_lie_on_their_side_and_findings_inside_organs() -> None:
    _, labels, affine = big_ct(shape=TINY, n_labels=20)
    centre_x = (TINY[0] - 1) / 2
    for v, name in label_names(20).items():
        mask = labels == v
        x = float(np.argwhere(mask)[:, 0].mean())
        if "_right_" in name:  # RAS: axis 0 runs towards the patient's right
            assert x > centre_x, name
        if "_left_" in name:
            assert x < centre_x, name
        if name.startswith("lesion"):  # nested: surrounded by labelled tissue, not background
            ring = ndimage.binary_dilation(mask) & ~mask
            assert np.count_nonzero(labels[ring] == 0) <= 0.05 * np.count_nonzero(ring), name
    assert np.allclose(affine @ [centre_x, (TINY[1] - 1) / 2, (TINY[2] - 1) / 2, 1], [0, 0, 0, 1])
    assert np.allclose(np.diag(affine)[:3], (0.8, 0.8, 1.5))


def test_folder_is_byte_reproducible_and_read_by_the_volume_source(tmp_path: Path) -> None:
    first = write_big_ct(tmp_path / "a", n_volumes=2, shape=TINY, n_labels=20)
    second = write_big_ct(tmp_path / "b", n_volumes=2, shape=TINY, n_labels=20)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert [str(f) for f in files] == ["dataset.json", "imagesTr/bigct_000.nii.gz",
                                      "imagesTr/bigct_001.nii.gz", "labelsTr/bigct_000.nii.gz",
                                      "labelsTr/bigct_001.nii.gz"]
    for f in files:
        assert (first / f).read_bytes() == (second / f).read_bytes(), f
    meta = json.loads((first / "dataset.json").read_text())
    assert meta["labels"]["20"] == label_names(20)[20]
    _, labels, _ = big_ct(shape=TINY, n_labels=20, seed=1)  # the second volume: seed + 1
    stored = nib.load(first / "labelsTr" / "bigct_001.nii.gz")
    assert isinstance(stored, nib.Nifti1Image)
    np.testing.assert_array_equal(np.asarray(stored.dataobj), labels)
    source = make_source(big_ct_config(first))
    refs = source.case_refs()
    case = source.load(refs[0])
    assert isinstance(case, VolumeCase)
    assert [r.case_id for r in refs] == ["bigct_000", "bigct_001"]
    assert case.label_names == label_names(20)
    assert case.info.modality == "CT"
