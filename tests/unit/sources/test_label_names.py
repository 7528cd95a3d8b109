"""Label names for file-name labels (string keys, inline or from JSON) beside the integer-id
maps, which read exactly as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medground.errors import CaseError
from medground.sources.base import load_file_label_names, load_label_names


def test_inline_file_label_names(tmp_path: Path) -> None:
    assert load_file_label_names({"left+kidney": "left kidney", 3: "liver"}, tmp_path) == {
        "left+kidney": "left kidney", "3": "liver"}
    assert load_file_label_names(None, tmp_path) == {}


def test_file_label_names_from_json(tmp_path: Path) -> None:
    (tmp_path / "names.json").write_text(json.dumps({"files": {"lv": "left ventricle"}}))
    assert load_file_label_names("names.json", tmp_path, "files") == {"lv": "left ventricle"}


@pytest.mark.parametrize("data", [{"liver": 1}, ["liver"], {"other": {"lv": "x"}}])
def test_file_label_names_must_be_strings(tmp_path: Path, data: object) -> None:
    (tmp_path / "names.json").write_text(json.dumps(data))
    key = "files" if isinstance(data, dict) and "other" in data else None
    with pytest.raises(CaseError, match="JSON object of strings"):
        load_file_label_names("names.json", tmp_path, key)


@pytest.mark.parametrize(("spec", "expected"), [
    ({1: "liver", 2: "spleen"}, {1: "liver", 2: "spleen"}),
    ({"1": "liver", "7": "lesion"}, {1: "liver", 7: "lesion"}),  # YAML keys given as text
])
def test_integer_label_names_unchanged(tmp_path: Path, spec: dict[int, str],
                                       expected: dict[int, str]) -> None:
    assert load_label_names(spec, tmp_path) == expected
