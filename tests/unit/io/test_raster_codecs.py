"""Compressed TIFF (LZW, deflate) reads with the core install, and through Pillow when tifffile
lacks a codec (no ``imagecodecs``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from medground.errors import CaseError
from medground.io.raster import load_image, load_mask

H, W = 12, 16
GREY = (np.arange(H * W, dtype=np.uint16).reshape(H, W) % 251).astype(np.uint8)
GREY16 = np.arange(H * W, dtype=np.uint16).reshape(H, W) * 311
FLOAT = np.linspace(-3.5, 9.25, H * W, dtype=np.float32).reshape(H, W)
RGB = np.stack([GREY, 255 - GREY, GREY // 2 + 60], axis=-1).astype(np.uint8)
LABELS = np.zeros((H, W), dtype=np.uint8)
LABELS[2:6, 3:9] = 1
LABELS[8:11, 10:15] = 2
LABELS16 = LABELS.astype(np.uint16) * 1000

LZW, DEFLATE = "tiff_lzw", "tiff_adobe_deflate"


def _save(path: Path, array: np.ndarray, compression: str) -> Path:
    Image.fromarray(array).save(path, compression=compression)
    with Image.open(path) as check:  # the file really is compressed as asked
        assert check.info["compression"] == compression
    return path


@pytest.fixture
def no_imagecodecs(monkeypatch: pytest.MonkeyPatch) -> None:
    """tifffile as it is without ``imagecodecs``: its pure-Python stand-in, no LZW decoder."""
    import tifffile.tifffile as tt
    from tifffile import _imagecodecs

    monkeypatch.setattr(tt, "imagecodecs", _imagecodecs)
    # the decoder table caches codecs it has resolved: give it a fresh, empty one
    monkeypatch.setitem(vars(tt.TIFF), "DECOMPRESSORS", tt.CompressionCodec(encode=False))


IMAGES = [
    ("grey", GREY),
    ("grey16", GREY16),
    ("float32", FLOAT),
    ("rgb", RGB),
]


@pytest.mark.parametrize("compression", [LZW, DEFLATE])
@pytest.mark.parametrize(("name", "array"), IMAGES)
def test_compressed_tiff_image(
    tmp_path: Path, compression: str, name: str, array: np.ndarray
) -> None:
    path = _save(tmp_path / f"{name}.tif", array, compression)
    np.testing.assert_array_equal(tifffile.imread(path), array)  # the core install decodes it
    out = load_image(path)
    assert out.dtype == array.dtype
    np.testing.assert_array_equal(out, array)


@pytest.mark.parametrize("compression", [LZW, DEFLATE])
@pytest.mark.parametrize(("name", "array"), [("labels", LABELS), ("labels16", LABELS16)])
def test_compressed_tiff_mask(
    tmp_path: Path, compression: str, name: str, array: np.ndarray
) -> None:
    path = _save(tmp_path / f"{name}.tiff", array, compression)
    out = load_mask(path)
    assert out.dtype == array.dtype
    np.testing.assert_array_equal(out, array)


@pytest.mark.usefixtures("no_imagecodecs")
@pytest.mark.parametrize(("name", "array"), IMAGES)
def test_lzw_falls_back_to_pillow_without_codec(
    tmp_path: Path, name: str, array: np.ndarray
) -> None:
    path = _save(tmp_path / f"{name}.tif", array, LZW)
    with pytest.raises(ValueError, match="imagecodecs"):  # the codec really is unavailable
        tifffile.imread(path)
    out = load_image(path)
    assert out.dtype == array.dtype
    np.testing.assert_array_equal(out, array)


@pytest.mark.usefixtures("no_imagecodecs")
@pytest.mark.parametrize("array", [LABELS, LABELS16])
def test_lzw_mask_falls_back_to_pillow_without_codec(tmp_path: Path, array: np.ndarray) -> None:
    path = _save(tmp_path / "mask.tif", array, LZW)
    with pytest.raises(ValueError, match="imagecodecs"):
        tifffile.imread(path)
    np.testing.assert_array_equal(load_mask(path), array)


@pytest.mark.usefixtures("no_imagecodecs")
@pytest.mark.parametrize("loader", [load_image, load_mask])
def test_fallback_failure_names_both_readers(
    tmp_path: Path, loader: Callable[[Path], object]
) -> None:
    path = _save(tmp_path / "cut.tif", GREY16, LZW)
    data = bytearray(path.read_bytes())
    with tifffile.TiffFile(path) as tif:  # keep the directory, break the compressed strip
        start = int(tif.pages[0].dataoffsets[0])
    data[start : start + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))
    with pytest.raises(CaseError) as info:
        loader(path)
    assert info.value.code == "CORRUPT_FILE"  # the directory is read, the strip is broken
    assert str(path) in str(info.value)
    assert "imagecodecs" in info.value.message and "Pillow" in info.value.message
