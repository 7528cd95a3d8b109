"""Decoded bytes of a case's files from their headers (what the Ray executor declares as a
case's memory), worked out by hand: voxels x bytes per voxel."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import nibabel as nib
import nrrd
import numpy as np
import pytest
from PIL import Image

from medground.executors.case_size import (
    COMPRESSED_RATIO,
    WORK_PER_DECODED_BYTE,
    WORKER_BASE_BYTES,
    case_memory,
    decoded_bytes,
)


def nifti(name: str, shape: tuple[int, ...], dtype: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        nib.save(nib.Nifti1Image(np.zeros(shape, dtype=dtype), np.eye(4)), str(path))
        return path
    return write


def png(mode: str, size: tuple[int, int] = (20, 10)) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / f"{mode.replace(';', '_')}.png"
        Image.new(mode, size).save(path)
        return path
    return write


def tiff_pages(folder: Path) -> Path:
    path = folder / "pages.tif"
    pages = [Image.new("L", (8, 8)) for _ in range(3)]
    pages[0].save(path, save_all=True, append_images=pages[1:])
    return path


def nrrd_file(folder: Path) -> Path:
    path = folder / "v.nrrd"
    nrrd.write(str(path), np.zeros((3, 4, 5), dtype=np.int16))
    return path


def metaimage(folder: Path) -> Path:
    path = folder / "v.mha"
    path.write_bytes(b"ObjectType = Image\nNDims = 3\nDimSize = 4 5 6\n"
                     b"ElementType = MET_USHORT\nElementDataFile = LOCAL\n" + bytes(240))
    return path


def dicom_folder(folder: Path) -> Path:
    series = folder / "series"
    series.mkdir()
    (series / "1.dcm").write_bytes(bytes(100))
    (series / "2.dcm").write_bytes(bytes(50))
    return series


def corrupt_gz(folder: Path) -> Path:
    path = folder / "bad.nii.gz"
    path.write_bytes(gzip.compress(b"not a nifti header")[:25])
    return path


def unknown(folder: Path) -> Path:
    path = folder / "v.raw"
    path.write_bytes(bytes(123))
    return path


@pytest.mark.parametrize(("make", "expected"), [
    (nifti("a.nii.gz", (5, 6, 7), "int16"), 5 * 6 * 7 * 2),
    (nifti("b.nii.gz", (5, 6, 7), "uint8"), 5 * 6 * 7),
    (nifti("c.nii", (4, 4, 4), "float32"), 4 * 4 * 4 * 4),
    (png("L"), 200), (png("1"), 200), (png("P"), 200), (png("RGB"), 600),
    (png("RGBA"), 800), (png("I;16"), 400),
    (tiff_pages, 3 * 8 * 8),
    (nrrd_file, 3 * 4 * 5 * 2),
    (metaimage, 4 * 5 * 6 * 2),
    (dicom_folder, 150),  # a series: the sum of its files
    (corrupt_gz, 25 * COMPRESSED_RATIO),  # no header: the size on disk, as compressed
    (unknown, 123),
    (lambda folder: folder / "missing.nii.gz", 0),
], ids=["nifti-int16", "nifti-uint8", "nii-float32", "png-L", "png-1", "png-P", "png-RGB",
        "png-RGBA", "png-I16", "tiff-3-pages", "nrrd", "mha", "dicom-folder", "corrupt-gz",
        "unknown", "missing"])
def test_decoded_bytes(tmp_path: Path, make: Callable[[Path], Path], expected: int) -> None:
    assert decoded_bytes(make(tmp_path)) == expected


def test_case_memory_is_a_base_plus_the_decoded_bytes(tmp_path: Path) -> None:
    image = nifti("i.nii.gz", (10, 10, 10), "int16")(tmp_path)
    label = nifti("l.nii.gz", (10, 10, 10), "uint8")(tmp_path)
    assert case_memory([image, label]) == WORKER_BASE_BYTES + WORK_PER_DECODED_BYTE * 3000
    assert case_memory([]) == WORKER_BASE_BYTES
