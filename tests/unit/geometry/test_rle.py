"""COCO RLE: round trips, and the counts pycocotools gives for the same mask laid out in
any memory order (C, Fortran, a strided view)."""

from __future__ import annotations

import numpy as np
import pytest
from pycocotools import mask as coco_mask

from medground.geometry.rle import decode, decode_shared, encode

_RNG = np.random.default_rng(11)
MASKS = {
    "empty": np.zeros((6, 9), bool),
    "full": np.ones((4, 5), bool),
    "noise": _RNG.random((33, 47)) < 0.4,
    "transposed view": (_RNG.random((20, 31)) < 0.5).T,
    "strided view": (_RNG.random((40, 40)) < 0.3)[::2, 1::3],
}


@pytest.mark.parametrize("name", sorted(MASKS))
def test_encode_equals_pycocotools_and_round_trips(name: str) -> None:
    mask = MASKS[name]
    want = coco_mask.encode(np.asfortranarray(np.array(mask, dtype=np.uint8, order="F")))
    got = encode(mask)
    assert got == {"size": [mask.shape[0], mask.shape[1]], "counts": want["counts"].decode()}
    np.testing.assert_array_equal(decode(got), mask)
    np.testing.assert_array_equal(decode_shared(got), mask)
    assert not decode_shared(got).flags.writeable
