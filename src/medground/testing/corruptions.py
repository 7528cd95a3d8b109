"""Labelled defects injected into clean samples, to measure what verification catches.

Each injector takes a clean sample record (as in samples.jsonl), the view's record (as in
views.jsonl) and returns a corrupted copy, or None when the defect does not apply. Defects are
made from the raw text and the masks alone: words are swapped in the query ("left" for
"right", "larger" for "smaller"), false phrases are written from the injector's own
measurements of the masks, masks are moved with their boxes. Nothing here imports the
verifier or a synthesizer, so a defect is never written in the checker's own vocabulary.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from scipy import ndimage

from medground.geometry import rle
from medground.labels import readable
from medground.modality import code_of

Record = dict[str, Any]
Injector = Callable[[Record, Record | None, random.Random, Path, Path], "Record | None"]

_FOREIGN: Final = (
    "Bitte markieren Sie die Struktur {n} in diesem Bild.",
    "Veuillez localiser la structure {n} dans cette image.",
    "Por favor, localice la estructura {n} en esta imagen.",
    "Per favore, individua la struttura {n} in questa immagine.",
    "Localize a estrutura {n} nesta imagem, por favor.",
    "Markeer de structuur {n} in deze afbeelding.",
)
_ABSENT: Final = ("spleen", "pancreas", "gallbladder", "urinary bladder", "heart", "trachea",
                  "polyp", "skin lesion", "nucleus", "femur")


# --- the injector's own measurements ---------------------------------------------------------
def _mask(region: Record) -> NDArray[np.bool_]:
    return rle.decode(region["mask_rle"])


def _centroid(mask: NDArray[np.bool_]) -> tuple[float, float]:
    ys, xs = np.nonzero(mask)
    return float(xs.mean()) + 0.5, float(ys.mean()) + 0.5


def _regions(view: Record | None) -> list[Record]:
    return list(view["regions"]) if view else []


def _target_region(rec: Record, view: Record | None) -> Record | None:
    t = rec["targets"][0]
    return next((r for r in _regions(view) if r["mask_rle"] == t["mask_rle"]), None)


def _same_label(rec: Record, view: Record | None) -> list[Record]:
    label = rec["targets"][0]["label"]
    return [r for r in _regions(view) if r["label"] == label]


def _far_side(c: float, size: int, near: str, far: str) -> str | None:
    """The side of an axis a centroid coordinate ``c`` is clearly not on: ``far`` when ``c``
    lies in the ``near`` half (toward 0), ``near`` otherwise; None within 15 % of the middle."""
    if abs(c - size / 2) < 0.15 * size:
        return None
    return far if c < size / 2 else near


def _shift(box: list[int], width: int, height: int) -> tuple[int, int] | None:
    """A move by one box width (or height) that keeps the box inside the image, if any."""
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    for dx, dy, fits in ((w, 0, x2 + w <= width), (-w, 0, x1 - w >= 0),
                         (0, h, y2 + h <= height), (0, -h, y1 - h >= 0)):
        if fits:
            return dx, dy
    return None


def _patient_left_is_image_right(rec: Record) -> bool | None:
    frame = rec.get("frame") or {}
    if frame.get("left") not in ("R", "L"):
        return None
    return bool(frame["left"] == "R")


# --- editing the text --------------------------------------------------------------------------
def _swap(text: str, pairs: tuple[tuple[str, str], ...]) -> str | None:
    """Every word of a pair replaced by the other (both ways at once); None when none occurs."""
    table: dict[str, str] = {}
    for a, b in pairs:  # the first pair a word is in decides its opposite
        table.setdefault(a, b)
        table.setdefault(b, a)
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(table, key=len,
                                                                         reverse=True)) + r")\b",
                         re.IGNORECASE)
    if not pattern.search(text):
        return None

    def repl(m: re.Match[str]) -> str:
        word = table[m.group(0).lower()]
        return word.capitalize() if m.group(0)[:1].isupper() else word
    return pattern.sub(repl, text)


def _noun_span(rec: Record) -> tuple[int, int] | None:
    """Where the target's readable name (or its last word) stands in the query."""
    name = readable(rec["targets"][0]["label"])
    for needle in (name, name.split(" ")[-1]):
        m = re.search(rf"\b{re.escape(needle)}s?\b", rec["query"], re.IGNORECASE)
        if m:
            return m.start(), m.end()
    return None


