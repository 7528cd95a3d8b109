"""Ctrl-C during ``medground build``: no traceback, the pool stopped, finished shards kept, a
message saying how to resume, exit 130; the resumed run gives the uninterrupted build's bytes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from conftest import tree_bytes
from medground.cli import app

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and process groups"),
]

N_CASES = 60
# the child gets Python's own SIGINT handler even when the test runner was started with SIGINT
# ignored (a background job of a non-interactive shell), as a terminal user's build has it
RUN_CLI = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
           "from medground.cli import app; sys.argv[0] = 'medground'; app()")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """Generated 2D cases and the bytes of their uninterrupted build."""
    base = tmp_path_factory.mktemp("interrupt")
    root = base / "data"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[:96, :96]
    for i in range(N_CASES):
        mask = (((yy - 30 - i % 20) ** 2 + (xx - 40 - i % 15) ** 2 <= 100)
                | ((yy - 70) ** 2 + (xx - 60) ** 2 <= 64))
        image = rng.normal(60, 8, (96, 96))
        image[mask] += 120
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(root / f"images/c{i:03d}.png")
        Image.fromarray((mask * 255).astype(np.uint8)).save(root / f"masks/c{i:03d}.png")
    cfg = base / "cfg.yaml"
    cfg.write_text("source:\n  type: folder2d\n  root: data\n  images: images/*.png\n"
                   "  masks: masks/{stem}.png\n  mask_mode: binary\n  label: polyp\n")
    reference = base / "reference"
    result = CliRunner().invoke(app, ["build", str(cfg), "--out", str(reference), "-q"])
    assert result.exit_code == 0, result.output
    return cfg, tree_bytes(reference)


def _interrupt(cfg: Path, out: Path, workers: int, whole_group: bool) -> tuple[int, str, int]:
    """Start a build, send SIGINT once its first shard exists; exit code, stderr, shards."""
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, "build", str(cfg), "--out", str(out),
         "--workers", str(workers)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "COLUMNS": "200"})
    shards = out / ".medground" / "shards"
    deadline = time.monotonic() + 120
    try:
        while not (shards.is_dir() and any(shards.glob("*.json"))):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no shard within 120 s"
            time.sleep(0.02)
        if whole_group:  # what a terminal does: every process of the group gets it
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, err, len(list(shards.glob("*.json")))


@pytest.mark.parametrize(("workers", "whole_group"), [(2, True), (2, False), (1, True)],
                         ids=["pool-terminal", "pool-main-only", "one-worker"])
def test_ctrl_c_stops_cleanly_and_the_same_command_resumes(
    dataset: tuple[Path, dict[str, bytes]], tmp_path: Path, workers: int, whole_group: bool
) -> None:
    cfg, reference = dataset
    out = tmp_path / "out"
    code, err, finished = _interrupt(cfg, out, workers, whole_group)
    text = " ".join(err.split())
    assert code == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert 0 < finished < N_CASES, "the build ended before the interrupt: nothing was tested"
    assert f"interrupted: {finished} of {N_CASES} cases finished and kept in {out}" in text
    again = f"medground build {cfg} --out {out}" + (f" --workers {workers}" if workers > 1 else "")
    assert "To resume, run the same command again (finished cases are skipped)" in text
    assert again in text
    assert not list(out.rglob("*.tmp")), "a stopped worker left a temporary file"
    assert not (out / "samples.jsonl").exists()  # nothing merged from a partial run

    resumed = subprocess.run(
        [sys.executable, "-c", RUN_CLI, "build", str(cfg), "--out", str(out),
         "--workers", str(workers)], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming: {finished} of {N_CASES} cases already finished" in resumed.stderr
    assert tree_bytes(out) == reference
