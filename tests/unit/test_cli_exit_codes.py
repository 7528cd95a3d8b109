"""``medground build`` exit codes tell the truth: 2 for a configuration that finds no case,
1 when every case failed (or with --strict, any error record), 0 otherwise, listing failures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from conftest import read_jsonl, read_manifest
from medground.cli import app

runner = CliRunner()

CONFIG = ("source:\n  type: folder2d\n  root: {root}\n  images: {images}\n"
          "  masks: masks/{{stem}}.png\n  mask_mode: {mode}\n{extra}")


def _case(root: Path, name: str, value: int = 255, junk: bool = False, extra: int = 0) -> None:
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "masks").mkdir(exist_ok=True)
    img = np.full((40, 50), 30, np.uint8)
    mask = np.zeros((40, 50), np.uint8)
    mask[10:20, 5:25] = value
    if extra:
        mask[28:36, 30:44] = extra
    img[mask > 0] = 200
    Image.fromarray(img).save(root / "images" / f"{name}.png")
    if junk:
        (root / "masks" / f"{name}.png").write_bytes(b"not an image at all")
    else:
        Image.fromarray(mask).save(root / "masks" / f"{name}.png")


def _config(tmp_path: Path, root: str = "data", images: str = "images/*.png",
            label_map: bool = False) -> Path:
    mode, extra = ("label_map", "  label_names: {255: polyp}\n") if label_map else \
        ("binary", "  label: polyp\n")
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(CONFIG.format(root=root, images=images, mode=mode, extra=extra))
    return cfg


def _build(cfg: Path, out: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["build", str(cfg), "--out", str(out), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


def test_missing_root_is_a_config_error(tmp_path: Path) -> None:
    code, text = _build(_config(tmp_path, root="no_such_folder"), tmp_path / "out")
    assert code == 2
    assert f"source.root {tmp_path / 'no_such_folder'} does not exist" in text
    assert not (tmp_path / "out").exists()  # a configuration error writes nothing


def test_root_that_is_a_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file")
    code, text = _build(_config(tmp_path), tmp_path / "out")
    assert code == 2 and "is not a folder" in text


def test_no_matching_files_names_pattern_and_root(tmp_path: Path) -> None:
    _case(tmp_path / "data", "c0")
    code, text = _build(_config(tmp_path, images="images/*.jpg"), tmp_path / "out")
    assert code == 2
    assert f"0 cases: no file matches `images: images/*.jpg` under {tmp_path / 'data'}" in text
    assert not (tmp_path / "out").exists()


def test_zero_cases_from_an_empty_nnunet_folder(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "labelsTr").mkdir(parents=True)
    (root / "dataset.json").write_text(json.dumps({"file_ending": ".nii.gz",
                                                   "labels": {"background": 0, "liver": 1}}))
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("source:\n  type: nifti\n  root: data\n  dataset_json: dataset.json\n")
    code, text = _build(cfg, tmp_path / "out")
    assert code == 2 and "0 cases" in text and "labelsTr/*" in text
    inspected = runner.invoke(app, ["inspect", str(cfg)])
    assert inspected.exit_code == 2  # inspect discovers the same way


def test_every_case_failed_exits_1(tmp_path: Path) -> None:
    for i in range(2):
        _case(tmp_path / "data", f"c{i}", junk=True)
    out = tmp_path / "out"
    code, text = _build(_config(tmp_path), out)
    assert code == 1
    assert "error: all 2 cases failed: c0 (UNREADABLE_FILE), c1 (UNREADABLE_FILE)" in text
    assert f"2 error records in {out / 'errors.jsonl'}" in text
    counts = read_manifest(out)["counts"]
    # nothing kept or rejected, and the funnel's keys are there all the same
    assert {k: counts[k] for k in ("kept", "rejected", "synthesized", "images")} == \
        {"kept": 0, "rejected": 0, "synthesized": 0, "images": 0}
    again, _ = _build(_config(tmp_path), out)  # a resumed run says the same
    assert again == 1


def test_some_failed_exits_0_and_lists_the_first_few(tmp_path: Path) -> None:
    root = tmp_path / "data"
    _case(root, "good")
    for i in range(7):
        _case(root, f"bad{i}", junk=True)
    out = tmp_path / "out"
    code, text = _build(_config(tmp_path), out)
    assert code == 0
    assert ("warning: 7 of 8 cases failed: bad0 (UNREADABLE_FILE), bad1 (UNREADABLE_FILE), "
            "bad2 (UNREADABLE_FILE), bad3 (UNREADABLE_FILE), bad4 (UNREADABLE_FILE) and 2 more; "
            f"7 error records in {out / 'errors.jsonl'}") in text
    assert len(read_jsonl(out / "samples.jsonl")) == 1
    quiet, quiet_text = _build(_config(tmp_path), out, "-q")
    assert quiet == 0 and "7 of 8 cases failed" in quiet_text  # failures print even with -q


def test_strict_makes_a_failed_case_exit_1(tmp_path: Path) -> None:
    _case(tmp_path / "data", "good")
    _case(tmp_path / "data", "bad", junk=True)
    code, text = _build(_config(tmp_path), tmp_path / "out", "--strict")
    assert code == 1 and "error (--strict): 1 of 2 cases failed: bad (UNREADABLE_FILE)" in text


def test_strict_counts_non_fatal_records(tmp_path: Path) -> None:
    _case(tmp_path / "data", "c0")
    _case(tmp_path / "data", "c1", extra=7)  # label 7 is not in label_names: not fatal
    cfg = _config(tmp_path, label_map=True)
    out = tmp_path / "out"
    code, text = _build(cfg, out)
    assert code == 0 and "warning: 1 non-fatal error record: c1 (UNKNOWN_LABEL_ID)" in text
    assert [e["fatal"] for e in read_jsonl(out / "errors.jsonl")] == [False]
    strict, strict_text = _build(cfg, out, "--strict")
    assert strict == 1
    assert "error (--strict): 1 non-fatal error record: c1 (UNKNOWN_LABEL_ID)" in strict_text


def test_clean_build_exits_0_and_prints_no_warning(tmp_path: Path) -> None:
    _case(tmp_path / "data", "c0")
    code, text = _build(_config(tmp_path), tmp_path / "out", "--strict")
    assert code == 0 and "warning" not in text and "error" not in text


@pytest.mark.parametrize("command", ["build", "demo"])
def test_help_documents_the_exit_codes(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    text = " ".join(result.output.split())
    assert result.exit_code == 0
    for code in ("0 built", "1 every case failed", "2 configuration error", "130 interrupted"):
        assert code in text