def _with_query(rec: Record, query: str | None) -> Record | None:
    if query is None or query == rec["query"]:
        return None
    out = copy.deepcopy(rec)
    out["query"] = query
    return out


def _append(rec: Record, phrase: str) -> Record | None:
    """The query with a phrase after the target's name."""
    span = _noun_span(rec)
    if span is None:
        return None
    q = rec["query"]
    return _with_query(rec, q[:span[1]] + f" {phrase}" + q[span[1]:])


def _prepend(rec: Record, word: str) -> Record | None:
    span = _noun_span(rec)
    if span is None:
        return None
    q = rec["query"]
    return _with_query(rec, q[:span[0]] + f"{word} " + q[span[0]:])


# --- defects ---------------------------------------------------------------------------------
_SIDE_WORD = re.compile(
    r"(?:(?<=patient's )|(?<=image's )|(?<=slice's )|(?<=view's )|(?<=frame's )|(?<=photo's ))"
    r"(left|right)\b|\b(left|right)(?=[- ](?:hand|side|half|edge|border|part|most)\b|"
    r"-?most\b| of\b| in the\b|[.,?!]|$)")


def wrong_side(rec: Record, view: Record | None, rng: random.Random, root: Path,
               scratch: Path) -> Record | None:
    """The first "left" / "right" of a position phrase ("patient's left", "left side of",
    "left-most", "left of") swapped, names ("left kidney") untouched; without one, a false
    side phrase written from the centroid."""
    q = rec["query"]
    if re.search(r"\b(left and right|right and left)\b", q):
        return None  # both sides named: swapping says the same
    m = _SIDE_WORD.search(q)
    if m is not None:
        word = m.group(0)
        return _with_query(rec, q[:m.start()] + {"left": "right", "right": "left"}[word]
                           + q[m.end():])
    region = _target_region(rec, view)
    if region is None:
        return None
    cx, _ = _centroid(_mask(region))
    mirrored = _patient_left_is_image_right(rec)
    if mirrored is not None and rec.get("midline_x") is not None:
        on_image_left = cx < float(rec["midline_x"])
        if abs(cx - float(rec["midline_x"])) < 0.15 * rec["width"]:
            return None  # near the midline: no side is clearly wrong
        patient = ("right" if on_image_left else "left") if mirrored else (
            "left" if on_image_left else "right")
        wrong = "left" if patient == "right" else "right"
        return _append(rec, f"on the patient's {wrong} side")
    far = _far_side(cx, rec["width"], "left", "right")
    return None if far is None else _append(rec, f"on the {far} side of the image")


def wrong_frame(rec: Record, view: Record | None, rng: random.Random, root: Path,
                scratch: Path) -> Record | None:
    """The image's frame and the patient's swapped in a left/right phrase, where the two are
    mirror images ("the patient's left" -> "the image's left")."""
    if not _patient_left_is_image_right(rec):
        return None
    q = rec["query"]
    for a, b in ((r"\bpatient's(?= (left|right)\b)", "image's"),
                 (r"\bimage's(?= (left|right)\b)", "patient's"),
                 (r"(?:(?<=\bleft side )|(?<=\bright side ))of the patient\b", "of the image"),
                 (r"(?:(?<=\bleft side )|(?<=\bright side ))of the image\b", "of the patient")):
        if re.search(a, q):
            return _with_query(rec, re.sub(a, b, q, count=1))
    return None


def wrong_vertical(rec: Record, view: Record | None, rng: random.Random, root: Path,
                   scratch: Path) -> Record | None:
    swapped = _swap(rec["query"], (("upper", "lower"), ("top", "bottom"), ("above", "below"),
                                   ("higher", "lower"), ("upper-most", "lower-most"),
                                   ("anterior", "posterior"), ("superior", "inferior"),
                                   ("ventral", "dorsal"), ("cranial", "caudal")))
    if swapped is not None:
        return _with_query(rec, swapped)
    region = _target_region(rec, view)
    if region is None:
        return None
    _, cy = _centroid(_mask(region))
    far = _far_side(cy, rec["height"], "top", "bottom")
    return None if far is None else _append(rec, f"at the {far} of the image")


