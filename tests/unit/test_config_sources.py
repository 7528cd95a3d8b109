"""Source options: modalities are canonicalised (an unknown one is a config error with a hint),
file-name patterns may only have the groups the code reads, string label_names keys only for
labels read from file names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from medground.config import BuildConfig, parse_config
from medground.errors import ConfigError


def _cfg(tmp_path: Path, **source: Any) -> BuildConfig:
    base = {"type": "folder2d", "root": ".", "images": "images/*.png", "masks": "masks/{stem}.png"}
    return parse_config({"source": {**base, **source}}, base_dir=tmp_path)


def _error(tmp_path: Path, **source: Any) -> str:
    with pytest.raises(ConfigError) as info:
        _cfg(tmp_path, **source)
    return str(info.value)


@pytest.mark.parametrize(("given", "code"), [
    ("histopathology", "histopathology"), ("pathology", "histopathology"),
    ("H&E", "histopathology"), ("MRI", "MR"), ("x-ray", "X-ray"), ("ct", "CT"),
    ("colonoscopy", "colonoscopy"), ("fluorescence microscopy", "fluorescence"), (None, None),
])
def test_modality_is_canonicalised(tmp_path: Path, given: str | None, code: str | None) -> None:
    assert _cfg(tmp_path, modality=given).source.modality == code


def test_unknown_modality_is_a_config_error_with_a_hint(tmp_path: Path) -> None:
    message = _error(tmp_path, modality="histopathalogy")
    assert "source.folder2d.modality" in message
    assert "unknown modality 'histopathalogy'" in message
    assert "did you mean 'histopathology'" in message


@pytest.mark.parametrize("source", [
    {"type": "nifti", "root": ".", "dataset_json": "dataset.json", "modality": "MRT"},
    {"type": "nifti", "root": ".", "pairs": [{"image": "a.nii.gz", "label": "b.nii.gz",
                                              "modality": "T2w"}]},
    {"type": "dicom", "root": ".", "pairs": [{"series": "s", "label": "l.nii.gz"}],
     "modality": "mri"},
])
def test_volume_and_dicom_modalities_are_canonicalised(tmp_path: Path,
                                                       source: dict[str, Any]) -> None:
    src = parse_config({"source": source}, base_dir=tmp_path).source
    pairs = getattr(src, "pairs", None) or []
    assert "MR" in {src.modality, *(getattr(p, "modality", None) for p in pairs)}
    bad = {**source, "modality": "MRX-9"}
    with pytest.raises(ConfigError, match="unknown modality 'MRX-9'"):
        parse_config({"source": bad}, base_dir=tmp_path)


@pytest.mark.parametrize(("options", "expected"), [
    ({"mask_mode": "per_target", "target_pattern": r"^{stem}_(?P<foo>.+)_(?P<label>.+)$"},
     "unknown group(s) foo"),
    ({"mask_mode": "per_target", "target_pattern": r"^{stem}_(?P<lable>.+)$"},
     "did you mean 'label'"),
    ({"mask_mode": "per_target", "target_pattern": r"^{stem}_(?P<site>[^_]+)_(?P<label>.+)$"},
     "write (?:...) for parts that are not read"),
    ({"mask_mode": "per_target", "target_pattern": r"^{stem}_(?P<instance>\d+)$"},
     "needs a (?P<label>...) group"),
    ({"mask_mode": "per_target", "target_pattern": r"^{stem}_(?P<label>.+$"},
     "invalid regular expression"),
    ({"mask_mode": "binary", "label": "x", "target_pattern": r"^{stem}_(?P<label>.+)$"},
     "only read with mask_mode: per_target"),
    ({"modality_pattern": r"^(?P<mod>[^_]+)_"}, "modality_pattern: unknown group(s) mod"),
    ({"modality_pattern": r"^([^_]+)_"}, "needs a (?P<modality>...) group"),
    ({"mask_mode": "per_target", "modality_pattern": r"^(?P<modality>[^_]+)_",
      "target_pattern": r"^{stem}_(?P<modality>[^_]+)_(?P<label>.+)$"}, "use one of them"),
    ({"modality_map": {"CT": "CT"}}, "modality_map needs a (?P<modality>...) group"),
    ({"modality_pattern": r"^(?P<modality>[^_]+)_", "modality_map": {"MRI-FLAIR": "MRX"}},
     "unknown modality 'MRX'"),
    ({"label_names": {"left+kidney": "left kidney"}}, "'left+kidney' is not a label id"),
])
def test_file_name_options_are_checked(tmp_path: Path, options: dict[str, Any],
                                       expected: str) -> None:
    assert expected in _error(tmp_path, **options)


def test_file_name_options_accepted(tmp_path: Path) -> None:
    src = _cfg(tmp_path, mask_mode="per_target",
               target_pattern=r"^{stem}_(?P<modality>[^_]+)_(?:[^_]+)_(?P<label>.+)$",
               modality_map={"MRI-FLAIR": "MRI", "X-Ray": "x-ray"},
               label_names={"left+kidney": "left kidney", 3: "liver"}).source
    assert src.modality_map == {"MRI-FLAIR": "MR", "X-Ray": "X-ray"}  # values canonicalised
    assert src.label_names == {"left+kidney": "left kidney", 3: "liver"}


def test_integer_label_names_unchanged(tmp_path: Path) -> None:
    src = _cfg(tmp_path, mask_mode="label_map", label_names={1: "liver", "2": "spleen"}).source
    assert src.label_names == {1: "liver", "2": "spleen"}
    vol = parse_config({"source": {"type": "nifti", "root": ".", "dataset_json": "d.json",
                                   "label_names": {"1": "liver"}}}, base_dir=tmp_path).source
    assert vol.label_names == {1: "liver"}
    with pytest.raises(ConfigError):  # volumes: ids only, as before
        parse_config({"source": {"type": "nifti", "root": ".", "dataset_json": "d.json",
                                 "label_names": {"liver": "x"}}}, base_dir=tmp_path)
