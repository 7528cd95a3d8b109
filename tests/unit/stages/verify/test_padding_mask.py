"""padding_mask against a textbook version written here (float grey levels, every
border-connected extreme component labelled, np.isin), on generated images."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from medground.stages.verify.judge import (
    BLANK_RANGE,
    PADDING_MIN_SIDE,
    PADDING_TOL,
    padding_mask,
)


def _textbook(image: np.ndarray) -> np.ndarray:
    g = image.astype(np.float64)
    if g.ndim == 3:
        g = g @ np.array([0.2125, 0.7154, 0.0721])  # skimage's rgb2gray weights
    lo, hi = g.min(), g.max()
    if hi - lo <= BLANK_RANGE:
        return np.ones(g.shape, bool)
    out = np.zeros(g.shape, bool)
    for extreme in (g <= lo + PADDING_TOL, g >= hi - PADDING_TOL):
        labels, _ = ndimage.label(extreme, structure=np.ones((3, 3), bool))
        for side in (labels[0], labels[-1], labels[:, 0], labels[:, -1]):
            ids, counts = np.unique(side[side > 0], return_counts=True)
            out |= np.isin(labels, ids[counts >= PADDING_MIN_SIDE * side.size])
    return out


def _noise(seed: int, shape: tuple[int, ...] = (60, 80)) -> np.ndarray:
    return np.random.default_rng(seed).integers(20, 230, shape).astype(np.uint8)


def _bars() -> np.ndarray:
    im = _noise(1)
    im[:8] = 0
    im[-5:] = 1  # within PADDING_TOL of the minimum
    return im


def _side_bar() -> np.ndarray:
    im = _noise(2)
    im[:, -10:] = 255
    im[:3, :40] = 255  # joined to the bar: one component
    return im


def _body_in_air() -> np.ndarray:
    yy, xx = np.mgrid[:90, :120]
    im = _noise(3, (90, 120))
    im[(yy - 45) ** 2 / 40**2 + (xx - 60) ** 2 / 50**2 > 1] = 0
    return im


def _short_border_run() -> np.ndarray:  # an extreme spot on the edge, too short to be padding
    im = _noise(4)
    im[0, :10] = 0
    return im


def _rgb_bars() -> np.ndarray:
    im = np.stack([_noise(5), _noise(6), _noise(7)], axis=-1)
    im[:, :6] = 0
    return im


IMAGES = {"bars": _bars(), "side bar": _side_bar(), "body in air": _body_in_air(),
          "short run": _short_border_run(), "noise": _noise(8), "blank": np.full((9, 9), 7, np.uint8),
          "rgb bars": _rgb_bars()}


@pytest.mark.parametrize("name", list(IMAGES))
def test_padding_mask_equals_textbook(name: str) -> None:
    got, want = padding_mask(IMAGES[name]), _textbook(IMAGES[name])
    assert (got == want).all()
    if name in ("bars", "side bar", "body in air", "rgb bars"):
        assert got.any()
    if name in ("short run", "noise"):
        assert not got.any()
