"""``medground report`` on a real build (the 2-case phantom demo): the page's figures agree with
counts taken here straight from the dataset's JSON lines, and the output is deterministic."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import read_jsonl, read_manifest
from medground.cli import app
from medground.report.data import gather


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report-demo") / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--cases", "2", "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def test_report_command_writes_the_page_where_asked(demo: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["report", str(demo), "--out", str(tmp_path / "a.html")])
    second = runner.invoke(app, ["report", str(demo), "--out", str(tmp_path / "b.html")])
    assert first.exit_code == second.exit_code == 0, first.output
    assert first.stdout.strip() == str(tmp_path / "a.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    default = runner.invoke(app, ["report", str(demo)])
    assert default.exit_code == 0 and default.stdout.strip() == str(demo / "report.html")
    assert (demo / "report.html").read_bytes() == (tmp_path / "a.html").read_bytes()


def test_report_of_a_folder_that_is_no_dataset_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "samples.jsonl is missing" in result.output
    assert not (tmp_path / "report.html").exists()


def test_figures_match_the_dataset_files(demo: Path) -> None:
    kept = read_jsonl(demo / "samples.jsonl")
    rejected = read_jsonl(demo / "rejects.jsonl")
    manifest = read_manifest(demo)
    f = gather(demo)
    assert f.kept == len(kept) == manifest["funnel"]["kept"]
    assert f.rejects.records == len(rejected)
    assert f.warnings == ()  # a fresh build adds up
    labels = Counter(label for s in kept for label in {t["label"] for t in s["targets"]})
    rows = next(d for d in f.distributions if d.key == "label").rows
    assert {r.value: r.kept for r in rows} == dict(labels)
    tasks = Counter(s["task"] for s in kept)
    assert {r.value: r.kept for r in next(d for d in f.distributions if d.key == "task").rows} \
        == dict(tasks)
    splits = json.loads((demo / "splits.json").read_text(encoding="utf-8"))["samples"]
    assert f.splits is not None
    assert {r.split: r.samples for r in f.splits.rows} == dict(Counter(splits.values()))
    reasons = Counter(next(v["reason"] for v in s["verdicts"] if not v["passed"])
                      for s in rejected)
    assert {r: n for _, r, n in f.rejects.by_reason} == dict(reasons)
    assert len(f.gallery.cards) > 0
