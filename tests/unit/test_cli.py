"""The command line: build, inspect, demo; config errors exit 2 with a hint."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from conftest import read_jsonl, read_manifest
from medground import __version__
from medground.cli import app

runner = CliRunner()


def _dataset(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i in range(3):
        img = np.full((40, 50), 30 + i, np.uint8)
        mask = np.zeros((40, 50), np.uint8)
        mask[10 + i : 20 + i, 5:25] = 255
        img[mask > 0] = 200  # the structure shows in the image
        Image.fromarray(img).save(root / "images" / f"c{i}.png")
        Image.fromarray(mask).save(root / "masks" / f"c{i}.png")
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("source:\n  type: folder2d\n  root: data\n  images: images/*.png\n"
                   "  masks: masks/{stem}.png\n  mask_mode: binary\n  label: polyp\n")
    return cfg


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.stdout


def test_build_then_resume(tmp_path: Path) -> None:
    cfg = _dataset(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(cfg), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert str(out / "samples.jsonl") in result.stdout
    assert len(read_jsonl(out / "samples.jsonl")) == 3
    assert read_manifest(out)["name"] == "cfg"
    again = runner.invoke(app, ["build", str(cfg), "--out", str(out)])
    assert again.exit_code == 0 and "resuming: 3 of 3" in again.output
    assert len(read_jsonl(out / "samples.jsonl")) == 3


def test_inspect_writes_nothing(tmp_path: Path) -> None:
    cfg = _dataset(tmp_path)
    before = sorted(p for p in tmp_path.rglob("*"))
    result = runner.invoke(app, ["inspect", str(cfg), "--json"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 3 and '"labels": ["polyp"]' in lines[0]
    assert sorted(p for p in tmp_path.rglob("*")) == before


def test_unknown_key_exits_2_with_hint(tmp_path: Path) -> None:
    cfg = _dataset(tmp_path)
    cfg.write_text(cfg.read_text() + "slicing:\n  plane: [axial]\n")
    result = runner.invoke(app, ["build", str(cfg), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "did you mean 'planes'" in result.output
    assert not (tmp_path / "o").exists()


def test_demo_writes_dataset_and_says_where(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out), "--cases", "2"])
    assert result.exit_code == 0, result.output
    manifest = read_manifest(out)
    assert manifest["cases"]["with_samples"] == 2 and manifest["counts"]["kept"] > 20
    assert str(out / "samples.jsonl") in result.stdout
    rerun = runner.invoke(app, ["demo", "--out", str(out), "--cases", "2", "--overwrite", "-q"])
    assert rerun.exit_code == 0, rerun.output


def test_demo_with_relative_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["demo", "--out", "rel/demo", "--cases", "1", "-q"])
    assert result.exit_code == 0, result.output
    assert read_manifest(tmp_path / "rel" / "demo")["cases"]["with_samples"] == 1


def test_demo_splits_exports_parquet_writes_the_report_and_prints_its_path(
        tmp_path: Path) -> None:
    """What `make demo` shows besides the samples: splits.json, the Parquet export with its
    card, and the report, whose path is printed."""
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out), "--cases", "2"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "splits.json").read_text())["samples"]
    assert list((out / "exports" / "parquet" / "data").glob("*.parquet"))
    assert (out / "exports" / "parquet" / "README.md").read_text().startswith("---")
    assert f"report: open {(out / 'report.html').resolve()} in a browser" in result.output
