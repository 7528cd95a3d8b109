"""COCO run-length encoding of masks (column-major, as pycocotools and COCO tools expect)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pycocotools import mask as coco_mask


def encode(mask: NDArray[np.bool_]) -> dict[str, Any]:
    """Compressed COCO RLE: ``{"size": [h, w], "counts": str}``."""
    rle = coco_mask.encode(np.asfortranarray(mask, dtype=np.uint8))  # one copy, not two
    return {"size": [int(rle["size"][0]), int(rle["size"][1])], "counts": rle["counts"].decode("ascii")}


def decode(rle: dict[str, Any]) -> NDArray[np.bool_]:
    counts = rle["counts"]
    obj = {"size": list(rle["size"]), "counts": counts.encode("ascii") if isinstance(counts, str) else counts}
    decoded: NDArray[np.uint8] = coco_mask.decode(obj)
    return decoded.astype(bool)


def decode_shared(rle: dict[str, Any]) -> NDArray[np.bool_]:
    """:func:`decode`, cached for the last masks asked for; the result is read-only because
    every reader shares it."""
    return _decode_cached(str(rle["counts"]), int(rle["size"][0]), int(rle["size"][1]))


@functools.lru_cache(maxsize=256)
def _decode_cached(counts: str, height: int, width: int) -> NDArray[np.bool_]:
    mask = decode({"size": [height, width], "counts": counts})
    mask.flags.writeable = False
    return mask
