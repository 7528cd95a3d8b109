"""Parents and duplicates among the labels of one view.

Folders with one mask per named target often hold a hierarchy: ``kidney`` = ``left kidney`` +
``right kidney``. Kept as a target of its own, the parent is one box across the spine and is
counted beside its children ("all three kidneys"), and the correct child queries become
ambiguous. A parent is therefore never a target: it is left out, and the multi-target query over
its children ("both kidneys") is written from the children, which share its kind. Two labels
with byte-identical masks ("lung" and "COVID-19 infection") are a label conflict: which name is
right cannot be told from pixels, so neither is used.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import numpy as np

from medground.geometry.crops import box_of_mask
from medground.types import BoolArray, Layer

#: share of a child's pixels that must lie inside its parent (masks drawn apart disagree a little)
INSIDE: float = 0.95
#: share of a parent's pixels its children must cover together
COVERED: float = 0.95

#: words by which a part's name differs from its whole's: sides, numbers, parts, positions
_PART_WORDS = re.compile(r"^(left|right|l|r|lt|rt|\d+|upper|middle|lower|anterior|posterior|"
                         r"superior|inferior|medial|lateral|lobe|segment|part|portion|"
                         r"head|body|tail|[a-z]\d{1,2})$")


@dataclass
class Hierarchy:
    """What one view's labels are to each other."""

    layers: list[Layer]  # the layers that may be targets (no parent, no conflicting label)
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)  # parent -> children
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # identical masks


def _hull(a: tuple[int, int, int, int], b: tuple[int, int, int, int]
          ) -> tuple[int, int, int, int]:
    """The smallest xyxy box holding boxes ``a`` and ``b``."""
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _words(label: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", label.lower()) if w}


def names_related(general: str, specific: str) -> bool:
    """True when ``specific`` names a side or part of ``general``: 'kidney' / 'left kidney',
    'adrenal_gland' / 'adrenal_gland_right', 'lung' / 'lung_upper_lobe_left' (but 'liver' /
    'liver tumor' is another structure, and 'left kidney' is not a part of 'kidney')."""
    g, s = _words(general), _words(specific)
    extra = s - g
    return bool(g) and g < s and all(_PART_WORDS.match(w) for w in extra)


def resolve(layers: list[Layer]) -> Hierarchy:
    """Find parents (a label whose mask is the union of other labels' masks) and label conflicts
    (identical masks under different labels) and keep the layers that can be targets."""
    labels = sorted({layer.label for layer in layers})
    if len(labels) < 2:
        return Hierarchy(layers=list(layers))
    union: dict[str, BoolArray] = {}
    holder: dict[str, tuple[int, int, int, int] | None] = {}  # the union's box, if known
    for layer in layers:
        union[layer.label] = union[layer.label] | layer.mask if layer.label in union else layer.mask
        if layer.label not in holder:
            holder[layer.label] = layer.box
        else:
            held = holder[layer.label]
            holder[layer.label] = (None if held is None or layer.box is None
                                   else _hull(held, layer.box))
    # every measure below on the mask's box: identical masks have identical boxes
    # (the box of a union of masks is the hull of their tight boxes)
    boxes = {k: holder[k] or box_of_mask(m) or (0, 0, 0, 0) for k, m in union.items()}
    crops = {k: union[k][y1:y2, x1:x2] for k, (x1, y1, x2, y2) in boxes.items()}
    area = {k: int(np.count_nonzero(c)) for k, c in crops.items()}
    digest = {k: hashlib.sha1(repr(boxes[k]).encode() + np.packbits(c).tobytes()).hexdigest()
              for k, c in crops.items()}
    dropped: set[str] = set()
    out = Hierarchy(layers=[])
    children: dict[str, list[str]] = {k: [] for k in labels}
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            if area[a] == 0 or area[b] == 0 or not _overlap(boxes[a], boxes[b]):
                continue
            if digest[a] == digest[b]:
                if names_related(a, b):
                    children[a].append(b)
                elif names_related(b, a):
                    children[b].append(a)
                else:
                    out.conflicts.append((a, b))
                    dropped |= {a, b}
                continue
            inter = _intersection(union[a], union[b], boxes[a], boxes[b])
            if area[b] < area[a] and inter >= INSIDE * area[b]:
                children[a].append(b)
            elif area[a] < area[b] and inter >= INSIDE * area[a]:
                children[b].append(a)
    for parent in labels:
        kids = [c for c in children[parent] if c not in dropped]
        if not kids or parent in dropped:
            continue
        x1, y1, x2, y2 = boxes[parent]  # only the parent's pixels count
        cover = np.zeros_like(crops[parent])
        for c in kids:
            cover |= union[c][y1:y2, x1:x2]
        if np.count_nonzero(cover & crops[parent]) >= COVERED * area[parent]:
            out.parents[parent] = tuple(sorted(kids))
    dropped |= set(out.parents)
    out.layers = [layer for layer in layers if layer.label not in dropped]
    return out


def _intersection(a: BoolArray, b: BoolArray, box_a: tuple[int, int, int, int],
                  box_b: tuple[int, int, int, int]) -> int:
    """Pixels in both masks, counted where their boxes meet (nowhere else can they be)."""
    x1, y1 = max(box_a[0], box_b[0]), max(box_a[1], box_b[1])
    x2, y2 = min(box_a[2], box_b[2]), min(box_a[3], box_b[3])
    return int(np.count_nonzero(a[y1:y2, x1:x2] & b[y1:y2, x1:x2]))


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
