"""The answer text a model family is trained to write for a sample's targets (every box of a
multi-target sample), as pure functions of pixel boxes.

Boxes come in as pixel edges ``(x1, y1, x2, y2)`` on a ``width x height`` image (``x2``/``y2``
exclusive, eval/boxes.py's convention) and are converted with eval/boxes.py's ``from_pixels``
(half-up rounding to whole numbers). The formats:

* ``qwen2.5-vl``: ``[{"bbox_2d": [x1, y1, x2, y2], "label": "..."}]`` (JSON) in absolute
  pixels of the image as the model sees it, ``input_size`` of the image given (Qwen2.5-VL's
  smart resize, factor 28).
* ``qwen3-vl``: the same JSON with integers 0-1000 relative to width and height (its processor
  resizes to multiples of 32, which relative boxes do not depend on).
* ``qwen2-vl``: ``<|object_ref_start|>label<|object_ref_end|><|box_start|>(x1,y1),(x2,y2)<|box_end|>``,
  integers 0-1000.
* ``internvl``: ``<ref>label</ref><box>[[x1, y1, x2, y2]]</box>``, integers 0-1000.
* ``internvl-999``: the same with integers 0-999 (MedRegA-style).

Targets that share a label text are one reference with several boxes (Qwen2-VL: one
``<|box_start|>`` group per box; InternVL: ``<box>[[...], [...]]</box>``); different labels are
one line each. The label text is the target's ``name`` (its label with ``_`` as spaces when it
has none).

**Rounding** (what a box read back from the text and scaled to the image's pixels may be off
by, per edge): ``qwen2.5-vl`` half a pixel of the input-size image, i.e. at most
``0.5 * width / input_width`` pixels of the image given (0.5 px when the image is given at its
input size, as the LLaMA-Factory export does); the 0-1000 integers at most ``width / 2000`` px in
x and ``height / 2000`` px in y; the 0-999 integers at most ``width / 1998`` and ``height / 1998``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from medground.eval.boxes import from_pixels, input_size
from medground.types import Sample, Target

__all__ = ["ANSWER_FORMATS", "Region", "answer", "label_text", "regions", "sample_answer"]

#: the answer formats (each also a box format of eval/boxes.py)
ANSWER_FORMATS: tuple[str, ...] = ("qwen2.5-vl", "qwen3-vl", "qwen2-vl", "internvl",
                                   "internvl-999")

#: a label text and its pixel-edge box
Region = tuple[str, tuple[float, float, float, float]]


def label_text(target: Target) -> str:
    """What the answer calls a target: its name, else its label with spaces."""
    return target.name or target.label.replace("_", " ")


def regions(sample: Sample, width: int | None = None, height: int | None = None) -> list[Region]:
    """A sample's targets as regions, their boxes scaled from the sample's PNG to a ``width x
    height`` copy of it (the PNG's own size when not given)."""
    sx = (width or sample.width) / sample.width
    sy = (height or sample.height) / sample.height
    return [(label_text(t), (t.box[0] * sx, t.box[1] * sy, t.box[2] * sx, t.box[3] * sy))
            for t in sample.targets]


def _ints(box: Sequence[float]) -> list[int]:
    return [int(v) for v in box]


def _grouped(boxes: Sequence[tuple[str, list[int]]]) -> list[tuple[str, list[list[int]]]]:
    """Boxes of the same label text together, labels in order of first appearance."""
    groups: dict[str, list[list[int]]] = {}
    for label, box in boxes:
        groups.setdefault(label, []).append(box)
    return list(groups.items())


def answer(found: Sequence[Region], fmt: str, width: int, height: int) -> str:
    """The answer text in ``fmt`` for regions on a ``width x height`` image."""
    if fmt not in ANSWER_FORMATS:
        raise ValueError(f"unknown answer format {fmt!r}; expected one of "
                         f"{', '.join(ANSWER_FORMATS)}")
    if not found:
        raise ValueError("an answer needs at least one region")
    if fmt == "qwen2.5-vl":
        w, h = input_size(fmt, width, height)
        sx, sy = w / width, h / height
        boxes = [(label, _ints(from_pixels((b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy),
                                           fmt, w, h)))
                 for label, b in found]
    else:
        boxes = [(label, _ints(from_pixels(b, fmt, width, height))) for label, b in found]
    if fmt in ("qwen2.5-vl", "qwen3-vl"):
        return json.dumps([{"bbox_2d": box, "label": label} for label, box in boxes],
                          ensure_ascii=False)
    lines = []
    for label, group in _grouped(boxes):
        if fmt == "qwen2-vl":
            spans = "".join(f"<|box_start|>({b[0]},{b[1]}),({b[2]},{b[3]})<|box_end|>"
                            for b in group)
            lines.append(f"<|object_ref_start|>{label}<|object_ref_end|>{spans}")
        else:
            lists = ", ".join(f"[{b[0]}, {b[1]}, {b[2]}, {b[3]}]" for b in group)
            lines.append(f"<ref>{label}</ref><box>[{lists}]</box>")
    return "\n".join(lines)


def sample_answer(sample: Sample, fmt: str, width: int | None = None,
                  height: int | None = None) -> str:
    """The answer text for a sample whose image is given at ``width x height`` (its PNG size
    when not given)."""
    w, h = width or sample.width, height or sample.height
    return answer(regions(sample, w, h), fmt, w, h)
