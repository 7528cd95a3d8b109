"""``medground build --memory-budget``: the size reaches the VLM settings the executor reads,
a size that cannot be read exits 2, an offline build accepts it (it opens one case at a time
per worker), and the resume command repeats it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medground.cli import app
from medground.config import BuildConfig

runner = CliRunner()
OFFLINE = ("source:\n  type: folder2d\n  root: data\n  images: images/*.png\n"
           "  masks: masks/{stem}.png\n")
VLM = OFFLINE + "vlm:\n  base_url: http://127.0.0.1:9/v1\n  model: m\n"


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[BuildConfig]:
    """The configs ``build`` is called with; nothing is built (the run stops with Ctrl-C,
    whose message carries the resume command)."""
    got: list[BuildConfig] = []

    def fake_build(cfg: BuildConfig, out: Path, **kwargs: Any) -> dict[str, Any]:
        got.append(cfg)
        raise KeyboardInterrupt

    monkeypatch.setattr("medground.build.build", fake_build)
    return got


@pytest.mark.parametrize(("text", "config", "expected"), [
    ("6G", VLM, 6 * 2**30), ("512MiB", VLM, 512 * 2**20), ("6G", OFFLINE, None),
], ids=["vlm", "mib", "offline"])
def test_the_budget_reaches_the_vlm_settings(tmp_path: Path, seen: list[BuildConfig],
                                             text: str, config: str,
                                             expected: int | None) -> None:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(config)
    (tmp_path / "data").mkdir()
    result = runner.invoke(app, ["build", str(cfg), "--out", str(tmp_path / "out"),
                                 "--memory-budget", text, "-q"])
    assert result.exit_code == 130, result.output
    [built] = seen
    assert (built.vlm.memory_budget if built.vlm is not None else None) == expected
    assert f"--memory-budget {text}" in " ".join(result.output.split())


def test_an_unreadable_size_exits_2(tmp_path: Path, seen: list[BuildConfig]) -> None:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(VLM)
    result = runner.invoke(app, ["build", str(cfg), "--out", str(tmp_path / "out"),
                                 "--memory-budget", "lots"])
    assert result.exit_code == 2 and "--memory-budget" in result.output
    assert "not a size" in result.output and not seen
