"""Install hints reach the terminal whole: `medground[itk]` is text, not a rich style tag."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medground.cli import app

runner = CliRunner()


def _mha_config(tmp_path: Path) -> Path:
    for name in ("img.mha", "lab.mha"):
        (tmp_path / name).write_bytes(b"ObjectType = Image\n")  # never opened: no SimpleITK
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("source:\n  type: itk\n  root: .\n  modality: CT\n"
                   "  pairs:\n    - {image: img.mha, label: lab.mha, case: c1}\n")
    return cfg


def test_inspect_table_prints_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "SimpleITK", None)  # makes `import SimpleITK` fail
    result = runner.invoke(app, ["inspect", str(_mha_config(tmp_path))], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "img.mha" in result.stdout and "needs SimpleITK" in result.stdout
    assert "pip install 'medground[itk]'" in result.stdout


def test_inspect_json_carries_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "SimpleITK", None)
    result = runner.invoke(app, ["inspect", str(_mha_config(tmp_path)), "--json"])
    assert result.exit_code == 0, result.output
    assert "medground[itk]" in result.stdout


def test_config_error_keeps_brackets(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("source:\n  type: folder2d\n  root: .\n  images: '*.png'\n"
                   "  masks: 'm/{stem}.png'\n  '[itk]': 1\n")
    result = runner.invoke(app, ["inspect", str(cfg)], env={"COLUMNS": "400"})
    assert result.exit_code == 2
    assert "source.folder2d.[itk]: unknown key" in result.output
