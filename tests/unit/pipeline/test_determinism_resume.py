"""Same inputs and config give byte-identical outputs; re-running into --out resumes."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from conftest import PROJECT, read_jsonl, read_manifest, tree_bytes
from medground.build import build
from medground.config import BuildConfig
from medground.demo.phantom import write_phantom_dataset
from medground.demo.run import demo_config
from medground.errors import ConfigError
from medground.executors.local import shard_path

GOLDEN = PROJECT / "tests" / "golden" / "phantom_axial.sha256"


@pytest.fixture(scope="module")
def phantom_cfg(tmp_path_factory: pytest.TempPathFactory) -> BuildConfig:
    root = write_phantom_dataset(tmp_path_factory.mktemp("phantom") / "data", n_cases=3, seed=5)
    return demo_config(root, planes=("axial", "coronal"))


def test_two_builds_are_byte_identical_whatever_the_worker_count(
    phantom_cfg: BuildConfig, tmp_path: Path
) -> None:
    build(phantom_cfg, tmp_path / "a", workers=1)
    build(phantom_cfg, tmp_path / "b", workers=2)
    a, b = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert sorted(a) == sorted(b)
    assert len([k for k in a if k.endswith(".png")]) > 10
    differing = [k for k in a if a[k] != b[k]]
    assert not differing


def test_golden_output(tmp_path: Path) -> None:
    """A fixed phantom build hashes to a recorded value. When an output change is intended,
    regenerate with MEDGROUND_UPDATE_GOLDEN=1 and say why in the commit."""
    root = write_phantom_dataset(tmp_path / "data", n_cases=1, seed=0, orientations=("LPS",))
    out = tmp_path / "out"
    build(demo_config(root, planes=("axial",)), out)
    files = tree_bytes(out)
    lines = [f"{hashlib.sha256(files[k]).hexdigest()}  {k}" for k in sorted(files)
             if k != "manifest.json"]  # the manifest records library versions and paths
    text = "\n".join(lines) + "\n"
    if os.environ.get("MEDGROUND_UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert GOLDEN.exists(), "golden file missing: run with MEDGROUND_UPDATE_GOLDEN=1"
    assert text == GOLDEN.read_text()


def test_rerun_skips_finished_cases_and_duplicates_nothing(
    phantom_cfg: BuildConfig, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = build(phantom_cfg, out)
    before = tree_bytes(out)
    done: list[str] = []
    second = build(phantom_cfg, out, on_done=lambda case, status: done.append(case))
    assert done == [] and second["resumed_cases"] == 3
    assert tree_bytes(out) == before
    ids = [s["id"] for s in read_jsonl(out / "samples.jsonl")]
    assert len(ids) == len(set(ids)) == first["counts"]["kept"]


def test_interrupted_build_completes_to_the_same_result(
    phantom_cfg: BuildConfig, tmp_path: Path
) -> None:
    reference = tmp_path / "ref"
    build(phantom_cfg, reference)
    out = tmp_path / "out"
    build(phantom_cfg, out)
    # simulate a crash after the first case: later shards and the merged files never written
    for name in ("samples.jsonl", "rejects.jsonl", "errors.jsonl", "manifest.json"):
        (out / name).unlink()
    for case in ("phantom_001", "phantom_002"):
        shard_path(out, case).unlink()
    shutil.rmtree(out / "images" / "phantom_002")
    done: list[str] = []
    build(phantom_cfg, out, on_done=lambda case, status: done.append(case))
    assert done == ["phantom_001", "phantom_002"]
    assert tree_bytes(out) == tree_bytes(reference)


def test_rerun_with_another_config_is_refused(phantom_cfg: BuildConfig, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(phantom_cfg, out)
    other = phantom_cfg.model_copy(update={"name": "renamed"})
    with pytest.raises(ConfigError, match="different configuration"):
        build(other, out)
    manifest = build(other, out, overwrite=True)
    assert manifest["name"] == "renamed"
    assert read_manifest(out)["name"] == "renamed"
