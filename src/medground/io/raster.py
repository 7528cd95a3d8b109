"""2D raster files: PNG, JPEG, TIFF, GIF, BMP (images and masks).

TIFF is read with tifffile, which decodes LZW, JPEG, ZSTD and most other TIFF codecs through
``imagecodecs`` (a core dependency). Where a codec is still unavailable (an environment without
``imagecodecs``, or a codec its build lacks) the file is read again with Pillow, which decodes
LZW, deflate and PackBits itself; only if Pillow fails too is the case an error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from medground.errors import CaseError

_TIFF = {".tif", ".tiff"}


def _read_array(path: Path, keep_palette: bool) -> NDArray[np.generic]:
    """Pixels of a raster file; palette images give their indices only if ``keep_palette``
    (label maps stored as palette PNGs), otherwise their colours."""
    if not path.is_file():
        raise CaseError(path, "file not found", code="FILE_NOT_FOUND")
    codec_problem = ""
    try:
        if path.suffix.lower() in _TIFF:
            import tifffile

            try:
                return np.asarray(tifffile.imread(str(path)))
            except Exception as exc:  # tifffile raises ValueError, KeyError, ... for codecs
                codec_problem = _missing_codec(exc)
                if not codec_problem:
                    raise
        return _read_pillow(path, keep_palette)
    except CaseError:
        raise
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        detail = f"tifffile: {codec_problem}; Pillow: {exc}" if codec_problem else str(exc)
        raise CaseError(path, f"cannot read image: {detail}", code="UNREADABLE_FILE") from exc


def _read_pillow(path: Path, keep_palette: bool) -> NDArray[np.generic]:
    with Image.open(path) as opened:
        opened.seek(0)  # first frame of animated GIF/TIFF
        im: Image.Image = opened
        if im.mode in ("P", "PA") and keep_palette:
            return np.asarray(im)
        if im.mode in ("P", "PA", "RGBA", "CMYK", "YCbCr", "HSV", "LAB"):
            im = im.convert("RGB")
        elif im.mode in ("LA", "1"):
            im = im.convert("L")
        return np.asarray(im)


def _missing_codec(exc: BaseException) -> str:
    """tifffile's message if ``exc`` (or its cause) says a codec needs ``imagecodecs``, else ''."""
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and link not in chain and len(chain) < 8:
        chain.append(link)
        link = link.__cause__ or link.__context__
    for item in chain:
        text = str(item).strip("'\"")
        if "imagecodecs" in text:
            return text
    return ""


def load_image(path: str | Path) -> NDArray[np.generic]:
    """An image as (H, W) grey or (H, W, 3) RGB, in its stored dtype."""
    p = Path(path)
    arr = _read_array(p, keep_palette=False)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = arr[..., :3]
    if arr.ndim == 3 and arr.shape[2] == 3 and _channels_equal(arr):
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] != 3):
        raise CaseError(p, f"unsupported image shape {arr.shape}; expected (H, W) or (H, W, 3)", code="BAD_SHAPE")
    return arr


def load_mask(path: str | Path) -> NDArray[np.generic]:
    """A mask or label map as a 2D array. RGB masks must be grey (R = G = B)."""
    p = Path(path)
    arr = _read_array(p, keep_palette=True)
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        rgb = arr[..., :3]
        if not _channels_equal(rgb, tolerance=8):
            raise CaseError(
                p,
                "colour mask: channels differ; save masks as grey or palette label maps",
                code="BAD_LABEL_MAP",
            )
        arr = rgb[..., 0]
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim != 2:
        raise CaseError(p, f"mask must be 2D, got shape {arr.shape}", code="BAD_SHAPE")
    return arr


def _channels_equal(rgb: NDArray[np.generic], tolerance: int = 0) -> bool:
    a = rgb.astype(np.int32)
    return bool(
        np.abs(a[..., 0] - a[..., 1]).max() <= tolerance
        and np.abs(a[..., 0] - a[..., 2]).max() <= tolerance
    )
