"""``medground demo``: build the synthetic phantom data set end to end, offline."""

from __future__ import annotations

import shutil
from pathlib import Path

from medground.config import BuildConfig, parse_config
from medground.demo.phantom import write_phantom_dataset

DEMO_ORIENTATIONS = ("RAS", "LPS", "LAS", "PSR")


def demo_config(data_root: Path, planes: tuple[str, ...] = ("axial", "coronal")) -> BuildConfig:
    data_root = data_root.absolute()
    raw = {
        "name": "medground-demo",
        "source": {"type": "nifti", "root": str(data_root), "dataset_json": "dataset.json"},
        "slicing": {"planes": list(planes), "mode": "max_area", "window": "abdomen"},
        "queries": {"per_target": 2, "seed": 0},
        # what `make demo` shows: splits, the Hugging Face export and the report
        "outputs": {"split": {"seed": 0}, "exports": ["parquet"], "report": True},
    }
    return parse_config(raw, base_dir=data_root)


def prepare_demo(out: Path, n_cases: int = 8, seed: int = 0, fresh: bool = False) -> BuildConfig:
    """Write the phantom volumes under ``out/phantom`` and return the demo config."""
    data_root = out / "phantom"
    if fresh and data_root.exists():
        shutil.rmtree(data_root)
    if not (data_root / "dataset.json").exists():
        write_phantom_dataset(data_root, n_cases=n_cases, seed=seed, orientations=DEMO_ORIENTATIONS)
    return demo_config(data_root)
