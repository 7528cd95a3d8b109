"""Modalities read from data: dataset.json ``modality`` / ``channel_names`` and the DICOM
Modality tag map to the vocabulary's codes; a value outside it is the unknown modality (OT)
with a non-fatal issue, never a crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import pytest

from conftest import read_jsonl
from medground.build import build
from medground.config import parse_config
from medground.demo.phantom import LABELS, make_phantom
from medground.io.dicom import DicomSeries
from medground.io.volume import Volume
from medground.sources import dicom as dicom_source
from medground.sources import make_source
from medground.sources.base import CaseRef
from medground.sources.volumes import VolumePairs


def _volumes(tmp_path: Path, dataset: dict[str, Any], **source: Any) -> VolumePairs:
    (tmp_path / "dataset.json").write_text(json.dumps(dataset), encoding="utf-8")
    cfg = parse_config({"source": {"type": "nifti", "root": str(tmp_path),
                                   "dataset_json": "dataset.json", **source}},
                       base_dir=tmp_path)
    src = make_source(cfg)
    assert isinstance(src, VolumePairs)
    return src


REF = CaseRef("c", (("image", "i.nii.gz"), ("label", "l.nii.gz")))


@pytest.mark.parametrize(("dataset", "code"), [
    ({"modality": {"0": "CT"}}, "CT"),
    ({"modality": {"0": "MRI"}}, "MR"),
    ({"modality": {"0": "FLAIR", "1": "T1w", "2": "t1gd", "3": "T2w"}}, "MR"),  # BraTS
    ({"modality": {"0": "T2", "1": "ADC"}}, "MR"),  # MSD prostate
    ({"channel_names": {"0": "CT"}}, "CT"),  # nnU-Net v2
    ({"channel_names": {"0": "T2"}}, "MR"),
    ({}, "OT"),
])
def test_dataset_json_modality(tmp_path: Path, dataset: dict[str, Any], code: str) -> None:
    assert _volumes(tmp_path, dataset).modality(REF) == (code, None)


def test_channel_selects_the_modality(tmp_path: Path) -> None:
    src = _volumes(tmp_path, {"channel_names": {"0": "CT", "1": "PET"}}, channel=1)
    assert src.modality(REF) == ("PET", None)


@pytest.mark.parametrize("value", ["noNorm", "zscore", "rescale_to_0_1", "Ultrasond"])
def test_unknown_dataset_value_is_ot_with_an_issue(tmp_path: Path, value: str) -> None:
    code, issue = _volumes(tmp_path, {"channel_names": {"0": value}}).modality(REF)
    assert code == "OT" and issue is not None
    assert issue.code == "UNKNOWN_MODALITY" and issue.file == "dataset.json"
    assert repr(value) in issue.message and "set `modality` in the config" in issue.message


def test_config_modality_wins(tmp_path: Path) -> None:
    src = _volumes(tmp_path, {"channel_names": {"0": "noNorm"}}, modality="t2w")
    assert src.modality(REF) == ("MR", None)


@pytest.mark.parametrize(("tag", "configured", "code", "issue"), [
    ("CT", None, "CT", False),
    ("CR", None, "X-ray", False),
    ("PT", None, "PET", False),
    ("NM", None, "OT", True),  # nuclear medicine: not in the vocabulary
    ("NM", "PET", "PET", False),  # the config decides
])
def test_dicom_modality_tag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tag: str,
                            configured: str | None, code: str, issue: bool) -> None:
    grid = np.diag([2.0, 2.0, 3.0, 1.0])
    image = Volume(np.zeros((8, 8, 4), np.float32), grid, str(tmp_path / "s"))
    label = np.zeros((8, 8, 4), np.uint8)
    label[2:5, 2:5, 1:3] = 1
    monkeypatch.setattr(dicom_source, "load_dicom_series", lambda path: DicomSeries(
        volume=image, modality=tag, patient_key="ID|Name", n_files=4))
    monkeypatch.setattr(dicom_source, "load_volume",
                        lambda path, **_: Volume(label, grid, str(tmp_path / "l.nii.gz")))
    cfg = parse_config({"source": {"type": "dicom", "root": str(tmp_path), "modality": configured,
                                   "label_names": {1: "lesion"},
                                   "pairs": [{"series": "s", "label": "l.nii.gz", "case": "c1"}]}},
                       base_dir=tmp_path)
    src = make_source(cfg)
    case = src.load(src.case_refs()[0])
    assert case.info.modality == code
    records = [i for i in case.issues if i.code == "UNKNOWN_MODALITY"]
    assert bool(records) == issue
    if issue:
        assert records[0].file == "series of c1" and "'NM'" in records[0].message


def test_unknown_dataset_modality_builds_with_a_non_fatal_record(tmp_path: Path) -> None:
    root = tmp_path / "Dataset002"
    (root / "imagesTr").mkdir(parents=True)
    (root / "labelsTr").mkdir()
    ph = make_phantom(seed=0, orientation="RAS")
    nib.save(nib.Nifti1Image(ph.image, ph.affine), str(root / "imagesTr" / "p_0000.nii.gz"))
    nib.save(nib.Nifti1Image(ph.label, ph.affine), str(root / "labelsTr" / "p.nii.gz"))
    (root / "dataset.json").write_text(json.dumps({
        "channel_names": {"0": "noNorm"}, "file_ending": ".nii.gz",
        "labels": {"background": 0, **{name: k for k, name in LABELS.items()}}}))
    cfg = parse_config({"name": "nn", "source": {"type": "nifti", "root": str(root),
                                                  "dataset_json": "dataset.json"}},
                       base_dir=tmp_path)
    build(cfg, tmp_path / "out")
    errors = read_jsonl(tmp_path / "out" / "errors.jsonl")
    assert [(e["case"], e["code"], e["fatal"]) for e in errors
            if e["code"] == "UNKNOWN_MODALITY"] == [("p", "UNKNOWN_MODALITY", False)]
    samples = read_jsonl(tmp_path / "out" / "samples.jsonl")
    assert samples and {s["modality"] for s in samples} == {"OT"}
