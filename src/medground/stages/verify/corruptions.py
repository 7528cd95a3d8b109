"""Labelled defects injected into clean samples, to measure what verification catches.

Each injector takes a clean sample record (as in samples.jsonl) and returns a corrupted copy,
or None when the defect does not apply (no distractor to borrow a box from, ...). Image defects
write a new PNG under ``scratch`` and point the copy at it.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import numpy as np
from PIL import Image

from medground.labels import readable
from medground.stages.synth.describe import Candidate, kind_of, relative_value
from medground.stages.synth.lexicon import RELATIVE_KINDS, Attr, find_attributes, noun_forms

Record = dict[str, Any]
Injector = Callable[[Record, random.Random, Path, Path], "Record | None"]

_OTHER_NAMES: Final = ("liver", "spleen", "left kidney", "aorta", "polyp", "skin lesion",
                       "nucleus", "urinary bladder", "gallbladder", "right lung")
_FOREIGN: Final = (
    "Bitte markieren Sie die Struktur {n} in diesem Bild.",
    "Veuillez localiser la structure {n} dans cette image.",
    "Por favor, localice la estructura {n} en esta imagen.",
    "Per favore, individua la struttura {n} in questa immagine.",
    "Localize a estrutura {n} nesta imagem, por favor.",
    "Markeer de structuur {n} in deze afbeelding.",
)
_SHAPES: Final = ("round", "oval", "elongated", "lobulated", "irregular", "crescent-shaped")


def _noun_span(rec: Record) -> tuple[int, int] | None:
    """Where the target's name stands in the query (longest form first)."""
    query = rec["query"].lower()
    forms = sorted(noun_forms(rec["targets"][0]["label"]), key=len, reverse=True)
    for form in forms:
        m = re.search(rf"\b{re.escape(form.lower())}\b", query)
        if m:
            return m.start(), m.end()
    return None


def _insert_at_noun(rec: Record, text: str, before: bool) -> Record | None:
    """A copy whose query has ``text`` just before (or after) the target's name."""
    span = _noun_span(rec)
    if span is None:
        return None
    at = span[0] if before else span[1]
    out = copy.deepcopy(rec)
    piece = f"{text} " if before else f" {text}"
    out["query"] = rec["query"][:at] + piece + rec["query"][at:]
    return out


def _insert_before_noun(rec: Record, word: str) -> Record | None:
    return _insert_at_noun(rec, word, before=True)


def _insert_after_noun(rec: Record, phrase: str) -> Record | None:
    return _insert_at_noun(rec, phrase, before=False)


def _cues(rec: Record) -> dict[str, Any]:
    cues: dict[str, Any] = rec["targets"][0]["cues"]
    return cues


def wrong_side(rec: Record, rng: random.Random, root: Path, scratch: Path) -> Record | None:
    side = _cues(rec)["location"]["patient_side"]
    if rec.get("frame") and rec["frame"].get("left") in ("R", "L"):
        wrong = {"left": "right", "right": "left"}.get(side or "", rng.choice(("left", "right")))
        return _insert_after_noun(rec, f"on the patient's {wrong} side")
    row, col = _cues(rec)["location"]["grid"]
    wrong_col = {"left": "right", "right": "left", "center": rng.choice(("left", "right"))}[col]
    cell = "center" if (row, wrong_col) == ("middle", "center") else f"{row} {wrong_col}"
    return _insert_after_noun(rec, f"in the {cell} of the image".replace("middle center", "center"))


def wrong_vertical(rec: Record, rng: random.Random, root: Path, scratch: Path) -> Record | None:
    row, col = _cues(rec)["location"]["grid"]
    wrong_row = {"upper": "lower", "lower": "upper", "middle": rng.choice(("upper", "lower"))}[row]
    col_word = {"center": "middle"}.get(col, col)
    return _insert_after_noun(rec, f"in the {wrong_row} {col_word} of the image")


def wrong_size(rec: Record, rng: random.Random, root: Path, scratch: Path) -> Record | None:
    q = rec["query"]
    swaps = (("larger", "smaller"), ("bigger", "smaller"), ("largest", "smallest"),
             ("biggest", "smallest"), ("lesser", "larger"))
    for a, b in swaps:
        for x, y in ((a, b), (b, a)):
            if re.search(rf"\b{x}\b", q):
                out = copy.deepcopy(rec)
                out["query"] = re.sub(rf"\b{x}\b", y, q, count=1)
                return out
    false = _false_claims(rec, {"largest": Attr("size", "max"), "smallest": Attr("size", "min")})
    return _insert_before_noun(rec, rng.choice(false)) if false else None


def wrong_shape(rec: Record, rng: random.Random, root: Path, scratch: Path) -> Record | None:
    measured = _cues(rec)["shape"]["word"]
    choices = [s for s in _SHAPES if s != measured]
    return _insert_before_noun(rec, rng.choice(choices))


