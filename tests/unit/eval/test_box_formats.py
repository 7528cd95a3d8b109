"""Box conventions of grounding VLMs: conversions, Qwen2.5-VL input size, tolerant parsing."""

from __future__ import annotations

from typing import get_args

import pytest

from medground.eval.boxes import (
    BOX_FORMATS,
    BoxFormat,
    from_pixels,
    input_size,
    parse_boxes,
    to_pixels,
)

W, H = 96, 80


def test_formats() -> None:
    assert BOX_FORMATS == ("qwen2.5-vl", "qwen2-vl", "qwen3-vl", "internvl", "internvl-999",
                           "normalized")
    assert get_args(BoxFormat) == BOX_FORMATS


@pytest.mark.parametrize(("fmt", "model_box", "pixels"), [
    ("qwen2.5-vl", (30, 50, 40, 59), (30, 50, 40, 59)),
    ("qwen2-vl", (0, 0, 1000, 1000), (0, 0, W, H)),
    ("qwen3-vl", (500, 250, 750, 1000), (48, 20, 72, 80)),
    ("internvl", (0, 0, 500, 500), (0, 0, 48, 40)),
    ("internvl", (250, 0, 1000, 1000), (24, 0, 96, 80)),  # InternVL: box / 1000 * size
    ("internvl-999", (0, 0, 999, 999), (0, 0, 96, 80)),
    ("internvl-999", (333, 0, 666, 999), (32, 0, 64, 80)),
    ("normalized", (0.25, 0.5, 0.75, 1.0), (24, 40, 72, 80)),
])
def test_to_pixels(fmt: str, model_box: tuple[float, ...], pixels: tuple[float, ...]) -> None:
    assert to_pixels(model_box, fmt, W, H) == pytest.approx(pixels)


@pytest.mark.parametrize(("fmt", "pixels", "model_box"), [
    ("qwen2.5-vl", (30.4, 50.6, 40, 59), (30, 51, 40, 59)),
    ("qwen2-vl", (0, 0, W, H), (0, 0, 1000, 1000)),
    ("qwen3-vl", (30, 50, 40, 59), (313, 625, 417, 738)),
    ("internvl", (0, 0, W, H), (0, 0, 1000, 1000)),
    ("internvl", (48, 20, 72, 60), (500, 250, 750, 750)),
    ("internvl-999", (0, 0, W, H), (0, 0, 999, 999)),
    ("internvl-999", (48, 20, 72, 60), (500, 250, 749, 749)),  # 0.5 * 999 = 499.5 -> 500
    ("normalized", (24, 40, 72, 80), (0.25, 0.5, 0.75, 1.0)),
])
def test_from_pixels(fmt: str, pixels: tuple[float, ...], model_box: tuple[float, ...]) -> None:
    assert from_pixels(pixels, fmt, W, H) == pytest.approx(model_box)


@pytest.mark.parametrize("fmt", BOX_FORMATS)
@pytest.mark.parametrize("box", [(30, 50, 40, 59), (0, 0, W, H), (1, 2, 3, 4), (95, 79, 96, 80)])
@pytest.mark.parametrize(("w", "h"), [(W, H), (512, 512), (101, 1001)])
def test_round_trip(fmt: str, box: tuple[int, ...], w: int, h: int) -> None:
    model_box = from_pixels(box, fmt, w, h)
    back = to_pixels(model_box, fmt, w, h)
    exact = fmt in ("qwen2.5-vl", "normalized")
    tol = 1e-9 if exact else max(w, h) / 1000 + 1e-9  # one step of the 0-1000 grid
    assert back == pytest.approx(box, abs=tol)
    if fmt != "normalized":
        assert all(float(v).is_integer() for v in model_box)
    assert from_pixels(back, fmt, w, h) == pytest.approx(model_box, abs=1.0 if not exact else 1e-9)


@pytest.mark.parametrize("fmt", BOX_FORMATS)
def test_clipped_and_ordered(fmt: str) -> None:
    x1, y1, x2, y2 = to_pixels(from_pixels((-5, 200, 300, -1), fmt, W, H), fmt, W, H)
    assert (x1, y1) == (0, 0) and x2 == pytest.approx(W, abs=0.1) and y2 == pytest.approx(H, abs=0.1)
    assert to_pixels((2000, 2000, -3, -3), fmt, W, H) == pytest.approx((0, 0, W, H))


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown box format"):
        to_pixels((0, 0, 1, 1), "xyxy", W, H)
    with pytest.raises(ValueError, match="4 numbers"):
        to_pixels((0, 0, 1), "normalized", W, H)
    with pytest.raises(ValueError, match="unknown box format"):
        parse_boxes("[1, 2, 3, 4]", "yolo")


