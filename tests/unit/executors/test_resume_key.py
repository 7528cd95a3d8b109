"""The resume key covers every input of the output: the config (pace-only VLM settings
excepted), the files it names, medground's version and the synthesizer / prompt versions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import medground
from conftest import read_jsonl, tree_bytes
from medground.build import build
from medground.config import BuildConfig, parse_config
from medground.demo.phantom import write_phantom_dataset
from medground.errors import ConfigError
from medground.executors import resume
from medground.executors.local import config_hash, shard_path
from medground.llm import prompts
from medground.stages.synth import template


@pytest.fixture(scope="module")
def phantom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_phantom_dataset(tmp_path_factory.mktemp("resume") / "data", n_cases=2, seed=3,
                                 orientations=("RAS",))
    labels = json.loads((root / "dataset.json").read_text())["labels"]
    (root / "names.json").write_text(json.dumps(labels))
    return root


def _config(root: Path, **source: Any) -> BuildConfig:
    raw: dict[str, Any] = {
        "name": "resume",
        "source": {"type": "nifti", "root": str(root), "images": "imagesTr/*.nii.gz",
                   "labels": "labelsTr/{case}.nii.gz", "label_names": "names.json", **source},
        "slicing": {"planes": ["axial"], "window": "abdomen"},
    }
    return parse_config(raw, base_dir=root)


@pytest.fixture()
def data(phantom: Path, tmp_path: Path) -> Path:
    """A private copy: tests edit the named files."""
    return Path(shutil.copytree(phantom, tmp_path / "data"))


def _interrupted(cfg: BuildConfig, out: Path) -> None:
    """A build whose second case never finished."""
    build(cfg, out)
    shard_path(out, "phantom_001").unlink()


def test_editing_a_label_names_file_refuses_the_resume(data: Path, tmp_path: Path) -> None:
    cfg, out = _config(data), tmp_path / "out"
    _interrupted(cfg, out)
    before = tree_bytes(out)
    names = json.loads((data / "names.json").read_text())
    names["1"] = "hepar"
    (data / "names.json").write_text(json.dumps(names))
    with pytest.raises(ConfigError) as err:
        build(_config(data), out)
    message = str(err.value)
    assert "label names file names.json changed since the build started" in message
    assert "--overwrite" in message and "another --out" in message
    assert tree_bytes(out) == before  # nothing was written: liver and hepar never mix
    build(_config(data), out, overwrite=True)
    labels = {t["label"] for s in read_jsonl(out / "samples.jsonl") for t in s["targets"]}
    assert "hepar" in labels and "liver" not in labels


def test_a_pace_only_setting_resumes(data: Path, tmp_path: Path) -> None:
    vlm = {"base_url": "http://127.0.0.1:9/v1", "model": "m", "requests_per_minute": 60}
    out = tmp_path / "out"
    first = _config(data).model_copy(update={"vlm": parse_config(
        {"source": {"type": "nifti", "root": "."}, "vlm": vlm}, base_dir=data).vlm})
    _interrupted(first, out)
    assert first.vlm is not None
    faster = first.model_copy(update={"vlm": first.vlm.model_copy(update={
        "requests_per_minute": 6000, "base_url": "http://127.0.0.1:10/v1", "timeout": 5.0})})
    assert config_hash(faster) == config_hash(first)
    done: list[str] = []
    build(faster, out, on_done=lambda case, status: done.append(case))
    assert done == ["phantom_001"]  # resumed: only the unfinished case ran
    other_model = first.model_copy(update={"vlm": first.vlm.model_copy(
        update={"model": "another"})})
    with pytest.raises(ConfigError, match="the configuration changed"):
        build(other_model, out)


def test_another_medground_version_refuses_the_resume(data: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    cfg, out = _config(data), tmp_path / "out"
    _interrupted(cfg, out)
    built_with = medground.__version__
    monkeypatch.setattr(medground, "__version__", "99.0.0")
    with pytest.raises(ConfigError) as err:
        build(cfg, out)
    assert f"medground version is 99.0.0, the build was made with {built_with}" in str(err.value)


def test_the_key_covers_dataset_json_and_per_pair_names(data: Path) -> None:
    msd = parse_config({"source": {"type": "nifti", "root": str(data),
                                   "dataset_json": "dataset.json"}}, base_dir=data)
    before = resume.inputs(msd)
    (data / "dataset.json").write_text((data / "dataset.json").read_text().replace(
        '"liver"', '"hepar"'))
    assert resume.changes(before, resume.inputs(msd)) == [
        "dataset.json file dataset.json changed since the build started"]
    (data / "pair_names.json").write_text(json.dumps({"1": "liver"}))
    pairs = parse_config({"source": {"type": "nifti", "root": str(data), "pairs": [
        {"image": "imagesTr/phantom_000.nii.gz", "label": "labelsTr/phantom_000.nii.gz",
         "label_names": "pair_names.json"}]}}, base_dir=data)
    before = resume.inputs(pairs)
    (data / "pair_names.json").write_text(json.dumps({"1": "hepar"}))
    assert resume.changes(before, resume.inputs(pairs)) == [
        "label names file pair_names.json changed since the build started"]


def test_the_key_covers_the_synthesizer_and_prompt_versions(
        data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    offline = _config(data)
    vlm_section = {"base_url": "http://127.0.0.1:9/v1", "model": "m"}
    with_vlm = parse_config({
        "source": {"type": "nifti", "root": str(data), "dataset_json": "dataset.json"},
        "queries": {"synthesizer": "vlm"},
        "verify": {"stages": ["format", "geometry", "vlm_judge"]}, "vlm": vlm_section,
    }, base_dir=data)
    keys = {id(c): config_hash(c) for c in (offline, with_vlm)}
    monkeypatch.setattr(prompts, "SYNTH_VERSION", "synth-v999")
    assert config_hash(with_vlm) != keys[id(with_vlm)]
    assert config_hash(offline) == keys[id(offline)]  # a template build sends no prompt
    monkeypatch.undo()
    monkeypatch.setattr(prompts, "JUDGE_VERSION", "judge-v999")
    assert config_hash(with_vlm) != keys[id(with_vlm)]
    monkeypatch.undo()
    monkeypatch.setattr(template, "VERSION", "template-v999")
    assert config_hash(offline) != keys[id(offline)]
    assert "template synthesizer version is template-v999" in "; ".join(
        resume.changes({**resume.inputs(offline), "template synthesizer version": "template-v1"},
                       resume.inputs(offline)))


def test_a_build_from_before_the_inputs_were_recorded_is_refused(data: Path,
                                                                 tmp_path: Path) -> None:
    cfg, out = _config(data), tmp_path / "out"
    _interrupted(cfg, out)
    (out / ".medground" / "run.json").write_text(json.dumps({"config_hash": "0" * 64}))
    with pytest.raises(ConfigError, match="did not record its inputs"):
        build(cfg, out)
