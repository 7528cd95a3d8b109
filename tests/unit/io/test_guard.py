"""The checks every reader makes before parsing or allocating (medground.io.guard)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from medground.errors import CaseError
from medground.io.guard import (
    MAX_BYTES,
    MAX_VOXELS,
    check_file,
    check_finite,
    check_inside,
    check_size,
    sniff,
)
from medground.testing.hostile import huge_nifti2, huge_png, huge_tiff


@pytest.mark.parametrize(("head", "found"), [
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "PNG"),
    (b"\xff\xd8\xff\xe0" + b"\0" * 20, "JPEG"),
    (b"II*\x00\x08\x00\x00\x00", "TIFF"),
    (b"MM\x00*\x00\x00\x00\x08", "TIFF"),
    (b"GIF89a", "GIF"),
    (gzip.compress(b"x", mtime=0), "gzip"),
    (b"NRRD0004\ntype: short\n", "NRRD"),
    (b"ObjectType = Image\n", "MetaImage"),
    (b"\0" * 128 + b"DICM", "DICOM"),
    (b"\0" * 344 + b"n+1\x00", "NIfTI-1"),
    (huge_nifti2()[:352], "NIfTI-2"),
    (b"  <!DOCTYPE html><html>", "an HTML page"),
    (b"BM" + b"\0" * 12 + bytes([40]) + b"\0" * 20, "BMP"),
    (b"BM is not enough", None),
    (b"plain text", None),
    (b"", None),
])
def test_sniff(head: bytes, found: str | None) -> None:
    assert sniff(head) == found


@pytest.mark.parametrize(("name", "content", "kind", "code"), [
    ("a.png", b"", "raster", "EMPTY_FILE"),
    ("a.nii.gz", b"\x89PNG\r\n\x1a\n....", "nifti.gz", "WRONG_FORMAT"),
    ("a.nii", gzip.compress(b"x", mtime=0), "nifti", "WRONG_FORMAT"),
    ("a.png", gzip.compress(b"x", mtime=0), "raster", "WRONG_FORMAT"),
    ("a.mha", b"\xff\xd8\xff\xe0....", "itk", "WRONG_FORMAT"),
])
def test_check_file_refuses(tmp_path: Path, name: str, content: bytes, kind: str,
                            code: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CaseError) as info:
        check_file(path, kind)
    assert info.value.code == code and info.value.file == str(path)


def test_check_file_accepts_unknown_content_and_other_rasters(tmp_path: Path) -> None:
    """Content of no known format is left to the reader; a JPEG named .png is read by content."""
    (tmp_path / "a.mha").write_bytes(b"NDims = 3\n")
    assert check_file(tmp_path / "a.mha", "itk") is None
    (tmp_path / "b.png").write_bytes(b"\xff\xd8\xff\xe0....")
    assert check_file(tmp_path / "b.png", "raster") == "JPEG"


def test_missing_and_broken_link(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="file not found") as info:
        check_file(tmp_path / "none.png")
    assert info.value.code == "FILE_NOT_FOUND"
    (tmp_path / "link.png").symlink_to(tmp_path / "gone.png")
    with pytest.raises(CaseError, match="broken symbolic link"):
        check_file(tmp_path / "link.png")


@pytest.mark.parametrize(("shape", "itemsize", "code"), [
    ((10**6,) * 3, 2, "TOO_LARGE"),
    ((MAX_VOXELS + 1,), 1, "TOO_LARGE"),
    ((MAX_BYTES // 16 + 1,), 16, "TOO_LARGE"),
    ((4, 0, 4), 1, "BAD_SHAPE"),
    ((4, -1, 4), 1, "BAD_SHAPE"),
])
def test_check_size_refuses(shape: tuple[int, ...], itemsize: int, code: str) -> None:
    with pytest.raises(CaseError) as info:
        check_size("x.nii", shape, itemsize)
    assert info.value.code == code


def test_check_size_accepts_a_large_ct() -> None:
    check_size("ct.nii.gz", (512, 512, 2000), 2)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_check_finite(value: float) -> None:
    data = np.zeros((4, 4), np.float32)
    data[1, 2] = value
    with pytest.raises(CaseError, match="NaN") as info:
        check_finite(data, "img.tif")
    assert info.value.code == "NON_FINITE"
    check_finite(np.zeros((4, 4), np.float32), "img.tif")
    check_finite(np.zeros((4, 4), np.int16), "img.tif")


def test_check_inside(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.png").write_bytes(b"x")
    (root / "sub" / "ok.png").write_bytes(b"x")
    check_inside(root / "sub" / "ok.png", root)
    check_inside(root / "sub" / ".." / "sub" / "ok.png", root)
    (root / "link.png").symlink_to(outside / "secret.png")
    (root / "dirlink").symlink_to(outside)
    for bad in (root / "link.png", root / "dirlink" / "secret.png", root / ".." / "outside" /
                "secret.png", outside / "secret.png", Path("/etc/passwd")):
        with pytest.raises(CaseError) as info:
            check_inside(bad, root)
        assert info.value.code == "OUTSIDE_ROOT" and info.value.file == str(bad)
    assert "symbolic link" in str(_raised(root / "link.png", root))
    # a root that is itself a link: files inside it are inside
    (tmp_path / "rootlink").symlink_to(root)
    check_inside(tmp_path / "rootlink" / "sub" / "ok.png", tmp_path / "rootlink")


def _raised(path: Path, root: Path) -> CaseError:
    with pytest.raises(CaseError) as info:
        check_inside(path, root)
    return info.value


def test_headers_claiming_absurd_sizes_are_tiny() -> None:
    assert len(huge_png()) < 200 and len(huge_tiff()) < 200 and len(huge_nifti2()) < 600
