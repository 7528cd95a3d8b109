"""Do the claims a synthesizer meant to make equal the claims its text makes, as read?

Two claims are the same when they agree on kind, value, frame, rank, negation and the
structures they name (references resolved to labels); how the words were inflected
("larger" / "largest") and where they stood do not matter. The size of the set a comparison is
made in ("of the *two* polyps") is measured anyway and need not be stated.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Hashable, Iterable

from medground.claims.denote import resolve_frame
from medground.claims.measure import Scene
from medground.claims.names import NameTable
from medground.claims.reader import Reading
from medground.claims.types import Claim

_VERTICAL_OR_FREE = frozenset({"top", "bottom", "center", "center-x", "center-y", "central",
                               "periphery", "border", "border-top", "border-bottom", "above",
                               "below"})


def _labels(text: str | None, table: NameTable) -> frozenset[str] | None:
    if text is None:
        return None
    name = table.get(text)
    return name.labels if name else frozenset({f"?{text}"})


def key(c: Claim, table: NameTable) -> Hashable:
    frame = c.frame
    if frame == "none" and (c.kind == "position" or c.value in _VERTICAL_OR_FREE):
        frame = "image"
    return (c.kind, c.value, frame, c.rank, c.negated, c.each, _labels(c.reference, table),
            _labels(c.reference2, table))


def _framed(c: Claim, scene: Scene | None) -> Claim:
    if scene is None:
        return c
    resolved = resolve_frame(c, scene)
    return resolved if isinstance(resolved, Claim) else c


def _compared(c: Claim) -> bool:
    return c.kind != "name" and not (c.kind == "count" and c.scope == "candidates")


def mismatch(intended: Iterable[Claim], reading: Reading, table: NameTable,
             scene: Scene | None = None) -> str | None:
    """What differs between the intended claims and the read ones, or None. With the
    ``scene``, a frame the words leave unstated is filled in as the checker reads it
    (a bare "left-most" on a photo is the image's)."""
    intended = [_framed(c, scene) for c in intended]
    reading = dataclasses.replace(reading, claims=[_framed(c, scene) for c in reading.claims])
    names = [c for c in intended if c.kind == "name"]
    problems = []
    if names:
        meant = frozenset(lb for c in names for lb in (_labels(c.value, table) or ()))
        if meant != reading.subject_labels:
            problems.append(f"names {sorted(meant)}, reads {sorted(reading.subject_labels)}")
    want = Counter(key(c, table) for c in intended if _compared(c))
    got = Counter(key(c, table) for c in reading.claims if _compared(c))
    missing = [c.describe() for c in intended if _compared(c) and want[key(c, table)]
               > got[key(c, table)]]
    extra = [c.describe() for c in reading.claims if _compared(c) and got[key(c, table)]
             > want[key(c, table)]]
    if missing:
        problems.append("meant but not read: " + ", ".join(sorted(set(missing))))
    if extra:
        problems.append("read but not meant: " + ", ".join(sorted(set(extra))))
    return "; ".join(problems) or None
