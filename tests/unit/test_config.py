"""load_config: YAML -> BuildConfig, with hints for typos, env expansion and root resolution."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from medground.config import ConfigError, Folder2DSource, Window, load_config

BASE = """\
source:
  type: folder2d
  root: data
  images: 'images/*.png'
  masks: 'masks/{stem}.png'
"""


def _write(tmp_path: Path, text: str, name: str = "my_set.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_minimal_config(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, BASE))
    assert isinstance(cfg.source, Folder2DSource)
    assert cfg.source.images == "images/*.png"
    assert cfg.slicing.planes == ["axial"]


@pytest.mark.parametrize(
    ("yaml_text", "where", "hint"),
    [
        pytest.param(BASE + "slicng: {}\n", "slicng", "slicing", id="top-level"),
        pytest.param(BASE + "regoins: {}\n", "regoins", "regions", id="top-level-regions"),
        pytest.param(
            BASE + "slicing:\n  plane: [axial]\n", "slicing.plane", "planes", id="slicing"
        ),
        pytest.param(BASE + "slicing:\n  evry_k: 3\n", "slicing.evry_k", "every_k", id="slicing-2"),
        pytest.param(
            BASE + "regions:\n  keep_hole: []\n", "regions.keep_hole", "keep_whole", id="regions"
        ),
        pytest.param(BASE + "  mask_mod: binary\n", "mask_mod", "mask_mode", id="source"),
        pytest.param(
            "source:\n  type: nifti\n  root: d\n  dataset_jsn: dataset.json\n",
            "dataset_jsn",
            "dataset_json",
            id="source-nifti",
        ),
        pytest.param(
            "source:\n  type: folder2d\n  root: d\n  pairs:\n    - {imag: a.png, mask: b.png}\n",
            "pairs.0.imag",
            "image",
            id="source-pairs-0",
        ),
        pytest.param(
            "source:\n  type: dicom\n  root: d\n  pairs:\n    - {series: s, label: l, cse: x}\n",
            "pairs.0.cse",
            "case",
            id="dicom-pairs-0",
        ),
    ],
)
def test_unknown_key_hint(tmp_path: Path, yaml_text: str, where: str, hint: str) -> None:
    path = _write(tmp_path, yaml_text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    msg = str(info.value)
    assert str(path) in msg
    assert f"did you mean {hint!r}" in msg
    assert where in msg


def test_unknown_key_without_close_match_lists_allowed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"allowed keys: .*planes"):
        load_config(_write(tmp_path, BASE + "slicing:\n  zzzzzzzz: 1\n"))


@pytest.mark.parametrize(
    ("source_type", "hint"),
    [("nifty", "nifti"), ("folder_2d", "folder2d"), ("dicomm", "dicom"), ("itkk", "itk")],
)
def test_unknown_source_type_hint(tmp_path: Path, source_type: str, hint: str) -> None:
    path = _write(tmp_path, f"source:\n  type: {source_type}\n  root: d\n")
    with pytest.raises(ConfigError, match=f"unknown type '{source_type}'") as info:
        load_config(path)
    assert f"did you mean {hint!r}" in str(info.value)


@pytest.mark.parametrize(
    ("preset", "hint"), [("abdomn", "abdomen"), ("lungs", "lung"), ("soft-tissue", "soft_tissue")]
)
def test_unknown_window_preset_hint(tmp_path: Path, preset: str, hint: str) -> None:
    path = _write(tmp_path, BASE + f"slicing:\n  window: {preset}\n")
    with pytest.raises(ConfigError, match="unknown window preset") as info:
        load_config(path)
    assert f"did you mean {hint!r}" in str(info.value)


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("auto", "auto"),
        ("bone", "bone"),
        ("{center: 40, width: 400}", Window(center=40, width=400)),
    ],
)
def test_window_values(tmp_path: Path, window: str, expected: object) -> None:
    cfg = load_config(_write(tmp_path, BASE + f"slicing:\n  window: {window}\n"))
    assert cfg.slicing.window == expected


@pytest.mark.parametrize(
    ("env", "root_expr", "expected_root"),
    [
        pytest.param({"MG_ROOT": "from_env"}, "${MG_ROOT}", "from_env", id="plain-set"),
        pytest.param(
            {"MG_ROOT": "from_env"}, "${MG_ROOT:-fallback}", "from_env", id="default-unused"
        ),
        pytest.param({}, "${MG_ROOT:-fallback}", "fallback", id="default-used"),
        pytest.param({"MG_ROOT": ""}, "${MG_ROOT:-fallback}", "fallback", id="empty-uses-default"),
        pytest.param({"MG_A": "a", "MG_B": "b"}, "${MG_A}/${MG_B}", "a/b", id="two-vars"),
        pytest.param({"MG_ROOT": "odd: dir # x"}, "${MG_ROOT}", "odd: dir # x", id="yaml-chars"),
    ],
)
def test_env_expansion(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    root_expr: str,
    expected_root: str,
) -> None:
    for name in ("MG_ROOT", "MG_A", "MG_B"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    cfg = load_config(_write(tmp_path, f"source:\n  type: folder2d\n  root: '{root_expr}'\n"))
    assert cfg.source.root == (tmp_path / expected_root).absolute()


def test_env_unset_without_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MG_SURELY_UNSET", raising=False)
    path = _write(tmp_path, "source:\n  type: folder2d\n  root: ${MG_SURELY_UNSET}\n")
    with pytest.raises(ConfigError, match="MG_SURELY_UNSET"):
        load_config(path)


def test_env_in_comment_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MG_SURELY_UNSET", raising=False)
    cfg = load_config(_write(tmp_path, "# root: ${MG_SURELY_UNSET}\n" + BASE))
    assert cfg.source.root == (tmp_path / "data").absolute()


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        pytest.param("data", "cfg/data", id="relative"),
        pytest.param(".", "cfg", id="dot"),
        pytest.param("../other/data", "other/data", id="parent-normalised"),
        pytest.param("./a/../b", "cfg/b", id="dots-normalised"),
    ],
)
def test_root_relative_to_config_folder(tmp_path: Path, root: str, expected: str) -> None:
    (tmp_path / "cfg").mkdir()
    cfg = load_config(_write(tmp_path / "cfg", f"source:\n  type: folder2d\n  root: '{root}'\n"))
    assert cfg.source.root == (tmp_path / expected).absolute()
    assert ".." not in cfg.source.root.parts


def test_absolute_root_kept(tmp_path: Path) -> None:
    absolute = tmp_path / "elsewhere"
    cfg = load_config(_write(tmp_path, f"source:\n  type: folder2d\n  root: '{absolute}'\n"))
    assert cfg.source.root == absolute


@pytest.mark.parametrize(
    ("file_name", "name_line", "expected"),
    [
        ("my_set.yaml", "", "my_set"),
        ("kits.v2.yml", "", "kits.v2"),
        ("my_set.yaml", "name: explicit\n", "explicit"),
    ],
)
def test_name_defaults_to_stem(
    tmp_path: Path, file_name: str, name_line: str, expected: str
) -> None:
    cfg = load_config(_write(tmp_path, name_line + BASE, name=file_name))
    assert cfg.name == expected
    assert cfg.dataset_name == expected


@pytest.mark.parametrize(
    ("text", "match"),
    [
        pytest.param("source: [unclosed\n", "invalid YAML", id="invalid-yaml"),
        pytest.param("source:\n\ttype: x\n", "invalid YAML", id="tab-indent"),
        pytest.param("- a\n- b\n", "mapping", id="list-top-level"),
        pytest.param("", "mapping", id="empty-file"),
        pytest.param("name: x\n", "source", id="missing-source"),
    ],
)
def test_bad_files_name_the_file(tmp_path: Path, text: str, match: str) -> None:
    path = _write(tmp_path, text, name="broken.yaml")
    with pytest.raises(ConfigError, match=match) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match="cannot read config") as info:
        load_config(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(("text", "expected"), [
    ("1000000", 1_000_000), ("512M", 512 * 2**20), ("512MiB", 512 * 2**20),
    ("8G", 8 * 2**30), ("1.5GB", 3 * 2**29), (" 2 k ", 2048), ("3t", 3 * 2**40),
])
def test_sizes(text: str, expected: int) -> None:
    from medground.config import parse_bytes

    assert parse_bytes(text) == expected


@pytest.mark.parametrize("text", ["", "G", "-1G", "8X", "8 GB ram", "0.1"])
def test_bad_sizes(text: str) -> None:
    from medground.config import parse_bytes

    with pytest.raises(ValueError):
        parse_bytes(text)


def test_memory_budget_is_read_as_bytes_and_kept_out_of_dumps(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, BASE + "vlm:\n  base_url: http://x/v1\n  model: m\n"
                                              "  memory_budget: 6G\n"))
    assert cfg.vlm is not None and cfg.vlm.memory_budget == 6 * 2**30
    assert "memory_budget" not in cfg.model_dump()["vlm"]  # run-specific: not in the manifest
    with pytest.raises(ConfigError, match="memory_budget"):
        load_config(_write(tmp_path, BASE + "vlm:\n  base_url: http://x/v1\n  model: m\n"
                                            "  memory_budget: lots\n", "bad.yaml"))
