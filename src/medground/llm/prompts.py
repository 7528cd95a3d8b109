"""Versioned prompts for query synthesis and visual judging, and their answer schemas.

A prompt's version is part of every cache key: changing the wording must bump the version.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw
from pydantic import BaseModel, ConfigDict, Field, field_validator

from medground.claims.types import ClaimKind, Frame
from medground.sinks.files import png_bytes

SYNTH_VERSION: Final = "synth-v2"
JUDGE_VERSION: Final = "judge-v1"


class StatedClaim(BaseModel):
    """A claim as a model states it (the fields of :class:`medground.claims.types.Claim` a
    model can be asked for)."""

    model_config = ConfigDict(extra="ignore")

    kind: ClaimKind
    value: str
    frame: Frame = "none"
    reference: str | None = None
    rank: int = Field(1, ge=1, le=20)
    negated: bool = False


class WrittenQuery(BaseModel):
    text: str
    claims: list[StatedClaim] | None = None


class QueriesAnswer(BaseModel):
    """``{"queries": [{"text": ..., "claims": [...]}, ...]}``; a bare string is a query that
    states no claims of its own (the verifier's reader finds them)."""

    queries: list[WrittenQuery] = Field(min_length=1)

    @field_validator("queries", mode="before")
    @classmethod
    def _strings(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [{"text": q} if isinstance(q, str) else q for q in v]
        return v


class JudgeAnswer(BaseModel):
    supported: bool
    unique: bool
    reason: str = ""


def schema_format(name: str, model: type[BaseModel]) -> dict[str, Any]:
    """An OpenAI ``response_format`` asking for JSON that validates against ``model`` (a
    fresh dict each call; pydantic's schema generation, milliseconds, runs once per model)."""
    schema: dict[str, Any] = json.loads(_schema_json(model))
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}


@functools.cache
def _schema_json(model: type[BaseModel]) -> str:
    schema = model.model_json_schema()
    schema["additionalProperties"] = False
    return json.dumps(schema)


def png_data_url(image: NDArray[np.uint8] | bytes) -> str:
    """``image`` as a PNG data URL (encoded by ``sinks.files.png_bytes``, as the saved views
    are); given as PNG bytes already (a view's saved PNG), they are used as they are."""
    png = image if isinstance(image, bytes) else png_bytes(image)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def with_box(image: NDArray[np.uint8], boxes: Sequence[Sequence[int]]) -> NDArray[np.uint8]:
    """The image in RGB with each box drawn in red (what the judge is shown)."""
    im = Image.fromarray(np.ascontiguousarray(image)).convert("RGB")
    draw = ImageDraw.Draw(im)
    for x1, y1, x2, y2 in boxes:
        draw.rectangle([x1, y1, x2 - 1, y2 - 1], outline=(255, 0, 0),
                       width=max(1, min(im.size) // 150))
    return np.asarray(im)


_SYNTH_SYSTEM = (
    "You write referring expressions for medical images: short, natural, clinically worded "
    "queries that let a reader find exactly one structure. Never write coordinates, pixel "
    "values, numbers that give the location away, or label ids. When you use left or right, "
    "say whose: 'on the image's left' for the image, 'on the patient's left' for the patient "
    "(only when the facts give an orientation). With each query, list the claims it makes: "
    "kind position (value left, right, top, bottom, center, central, periphery or border; "
    "frame image), side (left, right, midline, anterior, posterior, superior or inferior; "
    "frame patient), size (large or small), shape (round, oval, elongated, lobulated, "
    "irregular, crescent or ring), intensity (bright, dark or iso), ordinal (the extreme "
    "along a direction among structures of its kind: left, right, top, bottom with frame "
    "image, or anterior, posterior, superior, inferior, left, right, medial, lateral with "
    "frame patient; rank 2 for 'second'), relation (inside, contains, adjacent, near, far, "
    "above, below, left_of, right_of, anterior, posterior, superior, inferior, medial, "
    "lateral, larger, smaller, brighter or darker, with reference = the other structure as "
    "written) and count (a number, for several targets); negated true for 'not ...'. "
    "Answer with JSON only."
)


def synth_messages(image: NDArray[np.uint8] | str, context: dict[str, Any], n: int
                   ) -> list[dict[str, Any]]:
    """Messages asking for ``n`` distinct queries for the target described in ``context``
    (modality, plane, orientation, the target's cues and the distractors' cues). ``image``
    may be given as its :func:`png_data_url` already (the targets of a view share it)."""
    text = (
        f"Write {n} different queries that each identify the TARGET uniquely among the "
        "DISTRACTORS, using what the facts and the image support.\n"
        f"Facts (JSON): {json.dumps(context, sort_keys=True)}\n"
        'Answer as {"queries": [{"text": "...", "claims": [{"kind": "...", "value": "...", '
        '"frame": "image"}]}, ...]}.'
    )
    return [{"role": "system", "content": _SYNTH_SYSTEM},
            {"role": "user", "content": [{"type": "image_url", "image_url": {
                "url": image if isinstance(image, str) else png_data_url(image)}},
                                         {"type": "text", "text": text}]}]


def crop_around(image: NDArray[np.uint8], boxes: Sequence[Sequence[int]], margin: float = 0.5
                ) -> NDArray[np.uint8]:
    """The region of the boxes grown by ``margin`` of their size (a closer look for the judge)."""
    x1 = min(b[0] for b in boxes)
    y1 = min(b[1] for b in boxes)
    x2 = max(b[2] for b in boxes)
    y2 = max(b[3] for b in boxes)
    dx, dy = int((x2 - x1) * margin) + 2, int((y2 - y1) * margin) + 2
    h, w = image.shape[:2]
    return image[max(0, y1 - dy):min(h, y2 + dy), max(0, x1 - dx):min(w, x2 + dx)]


def judge_messages(image: NDArray[np.uint8], boxes: Sequence[Sequence[int]], query: str,
                   crop: bool = False) -> list[dict[str, Any]]:
    """The image with the boxes drawn and the query; with ``crop``, also a close-up."""
    text = (
        f"Query: {query!r}\n"
        "The red box(es) mark the proposed answer. Is what the box shows the structure the "
        "query describes (supported), and does nothing else in the image fit the query "
        'equally well (unique)? Answer as {"supported": true/false, "unique": true/false, '
        '"reason": "..."}.'
    )
    boxed = with_box(image, boxes)
    content: list[dict[str, Any]] = [
        {"type": "image_url", "image_url": {"url": png_data_url(boxed)}}]
    if crop:
        close = crop_around(boxed, boxes)
        content.append({"type": "image_url", "image_url": {"url": png_data_url(close)}})
        text += " The second image is a close-up of the box."
    return [{"role": "user", "content": [*content, {"type": "text", "text": text}]}]


def prompt_hash(version: str) -> str:
    return hashlib.sha256((version + _SYNTH_SYSTEM).encode()).hexdigest()[:12]
