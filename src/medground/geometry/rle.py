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


def encode_in_box(mask: NDArray[np.bool_], box: tuple[int, int, int, int]) -> dict[str, Any]:
    """:func:`encode` of a mask whose pixels all lie in the xyxy ``box``, reading only the
    box's columns. Column-major, the mask is zeros up to the box's first column, then for each
    of its columns the rows above the box, the box's rows and the rows below it, then zeros:
    the runs of that band, with the zeros before and after it added to its first and last run,
    are the whole mask's, which pycocotools compresses as it would its own."""
    h, w = mask.shape
    x1, y1, x2, y2 = box
    if x1 >= x2 or y1 >= y2:
        return encode(mask)
    band = np.zeros((h, x2 - x1), dtype=np.uint8)
    band[y1:y2] = mask[y1:y2, x1:x2]
    flat = band.ravel(order="F")
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    edges = np.concatenate([[0], change, [flat.size]])
    runs = np.diff(edges).tolist()
    if flat[0]:
        runs.insert(0, 0)  # COCO counts start with a run of zeros
    runs[0] += x1 * h  # the columns before the box
    after = (w - x2) * h  # zeros in the columns after the box
    if not flat[-1]:
        runs[-1] += after
    elif after:
        runs.append(after)  # (pycocotools writes no empty trailing run)
    rle = coco_mask.frPyObjects({"size": [h, w], "counts": runs}, h, w)
    return {"size": [h, w], "counts": rle["counts"].decode("ascii")}


def check(rle: dict[str, Any]) -> None:
    """Raise ValueError (TypeError, KeyError) for an RLE record :func:`decode` could not read:
    ``size`` not two non-negative integers, ``counts`` not a string. Cheap: nothing is decoded."""
    size, counts = rle["size"], rle["counts"]
    if (not isinstance(size, list | tuple) or len(size) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in size)):
        raise ValueError(f"mask_rle size must be two non-negative integers, got {size!r}")
    if not isinstance(counts, str | bytes):
        raise TypeError(f"mask_rle counts must be a string, got {type(counts).__name__}")


def decode(rle: dict[str, Any]) -> NDArray[np.bool_]:
    counts = rle["counts"]
    obj = {"size": list(rle["size"]), "counts": counts.encode("ascii") if isinstance(counts, str) else counts}
    decoded: NDArray[np.uint8] = coco_mask.decode(obj)
    return decoded.view(bool)  # pycocotools writes 0 and 1 only: a bool view, not a copy


def decode_shared(rle: dict[str, Any]) -> NDArray[np.bool_]:
    """:func:`decode`, cached for the last masks asked for; the result is read-only because
    every reader shares it."""
    return _decode_cached(str(rle["counts"]), int(rle["size"][0]), int(rle["size"][1]))


@functools.lru_cache(maxsize=256)
def _decode_cached(counts: str, height: int, width: int) -> NDArray[np.bool_]:
    mask = decode({"size": [height, width], "counts": counts})
    mask.flags.writeable = False
    return mask
