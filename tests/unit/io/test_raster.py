"""2D raster reading: grey/RGB/RGBA/palette PNG, 16-bit TIFF, GIF, JPEG; errors name the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from medground.errors import CaseError
from medground.io.raster import load_image, load_mask

H, W = 6, 8
GREY = (np.arange(H * W, dtype=np.uint8).reshape(H, W) * 5).astype(np.uint8)
LABELS = np.zeros((H, W), dtype=np.uint8)
LABELS[1:3, 1:4] = 1
LABELS[4:6, 5:8] = 2
LABELS16 = LABELS.astype(np.uint16) * 300
PALETTE = [0, 0, 0, 255, 0, 0, 0, 255, 0] + [0] * (256 * 3 - 9)


def _colour() -> np.ndarray:
    rgb = np.stack([GREY, 255 - GREY, np.full_like(GREY, 90)], axis=-1)
    return rgb.astype(np.uint8)


def _png_l(p: Path) -> None:
    Image.fromarray(GREY, "L").save(p)


def _png_rgb_equal(p: Path) -> None:
    Image.fromarray(np.stack([GREY] * 3, axis=-1), "RGB").save(p)


def _png_rgb_colour(p: Path) -> None:
    Image.fromarray(_colour(), "RGB").save(p)


def _png_rgba(p: Path) -> None:
    rgba = np.dstack([_colour(), np.full((H, W), 128, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(p)


def _png_rgba_grey(p: Path) -> None:
    rgba = np.dstack([GREY, GREY, GREY, np.full((H, W), 255, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(p)


def _png_la(p: Path) -> None:
    Image.fromarray(np.dstack([GREY, np.full((H, W), 255, np.uint8)]), "LA").save(p)


def _png_palette(p: Path) -> None:
    im = Image.fromarray(LABELS, "L").convert("P")
    im.putpalette(PALETTE)
    im.save(p)


def _png_bilevel(p: Path) -> None:
    Image.fromarray(LABELS > 0).convert("1").save(p)


def _png_16(p: Path) -> None:
    Image.fromarray(GREY.astype(np.uint16) * 200).save(p)


def _tiff_16(p: Path) -> None:
    tifffile.imwrite(p, GREY.astype(np.uint16) * 250)


def _tiff_float(p: Path) -> None:
    tifffile.imwrite(p, GREY.astype(np.float32) / 7)


def _gif(p: Path) -> None:
    Image.fromarray(GREY, "L").save(p)


def _jpeg_grey(p: Path) -> None:
    Image.fromarray(GREY, "L").save(p, quality=95)


def _jpeg_colour(p: Path) -> None:
    Image.fromarray(_colour(), "RGB").save(p, quality=95)


@pytest.mark.parametrize(
    ("name", "writer", "shape", "dtype"),
    [
        ("l.png", _png_l, (H, W), np.uint8),
        ("rgb_equal.png", _png_rgb_equal, (H, W), np.uint8),
        ("rgb.png", _png_rgb_colour, (H, W, 3), np.uint8),
        ("rgba.png", _png_rgba, (H, W, 3), np.uint8),
        ("rgba_grey.png", _png_rgba_grey, (H, W), np.uint8),
        ("la.png", _png_la, (H, W), np.uint8),
        ("palette.png", _png_palette, None, np.uint8),
        ("bilevel.png", _png_bilevel, (H, W), np.uint8),
        ("i16.png", _png_16, (H, W), np.uint16),
        ("u16.tif", _tiff_16, (H, W), np.uint16),
        ("f32.tiff", _tiff_float, (H, W), np.float32),
        ("grey.gif", _gif, (H, W), np.uint8),
        ("grey.jpg", _jpeg_grey, (H, W), np.uint8),
        ("colour.jpeg", _jpeg_colour, (H, W, 3), np.uint8),
    ],
)
def test_load_image_shapes(
    tmp_path: Path,
    name: str,
    writer: Callable[[Path], None],
    shape: tuple[int, ...] | None,
    dtype: type,
) -> None:
    path = tmp_path / name
    writer(path)
    arr = load_image(path)
    assert arr.dtype == dtype
    assert arr.shape[:2] == (H, W)
    if shape is not None:
        assert arr.shape == shape


@pytest.mark.parametrize(
    ("name", "writer", "expected"),
    [
        ("l.png", _png_l, GREY),
        ("rgb_equal.png", _png_rgb_equal, GREY),
        ("rgba_grey.png", _png_rgba_grey, GREY),
        ("u16.tif", _tiff_16, GREY.astype(np.uint16) * 250),
        ("i16.png", _png_16, GREY.astype(np.uint16) * 200),
        # palette images resolve to their colours / grey levels
        ("palette.png", _png_palette, np.array(PALETTE[:9], np.uint8).reshape(3, 3)[LABELS]),
        ("grey.gif", _gif, GREY),
    ],
)
def test_load_image_values_lossless(
    tmp_path: Path, name: str, writer: Callable[[Path], None], expected: np.ndarray
) -> None:
    path = tmp_path / name
    writer(path)
    np.testing.assert_array_equal(load_image(path), expected)


@pytest.mark.parametrize(
    ("name", "writer", "expected"),
    [
        ("palette.png", _png_palette, LABELS),
        ("labels.png", lambda p: Image.fromarray(LABELS, "L").save(p), LABELS),
        ("rgb_equal.png", lambda p: Image.fromarray(np.stack([LABELS] * 3, -1)).save(p), LABELS),
        ("bilevel.png", _png_bilevel, (LABELS > 0).astype(np.uint8) * 255),
        ("labels.tif", lambda p: tifffile.imwrite(p, LABELS16), LABELS16),
    ],
)
def test_load_mask_values(
    tmp_path: Path, name: str, writer: Callable[[Path], None], expected: np.ndarray
) -> None:
    path = tmp_path / name
    writer(path)
    mask = load_mask(path)
    assert mask.ndim == 2
    np.testing.assert_array_equal(mask, expected)


@pytest.mark.parametrize(
    ("name", "writer"), [("colour.png", _png_rgb_colour), ("colour_rgba.png", _png_rgba)]
)
def test_colour_mask_rejected(tmp_path: Path, name: str, writer: Callable[[Path], None]) -> None:
    path = tmp_path / name
    writer(path)
    with pytest.raises(CaseError) as info:
        load_mask(path)
    assert info.value.code == "BAD_LABEL_MAP"
    assert info.value.file == str(path)
    assert str(path) in str(info.value)


def test_mask_with_small_jpeg_like_channel_noise_passes(tmp_path: Path) -> None:
    rgb = np.stack([LABELS * 100, LABELS * 100 + 3, LABELS * 100], axis=-1).astype(np.uint8)
    path = tmp_path / "noisy.png"
    Image.fromarray(rgb, "RGB").save(path)
    np.testing.assert_array_equal(load_mask(path), LABELS * 100)


@pytest.mark.parametrize(
    ("name", "writer", "loader"),
    [
        ("cut.png", _png_l, load_image),
        ("cut_mask.png", _png_palette, load_mask),
        ("cut.jpg", _jpeg_colour, load_image),
        ("cut.tif", _tiff_16, load_image),
    ],
)
def test_truncated_file(
    tmp_path: Path, name: str, writer: Callable[[Path], None], loader: Callable[[Path], object]
) -> None:
    path = tmp_path / name
    writer(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CaseError) as info:
        loader(path)
    assert info.value.code == "UNREADABLE_FILE"
    assert str(path) in str(info.value)


@pytest.mark.parametrize(("content", "code"), [(b"", "EMPTY_FILE"),
                                               (b"not an image at all", "UNREADABLE_FILE")])
def test_garbage_file(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "garbage.png"
    path.write_bytes(content)
    with pytest.raises(CaseError, match=r"garbage\.png") as info:
        load_image(path)
    assert info.value.code == code


@pytest.mark.parametrize("loader", [load_image, load_mask])
def test_missing_file(tmp_path: Path, loader: Callable[[Path], object]) -> None:
    path = tmp_path / "missing.png"
    with pytest.raises(CaseError) as info:
        loader(path)
    assert info.value.code == "FILE_NOT_FOUND"
    assert info.value.file == str(path)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(CaseError) as info:
        load_image(tmp_path)
    assert info.value.code == "FILE_NOT_FOUND"


def test_unsupported_tiff_shape(tmp_path: Path) -> None:
    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, np.zeros((2, 3, H, W), dtype=np.uint8), photometric="minisblack")
    with pytest.raises(CaseError) as info:
        load_image(path)
    assert info.value.code == "BAD_SHAPE"
