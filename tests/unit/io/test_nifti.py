"""NIfTI orientation codes: a header with sform_code and qform_code both 0 gives no orientation."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from medground.io.nifti import load_nifti

AFFINE = np.array([[3.0, 0, 0, -70.5], [0, 3.0, 0, -58.5], [0, 0, 4.0, -22.0], [0, 0, 0, 1]])


def _save(path: Path, sform: int, qform: int, nifti2: bool = False) -> Path:
    kind = nib.Nifti2Image if nifti2 else nib.Nifti1Image
    img = kind(np.arange(24, dtype=np.int16).reshape(2, 3, 4), AFFINE)
    img.set_sform(AFFINE if sform else None, code=sform)
    img.set_qform(AFFINE if qform else None, code=qform)
    nib.save(img, str(path))
    return path


@pytest.mark.parametrize(("sform", "qform", "nifti2", "oriented"), [
    (0, 0, False, False),
    (0, 0, True, False),
    (2, 0, False, True),  # what nibabel writes by default
    (0, 1, False, True),  # scanner qform only
    (1, 1, True, True),
])
def test_orientation_from_the_header_codes(tmp_path: Path, sform: int, qform: int,
                                           nifti2: bool, oriented: bool) -> None:
    vol = load_nifti(_save(tmp_path / "v.nii.gz", sform, qform, nifti2))
    assert vol.oriented is oriented
    assert vol.canonical().oriented is oriented  # carried through reorientation


def test_unoriented_affine_is_only_the_voxel_size_fallback(tmp_path: Path) -> None:
    vol = load_nifti(_save(tmp_path / "v.nii", 0, 0))
    assert vol.zooms == (3.0, 3.0, 4.0)
    assert vol.axcodes == "LAS"  # nibabel's fallback, whatever the data really is


@pytest.mark.parametrize("channels", [1, 3])
def test_a_4d_image_reads_only_the_channel_asked_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, channels: int) -> None:
    """MSD multi-modal images: the proxy is sliced to the channel, so the other channels are
    never held in memory (the values are those of the channel)."""
    data = np.arange(2 * 3 * 4 * channels, dtype=np.int16).reshape(2, 3, 4, channels)
    path = tmp_path / "mm.nii.gz"
    nib.save(nib.Nifti1Image(data, AFFINE), str(path))
    whole: list[tuple[int, ...]] = []
    real = nib.arrayproxy.ArrayProxy.__array__

    def spy(self: nib.arrayproxy.ArrayProxy, *args: object, **kwargs: object) -> np.ndarray:
        whole.append(self.shape)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(nib.arrayproxy.ArrayProxy, "__array__", spy)
    channel = channels - 1
    vol = load_nifti(path, channel=channel if channels > 1 else None)
    np.testing.assert_array_equal(vol.data, data[..., channel])
    assert whole == []  # never the whole 4D array
