"""NRRD / MHA reading through SimpleITK: axis order, LPS->RAS affine, errors."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import nibabel as nib
import numpy as np
import pytest

from medground.errors import CaseError
from medground.io.itk import load_itk

SPACING = (0.5, 0.8, 2.0)
ORIGIN = (10.0, -20.0, 30.0)
# ITK direction columns are the LPS directions of x, y, z: x -> -y (A), y -> -z (I), z -> +x (L)
DIRECTION = np.array([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])


@pytest.fixture
def sitk() -> ModuleType:
    return pytest.importorskip("SimpleITK", reason="SimpleITK (medground[itk]) not installed")


def _volume(sitk: ModuleType) -> tuple[object, np.ndarray]:
    array = np.arange(4 * 5 * 3, dtype=np.int16).reshape(4, 5, 3)  # (z, y, x)
    array[2, 3, 1] = 999  # voxel x=1, y=3, z=2
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(SPACING)
    image.SetOrigin(ORIGIN)
    image.SetDirection(tuple(DIRECTION.ravel()))
    return image, array


@pytest.mark.parametrize("suffix", [".nrrd", ".mha", ".mhd", ".nii.gz"])
def test_3d_axes_and_affine(sitk: ModuleType, tmp_path: Path, suffix: str) -> None:
    image, array = _volume(sitk)
    path = tmp_path / f"img{suffix}"
    sitk.WriteImage(image, str(path))
    vol = load_itk(path)
    assert vol.data.shape == (3, 5, 4)
    assert vol.data[1, 3, 2] == 999
    np.testing.assert_array_equal(vol.data, array.transpose(2, 1, 0))
    lps = np.eye(4)
    lps[:3, :3] = DIRECTION * np.array(SPACING)  # scales the columns
    lps[:3, 3] = ORIGIN
    expected = np.diag([-1.0, -1.0, 1.0, 1.0]) @ lps
    np.testing.assert_allclose(vol.affine, expected, atol=1e-6)
    assert nib.aff2axcodes(vol.affine) == ("A", "I", "L")
    # ITK's own index -> physical point, converted to RAS, must agree with the affine
    for index in [(1, 3, 2), (0, 0, 0), (2, 4, 3)]:
        x, y, z = image.TransformIndexToPhysicalPoint(index)
        np.testing.assert_allclose((vol.affine @ [*index, 1])[:3], [-x, -y, z], atol=1e-6)


def test_nifti_via_itk_matches_nibabel(sitk: ModuleType, tmp_path: Path) -> None:
    image, _ = _volume(sitk)
    sitk.WriteImage(image, str(tmp_path / "img.nii.gz"))
    nifti = nib.load(str(tmp_path / "img.nii.gz"))
    np.testing.assert_allclose(load_itk(tmp_path / "img.nii.gz").affine, nifti.affine, atol=1e-5)


def test_2d_image_gets_trailing_axis(sitk: ModuleType, tmp_path: Path) -> None:
    array = np.zeros((5, 7), dtype=np.uint8)  # (y, x)
    array[4, 6] = 1
    image = sitk.GetImageFromArray(array)
    image.SetSpacing((0.3, 0.4))
    image.SetOrigin((1.0, 2.0))
    path = tmp_path / "slice.mha"
    sitk.WriteImage(image, str(path))
    vol = load_itk(path)
    assert vol.data.shape == (7, 5, 1)
    assert vol.data[6, 4, 0] == 1
    expected = np.array(
        [[-0.3, 0, 0, -1.0], [0, -0.4, 0, -2.0], [0, 0, 1.0, 0], [0, 0, 0, 1]], dtype=float
    )
    np.testing.assert_allclose(vol.affine, expected, atol=1e-9)


def test_vector_image_rejected(sitk: ModuleType, tmp_path: Path) -> None:
    rgb = np.zeros((4, 5, 3), dtype=np.uint8)
    path = tmp_path / "rgb.mha"
    sitk.WriteImage(sitk.GetImageFromArray(rgb, isVector=True), str(path))
    with pytest.raises(CaseError) as info:
        load_itk(path)
    assert info.value.code == "BAD_SHAPE" and "rgb.mha" in str(info.value)
    assert "3 components" in str(info.value)


def test_truncated_nrrd(sitk: ModuleType, tmp_path: Path) -> None:
    image, _ = _volume(sitk)
    path = tmp_path / "cut.nrrd"
    sitk.WriteImage(image, str(path), False)  # uncompressed: raw data after the header
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 20])
    with pytest.raises(CaseError) as info:
        load_itk(path)
    assert info.value.code == "CORRUPT_FILE" and "cut.nrrd" in str(info.value)


def test_garbage_file(sitk: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "junk.mha"
    path.write_text("not an image at all\n")
    with pytest.raises(CaseError) as info:
        load_itk(path)
    assert info.value.code == "UNREADABLE_FILE" and "junk.mha" in str(info.value)
    assert "\n" not in info.value.message


def test_missing_file(sitk: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(CaseError) as info:
        load_itk(tmp_path / "absent.nrrd")
    assert info.value.code == "FILE_NOT_FOUND"


def test_missing_simpleitk_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "SimpleITK", None)  # makes `import SimpleITK` fail
    path = tmp_path / "img.nrrd"
    path.write_bytes(b"")
    with pytest.raises(CaseError) as info:
        load_itk(path)
    assert info.value.code == "MISSING_EXTRA"
    assert "pip install 'medground[itk]'" in str(info.value) and "img.nrrd" in str(info.value)