def wrong_size(rec: Record, view: Record | None, rng: random.Random, root: Path,
               scratch: Path) -> Record | None:
    swapped = _swap(rec["query"], (("larger", "smaller"), ("bigger", "lesser"),
                                   ("largest", "smallest"), ("biggest", "tiniest")))
    if swapped is not None:
        return _with_query(rec, swapped)
    region = _target_region(rec, view)
    if region is None:
        return None
    kin = _same_label(rec, view)
    area = region["area"]
    if len(kin) > 1:  # the target's rank by size among its kind decides which word is false
        areas = sorted(r["area"] for r in kin)
        if area <= areas[-1] / 1.5 or (area == areas[-1] and areas[-2] <= area / 1.5):
            word = "largest" if area < areas[-1] else "smallest"
            return _prepend(rec, word)
        return None
    share = area / (rec["width"] * rec["height"])
    if share < 0.01:
        return _prepend(rec, rng.choice(("huge", "large", "big")))
    if share > 0.10:
        return _prepend(rec, rng.choice(("tiny", "small", "little")))
    return None


def _holes(mask: NDArray[np.bool_]) -> bool:
    return bool((ndimage.binary_fill_holes(mask) & ~mask).sum() > 0.01 * mask.sum())


def wrong_shape(rec: Record, view: Record | None, rng: random.Random, root: Path,
                scratch: Path) -> Record | None:
    """A shape word the mask clearly is not: ring-shaped without a hole, elongated for a
    squat box, round for a long one."""
    region = _target_region(rec, view)
    if region is None:
        return None
    mask = _mask(region)
    x1, y1, x2, y2 = region["box"]
    aspect = max(x2 - x1, y2 - y1) / max(1, min(x2 - x1, y2 - y1))
    fill = region["area"] / max(1, (x2 - x1) * (y2 - y1))
    options = []
    if not _holes(mask):
        options.append("ring-shaped")
    if aspect <= 1.4 and fill >= 0.6:  # a compact blob, not a thin diagonal
        options.append("elongated")
    if aspect >= 3.0:
        options.append("round")
    return _prepend(rec, rng.choice(options)) if options else None


def _contrast(rec: Record, mask: NDArray[np.bool_], root: Path) -> float:
    with Image.open(root / rec["image"]) as im:
        grey = np.asarray(im.convert("L"), dtype=np.float64)
    ring = ndimage.binary_dilation(mask, iterations=4) & ~ndimage.binary_fill_holes(mask)
    if not ring.any():
        return 0.0
    return float(grey[mask].mean() - grey[ring].mean()) / 255.0


def wrong_intensity(rec: Record, view: Record | None, rng: random.Random, root: Path,
                    scratch: Path) -> Record | None:
    """The opposite density / brightness word; a word of another modality when the target
    has no clear contrast."""
    swapped = _swap(rec["query"], (("hypodense", "hyperdense"), ("hypointense", "hyperintense"),
                                   ("hypoechoic", "hyperechoic"), ("bright", "dark"),
                                   ("brighter", "darker")))
    if swapped is not None:
        return _with_query(rec, swapped)
    region = _target_region(rec, view)
    if region is None:
        return None
    c = _contrast(rec, _mask(region), root)
    modality = code_of(str(rec["modality"]))
    if modality == "CT":
        word = ("hypodense" if c > 0.1 else "hyperdense" if c < -0.1
                else rng.choice(("hyperintense", "hypointense")))
    elif modality == "MR":
        word = ("hypointense" if c > 0.1 else "hyperintense" if c < -0.1
                else rng.choice(("hyperdense", "hypodense")))
    elif modality == "ultrasound":
        word = ("hypoechoic" if c > 0.1 else "hyperechoic" if c < -0.1
                else rng.choice(("hyperdense", "hypointense")))
    else:
        word = ("dark" if c > 0.1 else "bright" if c < -0.1
                else rng.choice(("hyperdense", "hypointense")))
    return _prepend(rec, word)


def wrong_ordinal(rec: Record, view: Record | None, rng: random.Random, root: Path,
                  scratch: Path) -> Record | None:
    swapped = _swap(rec["query"], (("left-most", "right-most"), ("upper-most", "lower-most"),
                                   ("leftmost", "rightmost"), ("uppermost", "lowermost")))
    if swapped is not None:
        return _with_query(rec, swapped)
    region = _target_region(rec, view)
    kin = _same_label(rec, view)
    if region is None or len(kin) < 2:
        return None
    mine = _centroid(_mask(region))
    others = [_centroid(_mask(r)) for r in kin if r is not region]
    options = []
    if any(o[1] < mine[1] - 0.1 * rec["height"] for o in others):
        options.append("upper-most")
    if any(o[1] > mine[1] + 0.1 * rec["height"] for o in others):
        options.append("lower-most")
    return _prepend(rec, rng.choice(options)) if options else None


