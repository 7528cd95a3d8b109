"""Palette rasters: a label map with alpha (``PA``) reads its indices like ``P``; a palette TIFF
image gives its colours, a palette TIFF mask its indices (tifffile reads indices only)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from medground.io.raster import _read_pillow, load_image, load_mask

LABELS = np.zeros((6, 8), np.uint8)
LABELS[1:3, 1:4] = 1
LABELS[4:6, 5:8] = 2
PALETTE = [0, 0, 0, 255, 0, 0, 0, 200, 40]
COLOURS = np.array(PALETTE, np.uint8).reshape(3, 3)[LABELS]


def _palette(alpha: bool) -> Image.Image:
    im = Image.fromarray(LABELS, "P")
    im.putpalette(PALETTE)
    if alpha:
        im = im.convert("PA")
        im.putalpha(Image.fromarray(np.where(LABELS > 0, 255, 0).astype(np.uint8), "L"))
    return im


@pytest.mark.parametrize("alpha", [False, True], ids=["P", "PA"])
def test_palette_tiff_mask_gives_indices(tmp_path: Path, alpha: bool) -> None:
    path = tmp_path / "mask.tif"
    _palette(alpha).save(path)
    with Image.open(path) as im:
        assert im.mode == ("PA" if alpha else "P")
    np.testing.assert_array_equal(load_mask(path), LABELS)


def test_pa_through_pillow_gives_indices(tmp_path: Path) -> None:
    """The Pillow reader (other formats, and TIFFs tifffile cannot decode) too."""
    path = tmp_path / "mask.tif"
    _palette(alpha=True).save(path)
    np.testing.assert_array_equal(_read_pillow(path, keep_palette=True), LABELS)
    np.testing.assert_array_equal(_read_pillow(path, keep_palette=False), COLOURS)


@pytest.mark.parametrize("alpha", [False, True], ids=["P", "PA"])
def test_palette_tiff_image_gives_colours(tmp_path: Path, alpha: bool) -> None:
    path = tmp_path / "image.tif"
    _palette(alpha).save(path)
    np.testing.assert_array_equal(load_image(path), COLOURS)
