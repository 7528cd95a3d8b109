"""sinks.files.png_bytes: lossless PNGs of grey and RGB views, read back by Pillow."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from medground.llm.prompts import png_data_url
from medground.sinks.files import png_bytes

RNG = np.random.default_rng(3)
IMAGES = {
    "grey noise": RNG.integers(0, 256, (37, 53), dtype=np.uint8),
    "rgb noise": RNG.integers(0, 256, (20, 31, 3), dtype=np.uint8),
    "constant": np.full((16, 16), 7, dtype=np.uint8),
    "one pixel": np.array([[255]], dtype=np.uint8),
    "gradient": np.add.outer(np.arange(64), np.arange(64)).astype(np.uint8),
    "non-contiguous": RNG.integers(0, 256, (40, 40), dtype=np.uint8)[::2, ::3],
}


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_png_bytes_are_the_pixels_losslessly(name: str) -> None:
    image = IMAGES[name]
    with Image.open(io.BytesIO(png_bytes(image))) as im:
        assert im.format == "PNG"
        assert im.mode == ("L" if image.ndim == 2 else "RGB")
        np.testing.assert_array_equal(np.asarray(im), image)


def test_a_prompt_image_is_the_saved_view_encoding() -> None:
    image = IMAGES["rgb noise"]
    url = png_data_url(image)
    assert url == png_data_url(png_bytes(image))
    assert url.startswith("data:image/png;base64,")
