"""What every source provides: cheap case references, then loading one case at a time."""

from __future__ import annotations

import hashlib
import json
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from medground.config import BuildConfig
from medground.errors import CaseError
from medground.io.guard import check_inside
from medground.io.volume import Volume
from medground.types import CaseInfo, Layer

#: CaseRef option marking files the config lists itself (``pairs``), not found in the data
EXPLICIT = "explicit"


@dataclass(frozen=True)
class CaseRef:
    """A case before loading: its id and the files it is made of (picklable, cheap)."""

    case_id: str
    files: tuple[tuple[str, str], ...]  # (role, path) pairs
    extra: tuple[tuple[str, str], ...] = ()

    def file(self, role: str) -> str:
        return next(p for r, p in self.files if r == role)

    def option(self, key: str) -> str | None:
        return next((v for k, v in self.extra if k == key), None)


@dataclass
class ImageCase:
    """A 2D case: one image and its label layers."""

    info: CaseInfo
    image: NDArray[np.generic]
    layers: list[Layer]
    issues: list[CaseError] = field(default_factory=list)


@dataclass
class VolumeCase:
    """A 3D case: image and integer label map on the same canonical (RAS) grid."""

    info: CaseInfo
    image: Volume
    label: Volume
    label_names: dict[int, str]
    original_axcodes: str
    issues: list[CaseError] = field(default_factory=list)
    #: ``io.volume.label_boxes(label.data)`` when the source made it (it finds the ids present)
    label_boxes: list[tuple[slice, ...] | None] | None = None


LoadedCase = ImageCase | VolumeCase


class Source(ABC):
    def __init__(self, cfg: BuildConfig) -> None:
        self.cfg = cfg
        self.name = cfg.dataset_name
        self.root: Path = cfg.source.root  # error records give paths relative to it

    @abstractmethod
    def case_refs(self) -> list[CaseRef]:
        """All cases, in a deterministic order (no pixel data is read)."""

    @abstractmethod
    def load(self, ref: CaseRef) -> LoadedCase:
        """Read one case; raise CaseError when it cannot be used at all."""

    def pseudonym(self, key: str, prefix: str = "anon") -> str:
        digest = hashlib.sha256(f"{self.cfg.pseudonym_salt}:{key}".encode()).hexdigest()
        return f"{prefix}-{digest[:12]}"

    def display_file(self, ref: CaseRef, path: str) -> str:
        """How an error record names a file of ``ref``: relative to the source root."""
        return relative(path, self.root)

    def redact(self, ref: CaseRef, text: str) -> str:
        """``text`` (an error message) without what must never reach an output."""
        return text

    def check_inside_root(self, ref: CaseRef) -> None:
        """OUTSIDE_ROOT unless every file of ``ref`` (symbolic links and ``..`` resolved) lies
        inside the source root: a data set's own files (a link to ``~/.ssh``, a
        ``dataset.json`` entry ``../../x``) must not make a build read, or publish, others.
        A path the config itself gives outside the root (``pairs``) is the user's choice."""
        for _, path in ref.files:
            if not self.outside_by_config(ref, path):
                check_inside(path, self.root)

    def outside_by_config(self, ref: CaseRef, path: str | Path) -> bool:
        """Whether ``path`` is one the config's ``pairs`` wrote outside the root (as written,
        before any link is followed): such a path is read where the user pointed."""
        if ref.option(EXPLICIT) != "1":
            return False
        base = os.path.normpath(os.path.abspath(self.root))
        here = os.path.normpath(os.path.abspath(path))
        return os.path.commonpath([base, here]) != base


def relative(path: str | Path, root: Path) -> str:
    """Path relative to the source root when it is inside it (for stable, portable records)."""
    p = Path(path)
    try:
        return p.relative_to(root).as_posix()
    except ValueError:
        return p.as_posix()


def _read_names_json(spec: str, root: Path) -> tuple[Path, Any]:
    """The path and parsed content of a label-names JSON file (relative to ``root``)."""
    path = Path(spec) if Path(spec).is_absolute() else root / spec
    try:
        return path, json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CaseError(path, f"cannot read label names: {exc}", code="BAD_LABEL_NAMES") from exc


def load_label_names(
    spec: dict[int, str] | str | None, root: Path, key: str | None = None
) -> dict[int, str] | None:
    """id -> name from an inline mapping or a JSON file (MSD, nnU-Net v2 or a plain map)."""
    if spec is None:
        return None
    if isinstance(spec, dict):
        return {int(k): str(v) for k, v in spec.items()}
    path, data = _read_names_json(spec, root)
    if key is not None:
        if not isinstance(data, dict) or key not in data:
            keys = ", ".join(sorted(data)) if isinstance(data, dict) else "none"
            raise CaseError(path, f"no key {key!r} in label names (keys: {keys})", code="BAD_LABEL_NAMES")
        data = data[key]
    if isinstance(data, dict) and "labels" in data and isinstance(data["labels"], dict):
        data = data["labels"]  # dataset.json
    return parse_label_mapping(data, path)


def load_file_label_names(
    spec: dict[int | str, str] | str | None, root: Path, key: str | None = None
) -> dict[str, str]:
    """File-name label -> name (``{"left+kidney": "left kidney"}``), inline or from a JSON
    object of strings (under ``key`` when given), for labels read from file names."""
    if spec is None:
        return {}
    if isinstance(spec, dict):
        return {str(k): str(v) for k, v in spec.items()}
    path, data = _read_names_json(spec, root)
    if key is not None:
        data = data.get(key) if isinstance(data, dict) else None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise CaseError(path, "label names for file-name labels must be a JSON object of "
                        f"strings{f' under {key!r}' if key else ''}", code="BAD_LABEL_NAMES")
    return {str(k): v for k, v in data.items()}


def parse_label_mapping(data: Any, path: Path | str) -> dict[int, str]:
    """Accept ``{"1": "liver"}`` (MSD) and ``{"liver": 1}`` (nnU-Net v2); drop background."""
    if not isinstance(data, dict):
        raise CaseError(path, "label names must be a JSON object", code="BAD_LABEL_NAMES")
    out: dict[int, str] = {}
    for k, v in data.items():
        if isinstance(v, int) and not isinstance(v, bool):
            out[v] = str(k)
        elif str(k).lstrip("-").isdigit():
            out[int(k)] = str(v)
        elif isinstance(v, list):  # nnU-Net region labels: not a single id
            raise CaseError(path, f"region-based label {k!r} is not supported", code="BAD_LABEL_NAMES")
        else:
            raise CaseError(path, f"cannot read label entry {k!r}: {v!r}", code="BAD_LABEL_NAMES")
    return {k: v for k, v in sorted(out.items()) if k != 0}
