"""lmms-eval 0.7.3 runs the exported task folder and reports what ``medground eval`` reports.

A small demo dataset is split and exported; canned answers (exact, shifted, wrong, grown boxes,
several boxes, unparseable text, multi-target answers with and without extra boxes) go through
lmms-eval's own machinery: ``simple_evaluate`` with a model class that answers from the canned
table (it calls the task's ``doc_to_visual`` as a real model would), and the ``lmms-eval`` CLI
with ``--model dummy --include_path``. The same answers, written as ``medground predict``
records, are scored by ``medground eval``; every metric must be equal.

The dataset is conftest's ``demo`` (two patients, one in test: 90 samples, 20 multi-target);
conftest's ``medground`` fixture runs the commands.
lmms-eval runs in a subprocess that inherits conftest's environment (caches in a temporary
folder, the Hub offline). Runs in the frameworks venv (scripts/frameworks-venv.sh: `make
test-frameworks`); skipped where lmms-eval is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from medground.dataset import read_samples
from medground.eval.boxes import from_pixels, input_size
from medground.eval.predict import _record, prompt
from medground.eval.score import evaluate
from medground.exports.lmms_eval import task_name
from medground.llm.client import Completion
from medground.splits import load_splits
from medground.types import Sample

pytestmark = pytest.mark.skipif(importlib.util.find_spec("lmms_eval") is None,
                                reason="lmms-eval is not installed (use .venv-frameworks)")

#: simple_evaluate with a model that answers from a JSON table {sample id: answer}; prints what
#: the model was shown and the task's results as JSON
DRIVER = '''
import json, sys
from lmms_eval.api.model import lmms
from lmms_eval.evaluator import simple_evaluate
from lmms_eval.tasks import TaskManager

folder, task, answers_path, out_path = sys.argv[1:]
answers = json.load(open(answers_path, encoding="utf-8"))


class Canned(lmms):
    def __init__(self):
        super().__init__()
        self.seen = {}

    def generate_until(self, requests):
        out = []
        for request in requests:
            context, _, doc_to_visual, doc_id, name, split = request.args
            doc = self.task_dict[name][split][doc_id]
            images = doc_to_visual(doc)
            self.seen[doc["id"]] = {"context": context, "sizes": [list(i.size) for i in images]}
            out.append(answers[doc["id"]])
        return out

    def loglikelihood(self, requests):
        raise NotImplementedError

    def generate_until_multi_round(self, requests):
        raise NotImplementedError


model = Canned()
result = simple_evaluate(model=model, tasks=[task], bootstrap_iters=0, log_samples=True,
                         task_manager=TaskManager(include_path=folder, include_defaults=False))
logged = {s["doc"]["id"]: s["miou"]["boxes_px"] for s in result["samples"][task]}
json.dump({"results": result["results"][task], "seen": model.seen, "logged": logged},
          open(out_path, "w", encoding="utf-8"))
'''


def _test_samples(dataset: Path) -> list[Sample]:
    splits = load_splits(dataset)
    return [s for s in read_samples(dataset) if splits.of(s.id) == "test"]


Medground = Callable[..., str]


def _export(medground: Medground, dataset: Path, out: Path, fmt: str) -> tuple[Path, str]:
    assert "split test" in medground("export", str(dataset), "--out", str(out), "--format",
                                     "lmms-eval", "--answer-format", fmt)
    return out, task_name(dataset)


def _model_box(s: Sample, fmt: str, box: tuple[float, float, float, float]) -> list[float]:
    """A PNG pixel box as a model using ``fmt`` writes it on the image it is sent."""
    sw, sh = input_size(fmt, s.width, s.height)
    sx, sy = sw / s.width, sh / s.height
    return list(from_pixels((box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy), fmt, sw, sh))


def _text(box: list[float]) -> str:
    return ", ".join(f"{v:g}" for v in box)


UNPARSEABLE = ("I cannot locate it.", "There is nothing like that here.")


def _answers(samples: list[Sample], fmt: str) -> dict[str, str]:
    """A mix of answers in ``fmt`` (kinds taken in turn among single- and multi-target
    samples)."""
    answers: dict[str, str] = {}
    singles = multis = 0
    for s in samples:
        boxes = [(float(t.box[0]), float(t.box[1]), float(t.box[2]), float(t.box[3]))
                 for t in s.targets]
        x1, y1, x2, y2 = boxes[0]
        w, h = x2 - x1, y2 - y1
        if len(boxes) > 1:
            kind, multis = multis % 3, multis + 1
            if kind == 0:  # every target, in reverse order
                answers[s.id] = json.dumps([{"bbox_2d": _model_box(s, fmt, b), "label": "x"}
                                            for b in reversed(boxes)])
            elif kind == 1:  # the first target and a wrong extra box
                answers[s.id] = (f"[{_text(_model_box(s, fmt, boxes[0]))}] and "
                                 f"[{_text(_model_box(s, fmt, (0, 0, 3, 3)))}]")
            else:
                answers[s.id] = UNPARSEABLE[1]
            continue
        kind, singles = singles % 6, singles + 1
        if kind == 0:  # exact, in a code fence
            exact = _text(_model_box(s, fmt, boxes[0]))
            answers[s.id] = f'```json\n[{{"bbox_2d": [{exact}], "label": "x"}}]\n```'
        elif kind == 1:  # shifted right by half its width
            answers[s.id] = f"[{_text(_model_box(s, fmt, (x1 + w / 2, y1, x2 + w / 2, y2)))}]"
        elif kind == 2:  # mirrored through the image centre: mostly wrong
            mirrored = (s.width - x2, s.height - y2, s.width - x1, s.height - y1)
            answers[s.id] = f"[{_text(_model_box(s, fmt, mirrored))}]"
        elif kind == 3:
            answers[s.id] = UNPARSEABLE[0]
        elif kind == 4:  # two boxes: the first (the one scored) a little off, the second exact
            a = _model_box(s, fmt, (x1 + w / 5, y1, x2 + w / 5, y2))
            b = _model_box(s, fmt, boxes[0])
            answers[s.id] = (f"<|box_start|>({a[0]:g},{a[1]:g}),({a[2]:g},{a[3]:g})<|box_end|> "
                             f"<|box_start|>({b[0]:g},{b[1]:g}),({b[2]:g},{b[3]:g})<|box_end|>")
        else:  # grown by a quarter on every side, as prose
            v = _model_box(s, fmt, (x1 - w / 4, y1 - h / 4, x2 + w / 4, y2 + h / 4))
            answers[s.id] = f"x1={v[0]:g}, y1={v[1]:g}, x2={v[2]:g}, y2={v[3]:g}"
    return answers


def _medground_eval(dataset: Path, samples: list[Sample], fmt: str, answers: dict[str, str],
                    path: Path) -> tuple[dict[str, Any], dict[str, list[list[float]]]]:
    """``medground eval`` of the answers written as ``medground predict`` records."""
    records = []
    for s in samples:
        sizes = ((s.width, s.height), input_size(fmt, s.width, s.height))
        records.append(_record({"id": s.id, "query": s.query}, fmt,
                               Completion(text=answers[s.id]), None, sizes))
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return evaluate(path, dataset), {r["id"]: r["boxes_px"] for r in records}


def _expected(result: dict[str, Any]) -> dict[str, float]:
    c = result["counts"]
    m = result["multi"]
    return {**result["single"], "scored": c["scored"], "multi_scored": c["multi_scored"],
            "unparsed": c["unparsed"], "coverage": result["coverage"],
            "multi_precision": m["precision"], "multi_recall": m["recall"], "multi_f1": m["f1"]}


def _reported(results: dict[str, Any]) -> dict[str, float]:
    """``metric,none`` values (lmms-eval's key: metric and filter), stderr entries left out."""
    return {k.split(",")[0]: v for k, v in results.items()
            if k.endswith(",none") and "_stderr" not in k}


@pytest.mark.parametrize("fmt", ["qwen2.5-vl", "internvl-999"])
def test_simple_evaluate_reports_the_numbers_of_medground_eval(
        demo: Path, medground: Medground, tmp_path: Path, fmt: str) -> None:
    dataset = demo
    folder, task = _export(medground, dataset, tmp_path / "task", fmt)
    samples = _test_samples(dataset)
    answers = _answers(samples, fmt)
    (tmp_path / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
    (tmp_path / "driver.py").write_text(DRIVER, encoding="utf-8")
    run = subprocess.run([sys.executable, str(tmp_path / "driver.py"), str(folder), task,
                          str(tmp_path / "answers.json"), str(tmp_path / "out.json")],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    got = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    mg, boxes = _medground_eval(dataset, samples, fmt, answers, tmp_path / "pred.jsonl")

    # the model was asked every test sample once, as medground predict asks it
    assert sorted(got["seen"]) == sorted(s.id for s in samples)
    for s in samples:
        sent = input_size(fmt, s.width, s.height)
        assert got["seen"][s.id] == {"context": prompt(s.query, fmt, *sent),
                                     "sizes": [list(sent)]}
    assert fmt != "qwen2.5-vl" or any(input_size(fmt, s.width, s.height) != (s.width, s.height)
                                      for s in samples)  # the resize path is exercised
    # the same boxes per sample, the same scores overall
    assert got["logged"] == boxes
    reported, expected = _reported(got["results"]), _expected(mg)
    assert reported == expected
    # and the canned mix makes every score informative
    unparseable = sum(a in UNPARSEABLE for a in answers.values())
    assert reported["unparsed"] == unparseable > 0
    assert reported["multi_scored"] > 0 and 0 < reported["multi_f1"] < 1
    assert 0 < reported["acc@0.9"] < reported["acc@0.1"] < 1
    assert 0 < reported["center_acc"] < 1 and 0 < reported["coverage"] < 1


def test_lmms_eval_cli_runs_the_task_folder_with_the_dummy_model(
        demo: Path, medground: Medground, tmp_path: Path) -> None:
    dataset = demo
    fmt = "qwen2.5-vl"
    folder, task = _export(medground, dataset, tmp_path / "task", fmt)
    answer = "x1=20 y1=40 x2=60 y2=70"  # one box for every sample (no comma: --model_args)
    run = subprocess.run([sys.executable, "-m", "lmms_eval", "--model", "dummy", "--model_args",
                          f"response={answer}", "--tasks", task, "--include_path", str(folder),
                          "--batch_size", "1", "--output_path", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    (results,) = (tmp_path / "out").rglob("*_results.json")
    got = json.loads(results.read_text(encoding="utf-8"))["results"][task]
    samples = _test_samples(dataset)
    mg, _ = _medground_eval(dataset, samples, fmt, dict.fromkeys((s.id for s in samples),
                                                                 answer), tmp_path / "p.jsonl")
    reported = _reported(got)
    assert reported == _expected(mg)
    assert reported["scored"] + reported["multi_scored"] == len(samples)
