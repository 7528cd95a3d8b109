"""Do kept samples mean what their queries say? (issue 9)

Builds generated data sets with known truth for every failure class (3D lesions that fragment
on a slice and a diffuse edema, thin vessel trees, parent/child masks and duplicate labels,
sides with a midline in view, a 30 mm crop, a NIfTI without orientation, brightfield H&E tiles,
a per-target folder whose file names carry modality and target), then reads every kept query
with the audit below — written here from the wording of clinical English, importing nothing from
medground's synthesizers or verifier — and counts kept samples whose count, side, parent/child
or modality claim is false against the generator's truth. Also reports the yield (kept share) of
every set and of the built-in demo.

Targets: 0 false claims; demo yield above 50 %. Exits 1 on a miss.

    python benchmarks/semantic_audit.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from medground.build import build
from medground.config import parse_config
from medground.demo.phantom import write_phantom_dataset
from medground.demo.run import demo_config
from medground.testing import semantic_scenes
from medground.testing.semantic_scenes import SceneSet, Truth

NUMBERS = {"both": 2, "two": 2, "pair": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
#: the noun a reader would use for each label of the generated sets, singular and plural
NOUNS = {"lesion": r"lesions?", "edema": r"edemas?|oedemas?", "vessel": r"vessels?|vasculature",
         "structure": r"structures?", "kidney": r"kidneys?|renal", "adrenal gland":
         r"adrenal glands?|adrenals?", "spleen": r"spleens?", "nucleus": r"nucle(?:us|i)",
         "cyst": r"cysts?", "nodule": r"nodules?", "heart": r"hearts?", "liver": r"livers?"}
#: words that rank one instance against others of its kind: they imply at least two
RANKING = r"larger|smaller|bigger|largest|smallest|biggest|second|third|other|another"
ABSOLUTE_SIDE = re.compile(r"on the patient'?s (left|right)|in the patient'?s (left|right) half|"
                           r"on the (left|right) side of the patient|patient'?s (left|right) side")
PATIENT_FRAME = re.compile(r"patient|\b(anterior|posterior|superior|inferior|cranial|caudal|"
                           r"medial|lateral|ventral|dorsal)\w*", re.IGNORECASE)
MODALITY_WORDS = {
    "CT": r"\bCT\b|computed tomography|hyperdense|hypodense|isodense|attenuat",
    "MR": r"\bMRI?\b|magnetic resonance|\bT[12]\b|FLAIR|hyperintense|hypointense",
    "fluorescence": r"fluorescen",
    "histopathology": r"H&E|ha?ematoxylin|eosin|histolog|histopatholog",
    "fundus": r"fundus|fundoscop",
    "X-ray": r"x-ray|radiograph",
    "ultrasound": r"ultrasound|sonograph|echoic",
    "endoscopy": r"endoscop|colonoscop",
    "dermoscopy": r"dermoscop|dermatoscop",
}


def noun_of(label: str) -> str | None:
    words = label.lower().replace("_", " ").replace("+", " ")
    for noun in NOUNS:
        if re.search(rf"\b{noun}\b", words) or (noun == "vessel" and "vessel" in words):
            return noun
    return None


def count_claims(query: str) -> list[tuple[str, int]]:
    """(noun, n) for every 'two lesions' / 'both kidneys'; n = -2 for 'at least two' (a
    ranking word or a bare plural with 'the' / 'all')."""
    q = query.lower()
    out = []
    for noun, pattern in NOUNS.items():
        for m in re.finditer(rf"\b({'|'.join(NUMBERS)})\b(?:\W+[\w-]+){{0,3}}?\W+({pattern})\b", q):
            out.append((noun, NUMBERS[m.group(1)]))
        if re.search(rf"\b({RANKING})\b(?:\W+[\w-]+){{0,3}}?\W+({pattern})\b", q) or \
                re.search(rf"\ball (?:the |of the )?(?:[\w-]+ ){{0,2}}({pattern})\b", q):
            out.append((noun, -2))
    return out


def audit_sample(s: dict[str, Any], truth: Truth) -> list[str]:
    """The false claims of one kept sample, as short reasons."""
    bad = []
    query, case = s["query"], s["case"]
    for label in {t["label"] for t in s["targets"]}:
        if label in truth.forbidden_targets:
            bad.append(f"parent/conflicting label {label!r} is a target")
    for noun, n in count_claims(query):
        true = truth.count(case, s["plane"], s["slice"], noun)
        if true is None:
            continue
        if (n == -2 and true < 2) or (n > 0 and n != true):
            bad.append(f"count: {noun} x{'2+' if n == -2 else n}, truth {true}")
    if s["task"] == "multi":
        nouns = {noun_of(t["label"]) for t in s["targets"]}
        noun = nouns.pop() if len(nouns) == 1 else None
        true = None if noun is None else truth.count(case, s["plane"], s["slice"], noun)
        if true is not None and len(s["targets"]) != true:
            bad.append(f"multi: {len(s['targets'])} boxes for {true} {noun}")
    side = ABSOLUTE_SIDE.search(query)
    if side:
        said = next(g for g in side.groups() if g)
        if case in truth.no_patient_side:
            bad.append(f"side {said!r} without a midline or orientation")
        for t in s["targets"]:
            if truth.side.get(t["label"], said) != said:
                bad.append(f"side {said!r}, truth {truth.side[t['label']]}")
    if case in truth.no_patient_frame and PATIENT_FRAME.search(query):
        bad.append("patient-frame word on a volume without orientation")
    modality = truth.modality.get(case)
    if modality is not None:
        if s["modality"] != modality:
            bad.append(f"modality {s['modality']!r}, truth {modality!r}")
        for other, pattern in MODALITY_WORDS.items():
            if other != modality and re.search(pattern, query, re.IGNORECASE):
                bad.append(f"{other} wording on {modality}")
    return bad


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text().splitlines() if x] if path.exists() else []


def run_set(scene: SceneSet, out: Path) -> dict[str, Any]:
    build(parse_config(scene.config, base_dir=out.parent), out)
    kept, rejected = read_jsonl(out / "samples.jsonl"), read_jsonl(out / "rejects.jsonl")
    errors = read_jsonl(out / "errors.jsonl")
    false = [(s["query"], b) for s in kept for b in audit_sample(s, scene.truth)]
    missing = [f"{case}: no {code} record" for case, code in scene.truth.expected_errors.items()
               if not any(e["case"] == case and e["code"] == code for e in errors)]
    return {"kept": len(kept), "rejected": len(rejected), "false": false, "missing": missing,
            "errors": Counter(e["code"] for e in errors)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", type=Path, help="write the generated data and builds here")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    base = args.keep or Path(tmp.name)
    ok = True
    total_false = 0
    print(f"{'set':28} {'kept':>5} {'rejected':>8} {'yield':>6} {'false':>5}  errors")
    for writer in semantic_scenes.ALL:
        for scene in writer(base / "data" / writer.__name__):
            r = run_set(scene, base / "out" / scene.name.replace("/", "_"))
            n = r["kept"] + r["rejected"]
            total_false += len(r["false"])
            print(f"{scene.name:28} {r['kept']:5d} {r['rejected']:8d} "
                  f"{r['kept'] / max(n, 1):6.0%} {len(r['false']):5d}  {dict(r['errors'])}")
            for query, why in r["false"][:5]:
                print(f"    FALSE {why}: {query!r}")
            for miss in r["missing"]:
                print(f"    MISSING {miss}")
                ok = False
            if r["kept"] == 0:
                print("    no kept samples: the set tests nothing")
                ok = False
    demo_root = base / "data" / "demo"
    write_phantom_dataset(demo_root)
    demo_out = base / "out" / "demo"
    build(demo_config(demo_root), demo_out)
    kept, rejected = len(read_jsonl(demo_out / "samples.jsonl")), len(read_jsonl(demo_out / "rejects.jsonl"))
    demo_yield = kept / max(kept + rejected, 1)
    print(f"{'demo (phantom CT)':28} {kept:5d} {rejected:8d} {demo_yield:6.0%}")
    verdict = total_false == 0 and demo_yield > 0.5 and ok
    print(f"\nfalse claims in kept samples: {total_false} (target 0); demo yield "
          f"{demo_yield:.1%} (target > 50 %): {'PASS' if verdict else 'FAIL'}")
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
