"""Image sizes that a training framework and a model's processor both leave as they are, and
placing an export's images at such a size.

A training export whose answers hold absolute pixels is exact only for the pixels the model
sees. LLaMA-Factory 0.9.5 resizes an image in its mm_plugin before the model's processor sees it
(``BasePlugin._preprocess_image``: above ``image_max_pixels`` scaled down by
``sqrt(max / (w * h))``, below ``image_min_pixels`` up, each side truncated with ``int()``; the
Qwen2-VL plugin, which Qwen3-VL's extends, then widens a side under 28 pixels and caps the
aspect ratio at 200), and the Qwen processors smart-resize after that. Writing every image at a
size that is a fixed point of both steps makes the image on disk the image the model sees.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from PIL import Image

from medground.errors import ConfigError
from medground.eval.boxes import QWEN3_FACTOR, QWEN25_FACTOR, processor_size
from medground.sinks.files import atomic_write_bytes, place_file

__all__ = ["LLAMAFACTORY_MIN_PIXELS", "llamafactory_size", "place_image", "trained_size",
           "write_image"]

#: LLaMA-Factory's ``image_min_pixels`` default (hparams ProcessorArguments)
LLAMAFACTORY_MIN_PIXELS = 32 * 32
#: answer formats whose LLaMA-Factory template uses the Qwen2-VL plugin, and its merge factor
_QWEN_FACTOR = {"qwen2.5-vl": QWEN25_FACTOR, "qwen2-vl": QWEN25_FACTOR, "qwen3-vl": QWEN3_FACTOR}


def llamafactory_size(width: int, height: int, image_max_pixels: int,
                      image_min_pixels: int = LLAMAFACTORY_MIN_PIXELS,
                      qwen_plugin: bool = False) -> tuple[int, int]:
    """The size LLaMA-Factory 0.9.5's mm_plugin resizes a ``width x height`` image to."""
    w, h = width, height
    if w * h > image_max_pixels:
        f = math.sqrt(image_max_pixels / (w * h))
        w, h = int(w * f), int(h * f)
    if w * h < image_min_pixels:
        f = math.sqrt(image_min_pixels / (w * h))
        w, h = int(w * f), int(h * f)
    if qwen_plugin:
        if min(w, h) < 28:
            w, h = max(w, 28), max(h, 28)
        if w / h > 200:
            w, h = h * 180, h
        if h / w > 200:
            w, h = w, w * 180
    return w, h


def trained_size(fmt: str, width: int, height: int, image_max_pixels: int) -> tuple[int, int]:
    """The size at which to write a ``width x height`` image for LLaMA-Factory training with the
    answer format ``fmt``: LLaMA-Factory's rule, then the model processor's (eval/boxes.py
    ``processor_size``), at a size that neither changes. When rounding to the processor's
    multiples lands above ``image_max_pixels``, the sides are rounded down instead; a size that
    LLaMA-Factory's own upscale (of images under ``image_min_pixels``) would change again is
    taken through the rule until it stays."""
    qwen = fmt in _QWEN_FACTOR

    def fixed(size: tuple[int, int]) -> bool:
        return (llamafactory_size(*size, image_max_pixels, qwen_plugin=qwen) == size
                and processor_size(fmt, *size) == size)

    first = llamafactory_size(width, height, image_max_pixels, qwen_plugin=qwen)
    size = processor_size(fmt, *first)
    if not fixed(size) and qwen:
        f = _QWEN_FACTOR[fmt]
        size = (max(f, first[0] // f * f), max(f, first[1] // f * f))
    for _ in range(64):  # the int() of an upscale can fall short of image_min_pixels again
        if fixed(size):
            break
        size = processor_size(fmt, *llamafactory_size(*size, image_max_pixels,
                                                       qwen_plugin=qwen))
    if not fixed(size):
        raise ConfigError(
            f"no image size suits both LLaMA-Factory (image_max_pixels={image_max_pixels}) and "
            f"the {fmt} processor for a {width}x{height} image; raise --image-max-pixels")
    return size


def place_image(src: Path, dst: Path) -> None:
    """``src`` at ``dst`` unchanged (sinks/files.py :func:`place_file`)."""
    place_file(src, dst)


def write_image(src: Path, dst: Path, size: tuple[int, int]) -> None:
    """``src`` at ``dst`` with the pixel size ``size`` (bicubic, as PNG; placed unchanged when
    it already has that size)."""
    with Image.open(src) as im:
        if im.size == size:
            place_image(src, dst)
            return
        buf = io.BytesIO()
        im.resize(size, Image.Resampling.BICUBIC).save(buf, format="PNG", compress_level=6)
    atomic_write_bytes(dst, buf.getvalue())
