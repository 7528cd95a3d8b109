"""Box conventions of grounding VLMs: conversion to and from PNG pixels, and tolerant parsing.

Pixel boxes are ``(x1, y1, x2, y2)`` edges on the image (``x2``/``y2`` exclusive), so a box
covering the whole ``W x H`` image is ``(0, 0, W, H)``. The conventions:

* ``qwen2.5-vl``: absolute pixels of the image as the model sees it. The Qwen2.5-VL processor
  resizes every image to multiples of 28 first (:func:`input_size`); sending that size makes
  "the image as sent" and "the image the model sees" the same.
* ``qwen2-vl``, ``qwen3-vl``: integers 0-1000 relative to width and height.
* ``internvl``: integers 0-1000 relative to width and height, as InternVL's grounding docs and
  its RefCOCO evaluator use them (``box / 1000 * [w, h, w, h]``).
* ``internvl-999``: integers 0-999 (the position times 999), the variant some InternVL
  derivatives such as MedRegA are trained with.
* ``normalized``: floats 0-1 relative to width and height.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Literal, get_args

BoxFormat = Literal["qwen2.5-vl", "qwen2-vl", "qwen3-vl", "internvl", "internvl-999",
                    "normalized"]
BOX_FORMATS: tuple[str, ...] = get_args(BoxFormat)
Box = tuple[float, float, float, float]

# (scale of a relative format, largest value it writes, whether values are integers)
_RELATIVE: dict[str, tuple[float, float, bool]] = {
    "qwen2-vl": (1000.0, 1000.0, True),
    "qwen3-vl": (1000.0, 1000.0, True),
    "internvl": (1000.0, 1000.0, True),
    "internvl-999": (999.0, 999.0, True),
    "normalized": (1.0, 1.0, False),
}

# Qwen2.5-VL image processor (preprocessor_config.json): patch 14 x merge 2, pixel budget.
QWEN25_FACTOR = 28
QWEN25_MIN_PIXELS = 56 * 56
QWEN25_MAX_PIXELS = 1280 * 28 * 28  # the processor default; vLLM's model config allows more
# Qwen3-VL image processor (preprocessor_config.json "size"): patch 16 x merge 2, and
# shortest_edge / longest_edge, which are pixel counts (256 * 256 and 4096 * 4096)
QWEN3_FACTOR = 32
QWEN3_MIN_PIXELS = 256 * 256
QWEN3_MAX_PIXELS = 4096 * 4096


def _check(fmt: str) -> None:
    if fmt not in BOX_FORMATS:
        raise ValueError(f"unknown box format {fmt!r}; expected one of {', '.join(BOX_FORMATS)}")


def _clip(v: float, hi: float) -> float:
    return min(max(v, 0.0), hi)


def _ordered(x1: float, y1: float, x2: float, y2: float) -> Box:
    return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))


def _round(v: float) -> float:
    return float(math.floor(v + 0.5))


def input_size(fmt: str, width: int, height: int) -> tuple[int, int]:
    """Size ``(w, h)`` at which to send a ``width x height`` image for ``fmt``.

    Only ``qwen2.5-vl`` (absolute coordinates) depends on it: Qwen2.5-VL's ``smart_resize``
    (multiples of 28, pixel count within the budget). An image already of that size is left
    unchanged by the server, so the model's pixel coordinates refer to the image as sent.
    """
    _check(fmt)
    if fmt != "qwen2.5-vl":
        return width, height
    return smart_resize(width, height, QWEN25_FACTOR, QWEN25_MIN_PIXELS, QWEN25_MAX_PIXELS)


def smart_resize(width: int, height: int, factor: int, min_pixels: int,
                 max_pixels: int) -> tuple[int, int]:
    """The Qwen-VL processors' ``smart_resize`` as ``(w, h)``: each side rounded to a multiple
    of ``factor``, then scaled (floor / ceil to multiples) into ``[min_pixels, max_pixels]``."""
    f = factor
    h_bar = max(f, round(height / f) * f)
    w_bar = max(f, round(width / f) * f)
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h_bar = max(f, math.floor(height / beta / f) * f)
        w_bar = max(f, math.floor(width / beta / f) * f)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / f) * f
        w_bar = math.ceil(width * beta / f) * f
    return w_bar, h_bar


def processor_size(fmt: str, width: int, height: int) -> tuple[int, int]:
    """Size ``(w, h)`` the image processor of ``fmt``'s model family resizes a ``width x
    height`` image to: for a training export that writes images at exactly that size.

    ``qwen2.5-vl`` is :func:`input_size`; ``qwen2-vl`` the same rule (Qwen2.5-VL reuses the
    Qwen2-VL image processor); ``qwen3-vl`` smart-resizes to multiples of 32 within its own budget. The
    InternVL processors cut dynamic 448-pixel tiles, which no single image size survives, and
    ``normalized`` names no model: those sizes are returned unchanged.
    """
    _check(fmt)
    if fmt in ("qwen2.5-vl", "qwen2-vl"):
        return smart_resize(width, height, QWEN25_FACTOR, QWEN25_MIN_PIXELS, QWEN25_MAX_PIXELS)
    if fmt == "qwen3-vl":
        return smart_resize(width, height, QWEN3_FACTOR, QWEN3_MIN_PIXELS, QWEN3_MAX_PIXELS)
    return width, height


def to_pixels(box: Sequence[float], fmt: str, width: int, height: int) -> Box:
    """A box in ``fmt``'s convention for a ``width x height`` image -> pixel edges on it."""
    _check(fmt)
    if len(box) != 4:
        raise ValueError(f"a box has 4 numbers, got {len(box)}")
    x1, y1, x2, y2 = (float(v) for v in box)
    if fmt in _RELATIVE:
        scale = _RELATIVE[fmt][0]
        x1, x2 = x1 / scale * width, x2 / scale * width
        y1, y2 = y1 / scale * height, y2 / scale * height
    return _ordered(_clip(x1, width), _clip(y1, height), _clip(x2, width), _clip(y2, height))


