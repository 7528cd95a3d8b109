"""The build config's ``outputs``: splits, exports and the report after a build, outside the
resume key, and a bad outputs section that leaves the built dataset alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from conftest import read_jsonl
from medground.cli import app
from medground.config import parse_config
from medground.demo.phantom import write_phantom_dataset
from medground.errors import ConfigError
from medground.executors.local import config_hash


@pytest.fixture(scope="module")
def phantom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_phantom_dataset(tmp_path_factory.mktemp("outputs") / "data", n_cases=3, seed=5,
                                 orientations=("RAS",))


def _config(root: Path, outputs: dict[str, Any]) -> dict[str, Any]:
    return {"name": "outs", "source": {"type": "nifti", "root": str(root),
                                       "dataset_json": "dataset.json"},
            "slicing": {"planes": ["axial"], "window": "abdomen"}, "outputs": outputs}


def test_build_writes_splits_exports_and_report(phantom: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(yaml.safe_dump(_config(phantom, {
        "split": {"seed": 1, "ratios": [1, 0, 1]}, "exports": ["coco", "parquet"],
        "report": True})))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(cfg), "--out", str(out)])
    assert result.exit_code == 0, result.output
    splits = json.loads((out / "splits.json").read_text())
    assert splits["plan"]["seed"] == 1
    assert set(splits["samples"]) == {s["id"] for s in read_jsonl(out / "samples.jsonl")}
    assert (out / "exports" / "coco" / "instances.json").is_file()
    assert list((out / "exports" / "parquet" / "data").glob("*.parquet"))
    assert "<html" in (out / "report.html").read_text()[:200].lower()


def test_outputs_are_not_in_the_resume_key(phantom: Path) -> None:
    plain = parse_config(_config(phantom, {}), base_dir=phantom)
    more = parse_config(_config(phantom, {"exports": ["parquet"], "report": True}),
                        base_dir=phantom)
    assert config_hash(plain) == config_hash(more)


def test_bad_outputs_exit_2_and_keep_the_dataset(phantom: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(yaml.safe_dump(_config(phantom, {
        "split": {"held_out_labels": ["livr"]}})))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(cfg), "--out", str(out)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "did you mean 'liver'" in text and "is built" in text
    assert read_jsonl(out / "samples.jsonl")
    with pytest.raises(ConfigError, match="answer_format"):
        parse_config(_config(phantom, {"answer_format": "yolo"}), base_dir=phantom)
    with pytest.raises(ConfigError, match="exports"):
        parse_config(_config(phantom, {"exports": ["tfrecord"]}), base_dir=phantom)
