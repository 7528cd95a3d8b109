"""Read a query back: which of the sample's candidates does its wording select?

The inverse of the template grammar, built on the same lexicon and the same selection
semantics, so a query is unique exactly when ``resolve`` returns its target and nothing else.
"""

from __future__ import annotations

from typing import Any

from medground.stages.synth.describe import Candidate, select
from medground.stages.synth.lexicon import (
    RELATIVE_KINDS,
    Attr,
    find_attributes,
    noun_forms,
    padded_words,
)


def named(query: str, label: str) -> bool:
    text = padded_words(query)
    return any(f" {form.lower()} " in text for form in noun_forms(label))


def resolve(sample: dict[str, Any]) -> list[str]:
    """Keys (``label:instance``) of the candidates among targets + distractors that the query
    refers to. Raises ValueError for a query stating two relative attributes (not generated)."""
    records = list(sample["targets"]) + list(sample.get("distractors", []))
    candidates = [Candidate.from_record(r) for r in records]
    query = sample["query"]
    in_name = [c for c in candidates if named(query, c.label)]
    attrs = find_attributes(query, sample.get("frame"))
    relative = [a for a in attrs if a.kind in RELATIVE_KINDS]
    absolute = [a for a in attrs if a.kind not in RELATIVE_KINDS]
    if len(relative) > 1:
        raise ValueError(f"query states {len(relative)} relative attributes: {query!r}")
    rel: Attr | None = relative[0] if relative else None
    chosen = select(in_name, absolute, rel, int(sample["width"]), int(sample["height"]))
    return [c.key for c in chosen]