_COUNTS: Final = (("both", "all three"), ("two", "three"), ("three", "four"), ("four", "five"),
                  ("five", "six"), ("six", "seven"), ("seven", "eight"), ("eight", "nine"))


def wrong_count(rec: Record, view: Record | None, rng: random.Random, root: Path,
                scratch: Path) -> Record | None:
    """One count word replaced by the next (both -> all three, two -> three, ...)."""
    q = rec["query"]
    for a, b in _COUNTS:
        m = re.search(rf"\b{a}\b", q, re.IGNORECASE)
        if m:
            return _with_query(rec, q[:m.start()] + b + q[m.end():])
    return None


_OPPOSITES: Final = (("above", "below"), ("anterior to", "posterior to"),
                     ("in front of", "behind"), ("superior to", "inferior to"),
                     ("cranial to", "caudal to"), ("ventral to", "dorsal to"),
                     ("medial to", "lateral to"), ("closer to the midline", "further from the midline"),
                     ("higher than", "lower than"), ("left of", "right of"),
                     ("within", "far from"), ("inside", "far from"), ("adjacent to", "far from"),
                     ("next to", "far from"), ("bordering", "far from"))


def wrong_relation(rec: Record, view: Record | None, rng: random.Random, root: Path,
                   scratch: Path) -> Record | None:
    """A relation word replaced by its opposite; without one, "inside" a structure of the view
    that does not even overlap the target's box."""
    q = rec["query"]
    for a, b in _OPPOSITES:
        for x, y in ((a, b), (b, a)):
            m = re.search(rf"\b{re.escape(x)}\b", q)
            if m:
                return _with_query(rec, q[:m.start()] + y + q[m.end():])
    region = _target_region(rec, view)
    if region is None:
        return None
    x1, y1, x2, y2 = region["box"]
    far = [r for r in _regions(view) if r["label"] != region["label"] and (
        r["box"][0] >= x2 or r["box"][2] <= x1 or r["box"][1] >= y2 or r["box"][3] <= y1)]
    labels = sorted({r["label"] for r in far})
    unique = [lb for lb in labels if sum(r["label"] == lb for r in _regions(view)) == 1]
    if not unique:
        return None
    return _append(rec, f"inside the {readable(rng.choice(unique))}")


def wrong_name(rec: Record, view: Record | None, rng: random.Random, root: Path,
               scratch: Path) -> Record | None:
    """The target's name replaced by another structure of the view, or one absent from it."""
    span = _noun_span(rec)
    if span is None:
        return None
    own = {t["label"] for t in rec["targets"]} | {readable(t["label"]) for t in rec["targets"]}
    present = sorted({readable(r["label"]) for r in _regions(view) if r["label"] not in own
                      and readable(r["label"]) not in own})
    absent = [n for n in _ABSENT if n not in rec["query"].lower()
              and not any(n in o or o in n for o in own)]
    name = rng.choice(present or absent)
    q = rec["query"]
    return _with_query(rec, q[:span[0]] + name + q[span[1]:])


def negated(rec: Record, view: Record | None, rng: random.Random, root: Path,
            scratch: Path) -> Record | None:
    """A true position phrase negated: "in the upper left of the image" -> "not in ..."."""
    m = re.search(r"\b(in|on|toward|near|close to|at) the (image|slice|scan|section|view|frame|"
                  r"photo|field|picture|patient|upper|lower|top|bottom|left|right|middle|center"
                  r"|periphery)\b", rec["query"])
    if not m:
        return None
    q = rec["query"]
    return _with_query(rec, q[:m.start()] + "not " + q[m.start():])


def box_shift(rec: Record, view: Record | None, rng: random.Random, root: Path,
              scratch: Path) -> Record:
    """The box moved by a box width (or height), the mask left in place."""
    out = copy.deepcopy(rec)
    x1, y1, x2, y2 = box = out["targets"][0]["box"]
    dx, dy = _shift(box, rec["width"], rec["height"]) or (0, y1 - y2)  # up, even if it leaves
    out["targets"][0]["box"] = [x1 + dx, y1 + dy, x2 + dx, y2 + dy]
    return out


