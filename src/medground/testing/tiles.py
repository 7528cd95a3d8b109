"""Generated 2D images of other modalities than CT, for tests of whole builds.

:func:`he_tile` draws an H&E-like brightfield tile: eosin-pink tissue with haematoxylin-purple
round nuclei, and the nuclei's instance-id map. Nothing here is imported by the runtime.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

#: RGB of eosin-stained stroma and of haematoxylin-stained nuclei (brightfield: light tissue,
#: dark nuclei)
EOSIN_RGB: tuple[int, int, int] = (236, 178, 206)
HAEMATOXYLIN_RGB: tuple[int, int, int] = (88, 52, 138)


def he_tile(
    seed: int = 0, height: int = 160, width: int = 192, n_nuclei: int = 12,
    radius: tuple[float, float] = (5.0, 11.0), gap_px: int = 4,
) -> tuple[NDArray[np.uint8], NDArray[np.uint16]]:
    """An RGB H&E-like tile and its instance map (0 = background, 1..n = nuclei).

    Nuclei are slightly oval discs of varied size, at least ``gap_px`` apart and away from the
    border, so that every one is a separate instance with a clear box.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:height, :width]
    image = np.asarray(EOSIN_RGB, np.float64) + rng.normal(0.0, 5.0, (height, width, 3))
    instances = np.zeros((height, width), np.uint16)
    placed = 0
    for _ in range(n_nuclei * 30):
        if placed == n_nuclei:
            break
        r = float(rng.uniform(*radius))
        margin = r + gap_px
        cy, cx = rng.uniform(margin, height - margin), rng.uniform(margin, width - margin)
        ry = r * float(rng.uniform(0.8, 1.0))
        disc = ((yy - cy) / ry) ** 2 + ((xx - cx) / r) ** 2 <= 1.0
        if (ndimage.binary_dilation(disc, iterations=gap_px) & (instances > 0)).any():
            continue
        placed += 1
        instances[disc] = placed
        noise = rng.normal(0.0, 6.0, (int(disc.sum()), 3))
        image[disc] = np.asarray(HAEMATOXYLIN_RGB, np.float64) + noise
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), instances