def from_pixels(box: Sequence[float], fmt: str, width: int, height: int) -> Box:
    """Pixel edges on a ``width x height`` image -> the box a model using ``fmt`` would write
    (whole numbers for the integer conventions)."""
    _check(fmt)
    x1, y1, x2, y2 = to_pixels(box, "qwen2.5-vl", width, height)  # clip and order only
    if fmt == "qwen2.5-vl":
        return (_round(x1), _round(y1), _round(x2), _round(y2))
    scale, top, integer = _RELATIVE[fmt]
    rel = (x1 / width, y1 / height, x2 / width, y2 / height)
    vals = [min(v * scale, top) for v in rel]
    if integer:
        vals = [_round(v) for v in vals]
    return (vals[0], vals[1], vals[2], vals[3])


# ---- parsing -------------------------------------------------------------------------------

_NUM = r"(-?(?:\d+(?:\.\d*)?|\.\d+))"
_SEP = r"\s*,\s*"
_PATTERNS = (
    # [x1, y1, x2, y2]: plain JSON lists, "bbox_2d"/"bbox"/"box" values, InternVL <box>[[...]]
    re.compile(r"\[\s*" + _SEP.join([_NUM] * 4) + r"\s*\]"),
    # (x1,y1),(x2,y2): Qwen2-VL <|box_start|>...<|box_end|>, prose; also [x1,y1],[x2,y2]
    # ("from (x1, y1) to (x2, y2)", "top-left (..), bottom-right (..)": a short gap of words)
    re.compile(r"[(\[]\s*" + _NUM + _SEP + _NUM + r"\s*[)\]][^\d()\[\]\n]{0,24}?"
               r"[(\[]\s*" + _NUM + _SEP + _NUM + r"\s*[)\]]"),
    # x1=.., y1=.., x2=.., y2=.. (also "x1": .., xmin: .., x_max = ..)
    re.compile(r"""\bx(?:1|_?min)\b["']?\s*[=:]\s*""" + _NUM +
               r"""[^\d]{0,16}?\by(?:1|_?min)\b["']?\s*[=:]\s*""" + _NUM +
               r"""[^\d]{0,16}?\bx(?:2|_?max)\b["']?\s*[=:]\s*""" + _NUM +
               r"""[^\d]{0,16}?\by(?:2|_?max)\b["']?\s*[=:]\s*""" + _NUM, re.IGNORECASE),
)


def parse_boxes(text: str | None, fmt: str) -> list[Box]:
    """Every box written in ``text``, in order, as the model wrote it (``fmt``'s convention).

    Understands JSON lists and objects (``{"bbox_2d": [...]}``, ``"bbox"``, ``"box"``, inside
    code fences or not), Qwen2-VL ``<|box_start|>(x1,y1),(x2,y2)<|box_end|>``, InternVL
    ``<box>[[x1, y1, x2, y2]]</box>``, ``(x1, y1), (x2, y2)`` and ``x1=.., y1=.., x2=.., y2=..``.
    Repeated boxes are kept once. Returns ``[]`` when nothing parses (never a made-up box).
    """
    _check(fmt)
    if not text:
        return []
    found: list[tuple[int, int, Box]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            a, b, c, d = (float(g) for g in m.groups())
            found.append((m.start(), m.end(), (a, b, c, d)))
    found.sort(key=lambda t: (t[0], -t[1]))
    boxes: list[Box] = []
    end = -1
    for start, stop, box in found:
        if start < end:  # inside a match already taken
            continue
        end = stop
        if box not in boxes:
            boxes.append(box)
    return boxes