def mask_shift(rec: Record, view: Record | None, rng: random.Random, root: Path,
               scratch: Path) -> Record | None:
    """Box and mask moved together by a box width (or height): a consistent answer in the
    wrong place."""
    t = rec["targets"][0]
    mask = rle.decode(t["mask_rle"])
    x1, y1, x2, y2 = t["box"]
    shift = _shift(t["box"], rec["width"], rec["height"])
    if shift is None:
        return None
    dx, dy = shift
    moved = np.zeros_like(mask)
    ys, xs = np.nonzero(mask)
    moved[ys + dy, xs + dx] = True
    out = copy.deepcopy(rec)
    out["targets"][0].update(box=[x1 + dx, y1 + dy, x2 + dx, y2 + dy],
                             mask_rle=rle.encode(moved))
    return out


def distractor_box(rec: Record, view: Record | None, rng: random.Random, root: Path,
                   scratch: Path) -> Record | None:
    """The box and mask of another region of the same kind, under the target's label."""
    region = _target_region(rec, view)
    others = [r for r in _same_label(rec, view) if r is not region]
    if region is None or not others:
        return None
    other = rng.choice(others)
    out = copy.deepcopy(rec)
    out["targets"][0].update(box=list(other["box"]), mask_rle=dict(other["mask_rle"]))
    return out


def ambiguous(rec: Record, view: Record | None, rng: random.Random, root: Path,
              scratch: Path) -> Record | None:
    if rec["task"] != "disambiguation" or len(_same_label(rec, view)) < 2:
        return None
    out = copy.deepcopy(rec)
    out["query"] = f"Find the {readable(rec['targets'][0]['label'])}."
    return out


def coordinates(rec: Record, view: Record | None, rng: random.Random, root: Path,
                scratch: Path) -> Record:
    out = copy.deepcopy(rec)
    x1, y1, x2, y2 = rec["targets"][0]["box"]
    x, y = (x1 + x2) // 2, (y1 + y2) // 2
    form = rng.choice(("{q} at ({x}, {y})", "{q} near x={x}, y={y}", "{q} [{x}, {y}]"))
    out["query"] = form.format(q=rec["query"].rstrip(".?!"), x=x, y=y)
    return out


def empty(rec: Record, view: Record | None, rng: random.Random, root: Path,
          scratch: Path) -> Record:
    out = copy.deepcopy(rec)
    out["query"] = rng.choice(("", " ", "\n"))
    return out


def truncated(rec: Record, view: Record | None, rng: random.Random, root: Path,
              scratch: Path) -> Record:
    """Cut inside a word, as a token limit does."""
    q = rec["query"]
    inner = [i for i in range(max(1, len(q) * 2 // 5), len(q) - 1)
             if q[i - 1].isalpha() and q[i].isalpha()]
    out = copy.deepcopy(rec)
    out["query"] = q[: rng.choice(inner)] if inner else q[: len(q) // 2]
    return out


def non_english(rec: Record, view: Record | None, rng: random.Random, root: Path,
                scratch: Path) -> Record:
    out = copy.deepcopy(rec)
    out["query"] = rng.choice(_FOREIGN).format(n=readable(rec["targets"][0]["label"]))
    return out


def slice_blanked(rec: Record, view: Record | None, rng: random.Random, root: Path,
                  scratch: Path) -> Record:
    with Image.open(root / rec["image"]) as im:
        arr = np.asarray(im)
    value = rng.choice((0, int(arr.mean())))
    path = scratch / f"blank_{rec['id']}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full_like(arr, value)).save(path)
    out = copy.deepcopy(rec)
    out["image"] = str(path)  # absolute: Path join keeps it
    return out


#: defect name -> injector; claim kinds first, then record and image defects
DEFECTS: Final[dict[str, Injector]] = {
    "wrong_side": wrong_side, "wrong_frame": wrong_frame, "wrong_vertical": wrong_vertical,
    "wrong_size": wrong_size, "wrong_shape": wrong_shape, "wrong_intensity": wrong_intensity,
    "wrong_ordinal": wrong_ordinal, "wrong_count": wrong_count,
    "wrong_relation": wrong_relation, "wrong_name": wrong_name, "negated": negated,
    "ambiguous": ambiguous, "box_shift": box_shift, "mask_shift": mask_shift,
    "distractor_box": distractor_box, "coordinates": coordinates, "empty": empty,
    "truncated": truncated, "non_english": non_english, "slice_blanked": slice_blanked,
}
