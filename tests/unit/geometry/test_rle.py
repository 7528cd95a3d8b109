"""COCO RLE: round trips, and the counts pycocotools gives for the same mask laid out in
any memory order (C, Fortran, a strided view)."""

from __future__ import annotations

import numpy as np
import pytest
from pycocotools import mask as coco_mask

from medground.geometry import rle
from medground.geometry.boxes import mask_to_box
from medground.geometry.rle import decode, decode_shared, encode, encode_in_box

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


@pytest.mark.parametrize("seed", range(8))
def test_encode_in_box_equals_encode(seed: int) -> None:
    """Random masks in random boxes (touching every border, one row or column, full): the
    same counts from the box's columns as from the whole mask, with the tight box or a
    looser one."""
    rng = np.random.default_rng(seed)
    for _ in range(300):
        h, w = (int(v) for v in rng.integers(1, 30, 2))
        mask = np.zeros((h, w), bool)
        y1, y2 = sorted(int(v) for v in rng.integers(0, h + 1, 2))
        x1, x2 = sorted(int(v) for v in rng.integers(0, w + 1, 2))
        mask[y1:y2, x1:x2] = rng.random((y2 - y1, x2 - x1)) < rng.random()
        box = mask_to_box(mask)
        if box is None:
            continue
        want = coco_mask.encode(np.asfortranarray(mask.astype(np.uint8)))["counts"].decode()
        assert encode_in_box(mask, box)["counts"] == want
        looser = (max(0, box[0] - 2), max(0, box[1] - 1), min(w, box[2] + 1), min(h, box[3] + 2))
        assert encode_in_box(mask, looser) == encode(mask)


@pytest.mark.parametrize(("record", "error"), [
    ({"size": ["a", "b"], "counts": "0"}, ValueError),
    ({"size": [3], "counts": "0"}, ValueError),
    ({"size": [-1, 4], "counts": "0"}, ValueError),
    ({"size": [True, 4], "counts": "0"}, ValueError),
    ({"size": [2, 2], "counts": [1, 2]}, TypeError),
    ({"counts": "0"}, KeyError),
])
def test_check_refuses_what_decode_cannot_read(record: dict, error: type) -> None:
    with pytest.raises(error):
        rle.check(record)


def test_check_passes_an_encoded_mask() -> None:
    mask = np.zeros((5, 7), bool)
    mask[1:3, 2:6] = True
    rle.check(rle.encode(mask))
