"""Atomic, deterministic file writing: PNG images and JSON lines."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def png_bytes(image: NDArray[np.uint8]) -> bytes:
    mode = "L" if image.ndim == 2 else "RGB"
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image), mode=mode).save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def dumps(record: Any) -> str:
    """One canonical JSON line (stable key order as built, no NaN)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A file-system-safe folder name; distinct inputs stay distinct."""
    clean = _UNSAFE.sub("_", name).strip("._") or "case"
    if clean != name:
        clean = f"{clean[:80]}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"
    return clean