def _false_claims(rec: Record, words: dict[str, Attr]) -> list[str]:
    """Words whose relative claim is false for the target among the candidates its query
    leaves (same semantics as verification), in a stable order."""
    target = Candidate.from_record(rec["targets"][0])
    absolute = [a for a in find_attributes(rec["query"], rec.get("frame"))
                if a.kind not in RELATIVE_KINDS]
    group = [target] + [Candidate.from_record(d) for d in rec.get("distractors", [])
                        if d["label"] == rec["targets"][0]["label"]]
    left = [c for c in group if all(a in c.absolute for a in absolute)]
    return [w for w, a in words.items()
            if relative_value(target, left, a.kind, rec["width"], rec["height"]) != a.value]


def wrong_ordinal(rec: Record, rng: random.Random, root: Path, scratch: Path) -> Record | None:
    q = rec["query"]
    for a, b in (("left-most", "right-most"), ("upper-most", "lower-most")):
        for x, y in ((a, b), (b, a)):
            if x in q:
                out = copy.deepcopy(rec)
                out["query"] = q.replace(x, y, 1)
                return out
    words = {"left-most": Attr("hpos", "min"), "right-most": Attr("hpos", "max"),
             "upper-most": Attr("vpos", "min"), "lower-most": Attr("vpos", "max")}
    false = _false_claims(rec, words)
    return _insert_before_noun(rec, rng.choice(false)) if false else None


def wrong_name(rec: Record, rng: random.Random, root: Path, scratch: Path) -> Record | None:
    span = _noun_span(rec)
    if span is None:
        return None
    own = {f.lower() for t in rec["targets"] for f in noun_forms(t["label"])}
    name = rng.choice([n for n in _OTHER_NAMES if n not in rec["query"].lower()
                       and not any(n in o or o in n for o in own)])
    out = copy.deepcopy(rec)
    out["query"] = rec["query"][: span[0]] + name + rec["query"][span[1]:]
    return out


def box_shift(rec: Record, rng: random.Random, root: Path, scratch: Path) -> Record:
    out = copy.deepcopy(rec)
    x1, y1, x2, y2 = out["targets"][0]["box"]
    w, h = x2 - x1, y2 - y1
    dx = w if x2 + w <= rec["width"] else -w if x1 - w >= 0 else 0
    dy = 0 if dx else (h if y2 + h <= rec["height"] else -h)
    out["targets"][0]["box"] = [x1 + dx, y1 + dy, x2 + dx, y2 + dy]
    return out


def distractor_box(rec: Record, rng: random.Random, root: Path, scratch: Path) -> Record | None:
    if not rec.get("distractors"):
        return None
    out = copy.deepcopy(rec)
    out["targets"][0]["box"] = list(rng.choice(rec["distractors"])["box"])
    return out


def ambiguous(rec: Record, rng: random.Random, root: Path, scratch: Path) -> Record | None:
    if rec["task"] != "disambiguation":
        return None
    out = copy.deepcopy(rec)
    label = rec["targets"][0]["label"]
    same = [d for d in rec["distractors"] if d["label"] == label]
    noun = readable(label) if same else readable(kind_of(label))
    out["query"] = f"Find the {noun}."
    return out


def coordinates(rec: Record, rng: random.Random, root: Path, scratch: Path) -> Record:
    out = copy.deepcopy(rec)
    x, y = (int(v) for v in rec["targets"][0]["centroid"])
    form = rng.choice(("{q} at ({x}, {y})", "{q} near x={x}, y={y}", "{q} [{x}, {y}]"))
    out["query"] = form.format(q=rec["query"].rstrip(".?!"), x=x, y=y)
    return out


def empty(rec: Record, rng: random.Random, root: Path, scratch: Path) -> Record:
    out = copy.deepcopy(rec)
    out["query"] = rng.choice(("", " ", "\n"))
    return out


def truncated(rec: Record, rng: random.Random, root: Path, scratch: Path) -> Record:
    """Cut inside a word, as a token limit does."""
    q = rec["query"]
    inner = [i for i in range(max(1, len(q) * 2 // 5), len(q) - 1)
             if q[i - 1].isalpha() and q[i].isalpha()]
    out = copy.deepcopy(rec)
    out["query"] = q[: rng.choice(inner)] if inner else q[: len(q) // 2]
    return out


def non_english(rec: Record, rng: random.Random, root: Path, scratch: Path) -> Record:
    out = copy.deepcopy(rec)
    out["query"] = rng.choice(_FOREIGN).format(n=readable(rec["targets"][0]["label"]))
    return out


def slice_blanked(rec: Record, rng: random.Random, root: Path, scratch: Path) -> Record:
    with Image.open(root / rec["image"]) as im:
        arr = np.asarray(im)
    value = rng.choice((0, int(arr.mean())))
    path = scratch / f"blank_{rec['id']}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full_like(arr, value)).save(path)
    out = copy.deepcopy(rec)
    out["image"] = str(path)  # absolute: Path join keeps it
    return out


DEFECTS: Final[dict[str, Injector]] = {
    "wrong_side": wrong_side, "wrong_vertical": wrong_vertical, "wrong_size": wrong_size,
    "wrong_shape": wrong_shape, "wrong_ordinal": wrong_ordinal, "wrong_name": wrong_name,
    "box_shift": box_shift, "distractor_box": distractor_box, "ambiguous": ambiguous,
    "coordinates": coordinates, "empty": empty, "truncated": truncated,
    "non_english": non_english, "slice_blanked": slice_blanked,
}
