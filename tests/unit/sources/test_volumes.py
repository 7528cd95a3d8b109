"""Volume files by extension: case stems and which reader each extension goes to."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import nibabel as nib
import nrrd
import numpy as np
import pytest

from medground.errors import CaseError
from medground.sources.volumes import load_volume, volume_stem


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("case1.seg.nrrd", "case1"),
        ("case1.SEG.NRRD", "case1"),
        ("case1.nrrd", "case1"),
        ("case1.nhdr", "case1"),
        ("case1.nii.gz", "case1"),
        ("case1.nii", "case1"),
        ("case1.mha", "case1"),
        ("case1.mhd", "case1"),
        ("liver_0000.nii.gz", "liver_0000"),
        ("dir.v2/case1.seg.nrrd", "case1"),
        ("case1.tar.gz", "case1.tar"),  # not a volume extension: Path.stem
    ],
)
def test_volume_stem(name: str, stem: str) -> None:
    assert volume_stem(name) == stem
    assert volume_stem(Path("/data") / name) == stem


@pytest.mark.parametrize("name", ["img.nrrd", "img.NRRD", "img.nhdr", "lab.seg.nrrd"])
def test_nrrd_needs_no_simpleitk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setitem(sys.modules, "SimpleITK", None)  # makes `import SimpleITK` fail
    data = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / name
    header = {"space": "RAS", "space directions": np.diag([1.0, 2.0, 3.0])}
    nrrd.write(str(path), data, header, detached_header=name.endswith(".nhdr"))
    vol = load_volume(path)
    np.testing.assert_array_equal(vol.data, data)
    np.testing.assert_allclose(vol.affine, np.diag([1.0, 2.0, 3.0, 1.0]))


def test_mha_without_simpleitk_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "SimpleITK", None)
    path = tmp_path / "img.mha"
    path.write_bytes(b"ObjectType = Image\n")
    with pytest.raises(CaseError) as info:
        load_volume(path)
    assert info.value.code == "MISSING_EXTRA" and "img.mha" in str(info.value)
    assert "pip install 'medground[itk]'" in info.value.message


@pytest.mark.parametrize("stored", [np.uint8, np.int16, np.float32])
def test_a_loaded_case_keeps_the_readers_arrays_and_small_label_ids(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stored: type) -> None:
    """No full-volume copy on the way in: the canonical image is a view of the array the reader
    returned, the label ids come in uint8 (a view too when stored as uint8), whatever the type
    they were stored in."""
    from medground.sources import make_source, volumes
    from medground.sources.base import VolumeCase
    from medground.testing.big_ct import big_ct_config, write_big_ct

    root = write_big_ct(tmp_path / "ct", shape=(24, 20, 12), n_labels=8)
    if stored is not np.uint8:  # store the label map in another type
        path = root / "labelsTr" / "bigct_000.nii.gz"
        img = nib.load(path)
        assert isinstance(img, nib.Nifti1Image)
        nib.save(nib.Nifti1Image(np.asarray(img.dataobj).astype(stored), img.affine), path)
    read: list[volumes.Volume] = []
    real = volumes.load_volume

    def spy(path: str, **kwargs: Any) -> volumes.Volume:
        read.append(real(path, **kwargs))
        return read[-1]

    monkeypatch.setattr(volumes, "load_volume", spy)
    source = make_source(big_ct_config(root))
    case = source.load(source.case_refs()[0])
    assert isinstance(case, VolumeCase)
    image, label = read
    assert np.shares_memory(case.image.data, image.data)
    assert case.label.data.dtype == np.uint8
    assert np.shares_memory(case.label.data, label.data) == (stored is np.uint8)
    np.testing.assert_array_equal(case.label.data, label.data)
