"""A tiny dataset written by hand for the report's tests, every figure of it counted by hand.

Kept samples (samples.jsonl):

=====  ========  ==============  ============================  ================  ==========
id     modality  task            targets (image WxH)           query (words)     claims
=====  ========  ==============  ============================  ================  ==========
s1     CT        single          liver [10,5,20,15] (40x20)    2                 name
s2     CT        disambiguation  lesion [0,0,40,20] (40x20)    4 (hostile text)  name, size
s3     MR        multi           kidney_left [0,0,10,10],      6                 not stated
                                 kidney_right [20,0,30,10]
                                 (30x30)
s4     CT        single          HOSTILE [0,0,40,40] (64x48)   9                 none ([])
=====  ========  ==============  ============================  ================  ==========

Rejects (rejects.jsonl): r1 CT single liver [30,0,50,10] on 40x20, failed geometry
BOX_OUTSIDE_IMAGE, 5 words, claims name; r2 (a hostile id) CT single spleen [0,0,64,48] on 64x48, failed
judge NO_IMAGE_EVIDENCE with a hostile detail, 1 word, claims not stated; one record that is
no sample (format SCHEMA_INVALID) and one line that is no JSON.

errors.jsonl: a fatal UNREADABLE_FILE with a hostile file name, a non-fatal LABEL_CONFLICT and
one unreadable line. splits.json: s1, s2 (patient p1) train, s4 (p3) val, s3 (p2) test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

HOSTILE = '<script>alert(1)</script>"onerror=alert(1)'
HOSTILE_QUERY = 'the <script>alert(1)</script> lesion "onerror=alert(1)'
HOSTILE_DETAIL = '"onerror=<img src=x onerror=alert(2)> no evidence'
HOSTILE_ID = 'r2"onerror=alert(3)'
HOSTILE_FILE = 'scan/<b>bad</b>"onerror=.nii.gz'

IMAGES = {"a": (40, 20, 30), "b": (64, 48, 60), "c": (30, 30, 90)}  # name: (w, h, grey value)


def _target(label: str, box: list[int], instance: int = 0) -> dict[str, Any]:
    x1, y1, x2, y2 = box
    return {"label": label, "name": label.replace("_", " "), "instance": instance, "box": box,
            "area": (x2 - x1) * (y2 - y1), "centroid": [(x1 + x2) / 2, (y1 + y2) / 2],
            "cues": {}, "mask_rle": {"size": [y2 - y1, x2 - x1], "counts": ""}}


def _sample(sid: str, image: str, modality: str, task: str, targets: list[dict[str, Any]],
            query: str, claims: list[dict[str, Any]] | None, patient: str,
            verdicts: list[dict[str, Any]] | None = None,
            distractors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    w, h, _ = IMAGES[image]
    passed = [{"stage": st, "passed": True, "reason": "OK", "detail": ""}
              for st in ("format", "geometry", "priors", "judge")]
    return {"id": sid, "image": f"images/{image}.png", "width": w, "height": h,
            "source": "tiny", "case": f"case_{patient}", "patient_id": patient,
            "modality": modality, "plane": "axial", "slice": 0, "task": task, "query": query,
            "targets": targets, "distractors": distractors or [], "claims": claims,
            "verdicts": verdicts if verdicts is not None else passed, "provenance": {}}


def _failed(stage: str, reason: str, detail: str = "") -> list[dict[str, Any]]:
    order = ["format", "geometry", "priors", "judge"]
    out = [{"stage": st, "passed": True, "reason": "OK", "detail": ""}
           for st in order[:order.index(stage)]]
    return [*out, {"stage": stage, "passed": False, "reason": reason, "detail": detail}]


NAME = {"kind": "name", "value": "structure"}
KEPT = [
    _sample("s1", "a", "CT", "single", [_target("liver", [10, 5, 20, 15])], "the liver",
            [NAME], "p1"),
    _sample("s2", "a", "CT", "disambiguation", [_target("lesion", [0, 0, 40, 20])],
            HOSTILE_QUERY, [NAME, {"kind": "size", "value": "small"}], "p1",
            distractors=[{"label": "lesion", "name": "lesion", "instance": 1,
                          "box": [30, 2, 36, 8], "area": 36, "centroid": None, "cues": {}}]),
    _sample("s3", "c", "MR", "multi", [_target("kidney_left", [0, 0, 10, 10]),
                                       _target("kidney_right", [20, 0, 30, 10])],
            "both kidneys on this slice please", None, "p2"),
    _sample("s4", "b", "CT", "single", [_target(HOSTILE, [0, 0, 40, 40])],
            "find it in the image and draw one box", [], "p3"),
]
REJECTED = [
    _sample("r1", "a", "CT", "single", [_target("liver", [30, 0, 50, 10])],
            "the liver on the left", [NAME], "p4",
            verdicts=_failed("geometry", "BOX_OUTSIDE_IMAGE", "x2 50 > width 40")),
    _sample(HOSTILE_ID, "b", "CT", "single", [_target("spleen", [0, 0, 64, 48])], "spleen", None,
            "p5", verdicts=_failed("judge", "NO_IMAGE_EVIDENCE", HOSTILE_DETAIL)),
]
UNREADABLE_REJECT = {"raw": "garbage", "verdicts": [
    {"stage": "format", "passed": False, "reason": "SCHEMA_INVALID", "detail": "not JSON"}]}

MANIFEST = {
    "name": "tiny <i>set</i>",
    "medground_version": "0.1.0",
    "box_convention": "pixel xyxy; x2,y2 exclusive",
    "cases": {"total": 5, "with_samples": 4, "empty": 0, "failed": 1, "duplicate": 0},
    "counts": {"images": 3, "kept": 4, "rejected": 4, "rejected/format/SCHEMA_INVALID": 2},
    "funnel": {"synthesized": 8, "kept": 4, "stages": [
        {"stage": "format", "entered": 8, "passed": 6, "rejected": {"SCHEMA_INVALID": 2}},
        {"stage": "geometry", "entered": 6, "passed": 5, "rejected": {"BOX_OUTSIDE_IMAGE": 1}},
        {"stage": "priors", "entered": 5, "passed": 5, "rejected": {}},
        {"stage": "judge", "entered": 5, "passed": 4, "rejected": {"NO_IMAGE_EVIDENCE": 1}}]},
    "config": {"source": {"license": "CC-BY <4.0>", "citation": None}},
}
SPLITS = {"version": 1, "plan": {"seed": 3, "ratios": [0.5, 0.25, 0.25]},
          "samples": {"s1": "train", "s2": "train", "s3": "test", "s4": "val"},
          "subsets": {"multi_object": ["s3"]}}
EVAL = {
    "split": "test",
    "counts": {"samples": 4, "scored": 3, "unparsed": 1, "request_errors": 0, "missing": 0,
               "multi_scored": 0},
    "coverage": 0.75,
    "single": {"acc@0.5": 0.6667, "miou": 0.5, "center_acc": 1.0},
    "single_ci95": {"acc@0.5": [0.25, 1.0]},
    "multi": {},
    "by": {"label": {HOSTILE: {"n": 1, "acc@0.5": 1.0, "miou": 0.9}}},
    "baselines": {"fitted_on": "train split", "fitted_samples": 2,
                  "whole_image": {"n": 3.0, "acc@0.5": 0.125, "miou": 0.25},
                  "mean_box_per_label": {"n": 3.0, "acc@0.5": 0.5, "miou": 0.375,
                                         "fallbacks": 1.0}},
}


def _jsonl(path: Path, records: list[Any]) -> None:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n"
                            for r in records), encoding="utf-8")


def make_tiny(root: Path) -> Path:
    """Write the tiny dataset into ``root`` and return it."""
    (root / "images").mkdir(parents=True)
    for name, (w, h, grey) in IMAGES.items():
        Image.fromarray(np.full((h, w), grey, np.uint8)).save(root / "images" / f"{name}.png")
    _jsonl(root / "samples.jsonl", KEPT)
    _jsonl(root / "rejects.jsonl", [*REJECTED, UNREADABLE_REJECT, "not json {"])
    _jsonl(root / "errors.jsonl", [
        {"case": "c9", "file": HOSTILE_FILE, "code": "UNREADABLE_FILE",
         "message": "cannot read <it>", "fatal": True},
        {"case": "c1", "file": "c1.nii.gz", "code": "LABEL_CONFLICT",
         "message": "labels a and b", "fatal": False},
        "{broken"])
    (root / "manifest.json").write_text(json.dumps(MANIFEST), encoding="utf-8")
    (root / "splits.json").write_text(json.dumps(SPLITS), encoding="utf-8")
    (root / "model.eval.json").write_text(json.dumps(EVAL), encoding="utf-8")
    (root / "broken.eval.json").write_text("{not json", encoding="utf-8")
    return root
