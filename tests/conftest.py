"""Shared fixtures: the real sample data (skipped when absent) and small build helpers."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLES = PROJECT / "examples"


def samples_root() -> Path | None:
    env = os.environ.get("MEDGROUND_SAMPLES")
    root = Path(env) if env else PROJECT.parent / "shared" / "data"
    return root if root.is_dir() else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    root = samples_root()
    if root is None:
        pytest.skip("real samples not found: set MEDGROUND_SAMPLES or place them at ../shared/data")
    return root


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def read_manifest(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return data


def tree_bytes(out: Path) -> dict[str, bytes]:
    """Every output file (not the resume state) by relative path."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".medground" not in p.parts and "phantom" not in p.parts
    }
