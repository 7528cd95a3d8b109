"""2D raster files: PNG, JPEG, TIFF, GIF, BMP (images and masks).

TIFF is read with tifffile, which decodes LZW, JPEG, ZSTD and most other TIFF codecs through
``imagecodecs`` (a core dependency). Where a codec is still unavailable (an environment without
``imagecodecs``, or a codec its build lacks) the file is read again with Pillow, which decodes
LZW, deflate and PackBits itself; only if Pillow fails too is the case an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from medground.errors import CaseError
from medground.io.guard import MAX_PIXELS, check_file, check_size

_TIFF = {".tif", ".tiff"}


def _read_array(path: Path, keep_palette: bool) -> NDArray[np.generic]:
    """Pixels of a raster file; palette images give their indices only if ``keep_palette``
    (label maps stored as palette PNGs), otherwise their colours. The declared size is checked
    before decoding (:mod:`medground.io.guard`). A header that cannot be parsed is
    ``UNREADABLE_FILE``; a parsed header whose data cannot be decoded is ``CORRUPT_FILE``."""
    found = check_file(path, "raster")
    codec_problem = ""
    if found == "TIFF" or (found is None and path.suffix.lower() in _TIFF):
        import tifffile

        try:
            tif = tifffile.TiffFile(str(path))
        except Exception as exc:  # TiffFileError, ValueError, struct.error, ...
            raise CaseError(path, f"cannot read TIFF header ({type(exc).__name__}: {exc})",
                            code="UNREADABLE_FILE") from exc
        with tif:
            series = tif.series[0]
            check_size(path, series.shape, np.dtype(series.dtype).itemsize,
                       max_elements=MAX_PIXELS * 4, what="samples")
            try:
                return _palette_tiff(tif, np.asarray(series.asarray()), keep_palette)
            except Exception as exc:  # tifffile raises ValueError, KeyError, ... for codecs
                codec_problem = _missing_codec(exc)
                if not codec_problem:
                    raise CaseError(path, f"truncated or corrupt TIFF data ({type(exc).__name__}: "
                                    f"{exc})", code="CORRUPT_FILE") from exc
    return _read_pillow(path, keep_palette, codec_problem)


def _read_pillow(path: Path, keep_palette: bool, codec_problem: str = "") -> NDArray[np.generic]:
    prefix = f"tifffile: {codec_problem}; Pillow: " if codec_problem else ""
    try:
        opened = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise CaseError(path, f"{exc}; refused before decoding", code="TOO_LARGE") from exc
    except Exception as exc:  # UnidentifiedImageError, OSError, SyntaxError, struct.error ...
        raise CaseError(path, f"cannot read image: {prefix}{exc}", code="UNREADABLE_FILE") from exc
    with opened:
        width, height = opened.size
        check_size(path, (height, width), max_elements=MAX_PIXELS, what="pixels")
        try:
            opened.seek(0)  # first frame of animated GIF/TIFF
            im: Image.Image = opened
            if im.mode in ("P", "PA") and keep_palette:
                return _palette_indices(im)
            if im.mode in ("P", "PA", "RGBA", "CMYK", "YCbCr", "HSV", "LAB"):
                im = im.convert("RGB")
            elif im.mode in ("LA", "1"):
                im = im.convert("L")
            return np.asarray(im)
        except Exception as exc:  # the decoders raise OSError, SyntaxError, zlib errors, ...
            raise CaseError(
                path, f"truncated or corrupt {opened.format or 'image'} data: {prefix}{exc}",
                code="CORRUPT_FILE") from exc


def _palette_indices(im: Image.Image) -> NDArray[np.generic]:
    """The indices of a palette image; with alpha (``PA``) the alpha band is dropped, so a
    palette label map with transparency reads like one without."""
    return np.asarray(im.getchannel("P") if im.mode == "PA" else im)


def _palette_tiff(tif: Any, arr: NDArray[np.generic], keep_palette: bool) -> NDArray[np.generic]:
    """tifffile gives a palette TIFF's indices (plus any alpha sample), not its colours: masks
    keep the indices, images get the colours of the colour map."""
    import tifffile

    page = tif.pages.first
    if getattr(page, "photometric", None) != tifffile.PHOTOMETRIC.PALETTE:
        return arr
    if getattr(page, "samplesperpixel", 1) > 1 and arr.ndim >= 3:
        arr = arr[..., 0]  # the index sample; the alpha (extra) sample is dropped
    colormap = getattr(page, "colormap", None)
    if keep_palette or colormap is None:
        return arr
    cmap = np.asarray(colormap)
    scale = 256 if cmap.max() > 255 else 1  # 16-bit entries: the high byte (65535 and 65280 -> 255)
    rgb = (cmap[:, np.clip(arr, 0, cmap.shape[1] - 1)] // scale).astype(np.uint8)
    return np.moveaxis(rgb, 0, -1)


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
