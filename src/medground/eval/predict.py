"""Ask a grounding VLM for the box of every sample's query; record answers and parsed boxes.

One JSONL line per sample, in dataset order, whatever happened: a request error or an answer
without a box is recorded (``parse_ok: false``, ``boxes_px: []``), never dropped and never
turned into a zero box. Requests go out in batches, so memory stays bounded on any dataset size.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PIL import Image

from medground.eval.boxes import BOX_FORMATS, input_size, parse_boxes, to_pixels
from medground.llm.cache import RequestCache
from medground.llm.client import ClientConfig, Completion, VLMClient
from medground.sinks.files import atomic_writer
from medground.sinks.swap import recover

PROMPT_VERSION = "predict-v1"
BATCH = 64

_TASK = ('Request: "{query}"\n'
         "Find the region or regions of this image that the request refers to and give the "
         "bounding box of each one, where (x1, y1) is the top-left corner and (x2, y2) the "
         "bottom-right corner. ")
_PROMPTS = {
    "qwen2.5-vl": (
        "The image is {w} pixels wide and {h} pixels high. Use absolute pixel coordinates of this "
        "image: x from 0 (left edge) to {w} (right edge), y from 0 (top edge) to {h} (bottom "
        'edge). Output JSON only: [{{"bbox_2d": [x1, y1, x2, y2], "label": "<name>"}}], one '
        "object per region."),
    "qwen3-vl": (
        "Use coordinates relative to the image size, as integers from 0 to 1000: x is 0 at the "
        "left edge and 1000 at the right edge, y is 0 at the top edge and 1000 at the bottom "
        'edge. Output JSON only: [{{"bbox_2d": [x1, y1, x2, y2], "label": "<name>"}}], one '
        "object per region."),
    "qwen2-vl": (
        "Use coordinates relative to the image size, as integers from 0 to 1000: x is 0 at the "
        "left edge and 1000 at the right edge, y is 0 at the top edge and 1000 at the bottom "
        "edge. Write each region as <|object_ref_start|><name><|object_ref_end|>"
        "<|box_start|>(x1,y1),(x2,y2)<|box_end|>."),
    "internvl": (
        "Use coordinates relative to the image size, as integers from 0 to 1000: the position "
        "as a fraction of the image width (x) or height (y), times 1000, so 0 is the left or "
        "top edge and 1000 the right or bottom edge. Answer as <ref><name></ref><box>[[x1, y1, "
        "x2, y2]]</box>, with one [x1, y1, x2, y2] per region inside the outer brackets."),
    "internvl-999": (
        "Use coordinates relative to the image size, as integers from 0 to 999: the position "
        "as a fraction of the image width (x) or height (y), times 999, so 0 is the left or "
        "top edge and 999 the right or bottom edge. Answer as <ref><name></ref><box>[[x1, y1, "
        "x2, y2]]</box>, with one [x1, y1, x2, y2] per region inside the outer brackets."),
    "normalized": (
        "Use coordinates relative to the image size, as decimal numbers from 0 to 1: x is 0 at "
        "the left edge and 1 at the right edge, y is 0 at the top edge and 1 at the bottom edge. "
        "Output JSON only: [[x1, y1, x2, y2]], one list per region."),
}


def prompt(query: str, box_format: str, width: int, height: int) -> str:
    """The instruction for one query; ``width x height`` is the size of the image as sent."""
    return _TASK.format(query=query) + _PROMPTS[box_format].format(w=width, h=height)


def _image(path: Path, box_format: str) -> tuple[str, tuple[int, int], tuple[int, int]]:
    """Data URL of the image to send, its PNG size and the size as sent."""
    with Image.open(path) as im:
        size = im.size
        sent = input_size(box_format, *size)
        if sent == size and im.format == "PNG":
            data = path.read_bytes()
        else:
            buf = io.BytesIO()
            im.resize(sent, Image.Resampling.BICUBIC).save(buf, format="PNG")
            data = buf.getvalue()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii"), size, sent


def _samples(path: Path, limit: int | None) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        n = 0
        for line in f:
            if not line.strip():
                continue
            if limit is not None and n >= limit:
                return
            n += 1
            yield json.loads(line)


def _batches(samples: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for s in samples:
        batch.append(s)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


Sizes = tuple[tuple[int, int], tuple[int, int]]  # (PNG size, size as sent)


def _record(sample: dict[str, Any], box_format: str, answer: Completion | None, error: str | None,
            sizes: Sizes | None) -> dict[str, Any]:
    raw = answer.text if answer is not None else None
    boxes_px: list[list[float]] = []
    if raw is not None and sizes is not None:
        size, sent = sizes
        sx, sy = size[0] / sent[0], size[1] / sent[1]
        for box in parse_boxes(raw, box_format):
            x1, y1, x2, y2 = to_pixels(box, box_format, *sent)
            boxes_px.append([round(x1 * sx, 3), round(y1 * sy, 3), round(x2 * sx, 3),
                             round(y2 * sy, 3)])
    return {
        "id": sample["id"], "query": sample["query"], "box_format": box_format, "raw": raw,
        "boxes_px": boxes_px, "parse_ok": bool(boxes_px), "error": error,
        "usage": {"prompt_tokens": answer.prompt_tokens if answer else 0,
                  "completion_tokens": answer.completion_tokens if answer else 0,
                  "cached": answer.cached if answer else False},
        "image_size_sent": list(sizes[1]) if sizes else None,
    }


def predict_dataset(dataset: Path, out: Path, cfg: ClientConfig, box_format: str,
                    cache: RequestCache | None, limit: int | None = None) -> dict[str, Any]:
    """Predict boxes for the samples of ``dataset`` (at most ``limit``) into ``out`` (JSONL).

    Returns ``n``, ``parsed``, ``failed_parse`` (answered, no box found), ``request_errors``,
    ``prompt_tokens`` / ``completion_tokens`` (of all answers, cached ones included) and
    ``cached`` (answers taken from the cache).
    """
    if box_format not in BOX_FORMATS:
        raise ValueError(f"unknown box format {box_format!r}; expected one of "
                         f"{', '.join(BOX_FORMATS)}")
    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    recover(dataset)  # a verify or build killed while swapping its files: settle it first
    samples_path = dataset / "samples.jsonl"
    if not samples_path.is_file():
        raise FileNotFoundError(f"{samples_path} not found: is {dataset} a medground dataset?")
    keys = ("n", "parsed", "failed_parse", "request_errors", "prompt_tokens",
            "completion_tokens", "cached")
    summary: dict[str, Any] = dict.fromkeys(keys, 0)
    out.parent.mkdir(parents=True, exist_ok=True)
    with VLMClient(cfg, cache) as client, atomic_writer(out) as f:
        for batch in _batches(_samples(samples_path, limit), BATCH):
            prepared: list[tuple[dict[str, Any], str | None, Sizes | None]] = []
            requests: list[dict[str, Any]] = []
            for s in batch:
                try:
                    url, size, sent = _image(dataset / s["image"], box_format)
                except OSError as exc:  # missing or unreadable image: recorded like a failed call
                    prepared.append((s, f"image: {exc}", None))
                    continue
                text = prompt(s["query"], box_format, *sent)
                content = [{"type": "image_url", "image_url": {"url": url}},
                           {"type": "text", "text": text}]
                requests.append({"messages": [{"role": "user", "content": content}],
                                 "prompt_version": PROMPT_VERSION})
                prepared.append((s, None, (size, sent)))
            answers = iter(client.run(requests) if requests else [])
            for s, image_error, sizes in prepared:
                answer = next(answers) if image_error is None else None
                error = image_error if answer is None else answer.error
                rec = _record(s, box_format, answer, error, sizes)
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                summary["n"] += 1
                if error is not None:
                    summary["request_errors"] += 1
                elif rec["parse_ok"]:
                    summary["parsed"] += 1
                else:
                    summary["failed_parse"] += 1
                summary["prompt_tokens"] += rec["usage"]["prompt_tokens"]
                summary["completion_tokens"] += rec["usage"]["completion_tokens"]
                summary["cached"] += int(rec["usage"]["cached"])
            f.flush()
    return summary
