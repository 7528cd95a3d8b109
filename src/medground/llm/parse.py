"""Tolerant reading of model answers: JSON in code fences, after prose, with trailing text."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


def _candidates(text: str) -> list[str]:
    out = [m.group(1) for m in _FENCE.finditer(text)]
    start = text.find("{")
    while start != -1:  # every balanced {...} from each opening brace
        depth = 0
        for i in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                out.append(text[start:i + 1])
                break
        start = text.find("{", start + 1)
    return [text, *out]


def parse_answer(text: str | None, model: type[M]) -> tuple[M | None, str | None]:
    """The first JSON object in ``text`` that validates as ``model``, or the reason there is none."""
    if not text or not text.strip():
        return None, "empty answer"
    last = "no JSON object"
    for candidate in _candidates(text):
        try:
            data: Any = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        try:
            return model.model_validate(data), None
        except ValidationError as exc:
            last = f"JSON does not match the schema: {exc.errors()[0]['msg']}"
    return None, last