@pytest.mark.parametrize(("w", "h", "sent"), [
    (96, 80, (84, 84)), (512, 512, (504, 504)), (56, 56, (56, 56)), (20, 20, (56, 56)),
    (2048, 2048, (980, 980)), (300, 100, (308, 112)),
])
def test_qwen25_input_size(w: int, h: int, sent: tuple[int, int]) -> None:
    assert input_size("qwen2.5-vl", w, h) == sent
    sw, sh = sent
    assert sw % 28 == 0 and sh % 28 == 0 and 56 * 56 <= sw * sh <= 1280 * 28 * 28
    assert input_size("qwen2.5-vl", sw, sh) == sent  # the server leaves it as it is
    for fmt in ("qwen2-vl", "qwen3-vl", "internvl", "internvl-999", "normalized"):
        assert input_size(fmt, w, h) == (w, h)


PARSES = [
    # Qwen2.5-VL / Qwen3-VL JSON, fenced or not, one or several objects
    ('```json\n[\n\t{"bbox_2d": [135, 114, 298, 332], "label": "liver"}\n]\n```',
     [(135, 114, 298, 332)]),
    ('Sure! Here is the location:\n```json\n[{"bbox_2d": [10, 20, 30, 40], "label": "left kidney"},'
     ' {"bbox_2d": [60, 20, 80, 41], "label": "right kidney"}]\n```\nLet me know if you need more.',
     [(10, 20, 30, 40), (60, 20, 80, 41)]),
    ('{"bbox": [0.12, 0.3, 0.5, 0.75]}', [(0.12, 0.3, 0.5, 0.75)]),
    ("{'box': [12.5, 7, 40.25, 33], 'label': 'tumor'}", [(12.5, 7, 40.25, 33)]),
    ('The spleen is at [612, 210, 788, 455].', [(612, 210, 788, 455)]),
    ("[[.1, .2, .3, .4], [0.5, 0.5, 1, 1]]", [(0.1, 0.2, 0.3, 0.4), (0.5, 0.5, 1, 1)]),
    ('```json\n[{"bbox_2d": [10, 20, 30, 40]}]\n```\nSo the box is [10, 20, 30, 40].',
     [(10, 20, 30, 40)]),  # repeated: kept once
    # Qwen2-VL special tokens
    ("<|object_ref_start|>the aorta<|object_ref_end|><|box_start|>(455,512),(540,601)<|box_end|>",
     [(455, 512, 540, 601)]),
    ("<|box_start|>(12,30),(50,88)<|box_end|><|box_start|>(600,30),(640,88)<|box_end|>",
     [(12, 30, 50, 88), (600, 30, 640, 88)]),
    ("The right iliopsoas muscle: <|box_start|>( 312 , 625 ),( 417 , 738 )<|box_end|>.",
     [(312, 625, 417, 738)]),
    # InternVL
    ("<ref>liver</ref><box>[[102, 230, 481, 667]]</box>", [(102, 230, 481, 667)]),
    ("Both kidneys: <ref>kidneys</ref><box>[[120, 400, 260, 560], [700, 400, 850, 570]]</box>",
     [(120, 400, 260, 560), (700, 400, 850, 570)]),
    # plain corners
    ("The lesion spans from (34, 50) to (71, 96) in the image.", [(34, 50, 71, 96)]),
    ("Top-left (10.5, 20), bottom-right (30, 40.5)", [(10.5, 20, 30, 40.5)]),
    ("[[10, 20], [30, 40]]", [(10, 20, 30, 40)]),
    # key = value
    ("x1=12, y1=30, x2=50, y2=88", [(12, 30, 50, 88)]),
    ("Bounding box: x1 = 0.1, y1 = 0.2, x2 = 0.4, y2 = 0.45.", [(0.1, 0.2, 0.4, 0.45)]),
    ('{"x1": 5, "y1": 6, "x2": 70, "y2": 60}', [(5, 6, 70, 60)]),
    ("xmin: 3, ymin: 4, xmax: 30, ymax: 40", [(3, 4, 30, 40)]),
    ("Box:\n- x_min: 3\n- y_min: 4\n- x_max: 30\n- y_max: 40", [(3, 4, 30, 40)]),
]


@pytest.mark.parametrize(("text", "expected"), PARSES)
def test_parse_boxes(text: str, expected: list[tuple[float, ...]]) -> None:
    assert parse_boxes(text, "qwen2.5-vl") == [pytest.approx(b) for b in expected]


@pytest.mark.parametrize("text", [
    None, "", "I cannot find the requested structure in this image.",
    '```json\n[]\n```', '[{"bbox_2d": [], "label": "liver"}]',
    '[{"point_2d": [120, 340], "label": "liver"}]', "[1, 2, 3]", "(12, 30)",
    "<|box_start|>(12,30)<|box_end|>", "<box>[[x1, y1, x2, y2]]</box>",
    "The box is [x1, y1, x2, y2].", "x1=12, y1=30", '{"bbox_2d": [10, 20, 30',
])
def test_garbage_parses_to_nothing(text: str | None) -> None:
    assert parse_boxes(text, "qwen2-vl") == []
