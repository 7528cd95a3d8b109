"""An H&E-like tile (pink tissue, purple round nuclei, an instance map) builds with
``modality: histopathology``: samples are kept, no nucleus is rejected as implausible on the
modality, and no query calls brightfield tissue "fluorescence"."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from conftest import read_jsonl, read_manifest
from medground.build import build
from medground.config import parse_config
from medground.testing.tiles import he_tile

N_TILES = 3


def _tiles(root: Path) -> None:
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i in range(N_TILES):
        image, instances = he_tile(seed=i)
        assert image.ndim == 3 and image[..., 0].mean() > image[..., 2].mean()  # pinkish
        Image.fromarray(image).save(root / "images" / f"tile{i}.png")
        Image.fromarray(instances).save(root / "masks" / f"tile{i}.png")


def _build(tmp_path: Path, modality: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    root = tmp_path / "he"
    if not root.exists():
        _tiles(root)
    cfg = parse_config({"name": "he", "source": {
        "type": "folder2d", "root": str(root), "images": "images/*.png",
        "masks": "masks/{stem}.png", "mask_mode": "instance_map", "label": "nucleus",
        "modality": modality}, "queries": {"per_target": 3}}, base_dir=tmp_path)
    out = tmp_path / ("out_" + re.sub(r"\W", "", modality))
    build(cfg, out)
    assert read_manifest(out)["cases"]["failed"] == 0, read_jsonl(out / "errors.jsonl")
    return read_jsonl(out / "samples.jsonl"), read_jsonl(out / "rejects.jsonl")


def test_he_tile_builds_as_histopathology(tmp_path: Path) -> None:
    samples, rejects = _build(tmp_path, "histopathology")
    assert len(samples) > 0
    assert {s["modality"] for s in samples} == {"histopathology"}
    assert not [r for r in rejects if any(v["reason"] == "PRIOR_MODALITY_IMPLAUSIBLE"
                                          for v in r["verdicts"])]
    queries = [s["query"] for s in samples + rejects]
    assert not [q for q in queries if "fluorescen" in q.lower()]
    # the setting sentences that are written name brightfield histology
    settings = [q for q in queries if re.search(r"H&E|histolog|histopatholog|brightfield", q)]
    assert len(settings) >= 3
    # the samples are of the nuclei drawn, each box on a purple disc
    assert all(t["label"] == "nucleus" for s in samples for t in s["targets"])


def test_synonyms_build_the_same_modality(tmp_path: Path) -> None:
    for word in ("pathology", "H&E"):
        samples, _ = _build(tmp_path, word)
        assert samples and {s["modality"] for s in samples} == {"histopathology"}


def test_nuclei_are_dark_on_the_tile() -> None:
    image, instances = he_tile(seed=0)
    grey = image.mean(axis=2)
    assert instances.max() >= 8
    assert grey[instances > 0].mean() < grey[instances == 0].mean() - 60
    assert np.unique(instances).size == instances.max() + 1  # ids 0..n, none lost
