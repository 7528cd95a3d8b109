"""Tolerant reading of model answers: JSON in code fences, after prose, with trailing text."""

from __future__ import annotations

import contextlib
import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

_DECODER = json.JSONDecoder()


def _candidates(text: str) -> list[Any]:
    """The whole answer, then every JSON value that starts at one of its opening braces (in
    a code fence, after prose, followed by trailing text; braces inside strings are fine)."""
    found: list[Any] = []
    with contextlib.suppress(ValueError, RecursionError):  # RecursionError: [[[[...
        found.append(json.loads(text))
    start = text.find("{")
    while start != -1:
        with contextlib.suppress(ValueError, RecursionError):
            found.append(_DECODER.raw_decode(text, start)[0])
        start = text.find("{", start + 1)
    return found


def parse_answer(text: str | None, model: type[M]) -> tuple[M | None, str | None]:
    """The first JSON object in ``text`` that validates as ``model``, or the reason there is
    none (None: the answer's message content was null)."""
    if text is None:
        return None, "the answer has no text (its message content is null)"
    if not text.strip():
        return None, "empty answer"
    last = "no JSON object"
    for data in _candidates(text):
        try:
            return model.model_validate(data), None
        except ValidationError as exc:
            error = exc.errors()[0]
            at = ".".join(str(part) for part in error["loc"])
            last = f"JSON does not match the schema: {f'{at}: ' if at else ''}{error['msg']}"
        except RecursionError:
            last = "JSON nested too deeply"
    return None, last
