"""ring_contrasts (every region of a view on one canvas) gives exactly the contrast that
ring_contrast gives each region alone (itself checked by hand in test_cue_words.py); and
region_cues, which uses it and shape_measures_many, gives each region the cues ``measure``
gives it alone."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import ndimage

from medground.geometry.crops import box_of_mask
from medground.stages.cue_rings import ring_contrasts
from medground.stages.cue_words import ring_contrast
from medground.stages.cues import measure


def _scene(seed: int, h: int = 120, w: int = 150, n: int = 10
           ) -> tuple[np.ndarray, list[np.ndarray]]:
    """A noisy grey image and ``n`` blobs of random sizes, some cut by the image edge, some
    with holes, some overlapping."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (h, w)).astype(np.uint8)
    yy, xx = np.mgrid[:h, :w]
    masks = []
    for _ in range(n):
        cy, cx = rng.integers(-5, h + 5), rng.integers(-5, w + 5)
        r = int(rng.integers(1, 45))
        m = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
        if r > 6 and rng.random() < 0.5:
            m &= (yy - cy) ** 2 + (xx - cx) ** 2 > (r // 3) ** 2  # a hole
        if rng.random() < 0.3:
            m &= ndimage.gaussian_filter(rng.random((h, w)), 2) > 0.5  # ragged, parts
        if m.any():
            masks.append(m)
            image[m] = np.clip(image[m].astype(int) + int(rng.integers(-80, 80)), 0, 255)
    return image, masks


def _alone(image: np.ndarray, masks: list[np.ndarray]) -> list[float | None]:
    out = []
    for m in masks:
        rc = ring_contrast(image, m)
        out.append(rc.contrast if rc else None)
    return out


def _boxes_areas(masks: list[np.ndarray]) -> tuple[list, list[int]]:
    boxes = [box_of_mask(m) for m in masks]
    return boxes, [int(m.sum()) for m in masks]


@pytest.mark.parametrize("seed", range(12))
def test_ring_contrasts_equal_each_region_alone(seed: int) -> None:
    image, masks = _scene(seed)
    boxes, areas = _boxes_areas(masks)
    assert ring_contrasts(image, masks, boxes, areas) == _alone(image, masks)


def test_a_mask_covering_the_image_has_no_ring() -> None:
    image = np.arange(64, dtype=np.uint8).reshape(8, 8)
    whole, corner = np.ones((8, 8), bool), np.zeros((8, 8), bool)
    corner[:2, :2] = True
    got = ring_contrasts(image, [whole, corner], *_boxes_areas([whole, corner]))
    assert got[0] is None and got == _alone(image, [whole, corner])


def test_a_colour_image_is_measured_region_by_region() -> None:
    grey, masks = _scene(3, n=4)
    rgb = np.stack([grey, grey[::-1], np.roll(grey, 7, axis=1)], axis=-1)
    assert ring_contrasts(rgb, masks, *_boxes_areas(masks)) == _alone(rgb, masks)


def test_no_regions() -> None:
    assert ring_contrasts(np.zeros((4, 4), np.uint8), [], [], []) == []


@pytest.mark.parametrize("seed", range(4))
def test_region_cues_equal_measure_alone(seed: int) -> None:
    from medground.stages.cues import region_cues
    from medground.stages.regions import Regions

    image, masks = _scene(100 + seed)
    boxes, areas = _boxes_areas(masks)
    centroids = [(float(np.nonzero(m)[1].mean()) + 0.5, float(np.nonzero(m)[0].mean()) + 0.5)
                 for m in masks]
    regions = Regions(label=np.array([f"l{i % 3}" for i in range(len(masks))], dtype=np.str_),
                      instance=np.arange(len(masks), dtype=np.int64),
                      xyxy=np.array(boxes, dtype=np.int64), area=np.array(areas, np.int64),
                      centroid=np.array(centroids), masks=masks)
    view = _View(image)
    got = region_cues(view, regions, "CT")  # type: ignore[arg-type]
    for cues, mask in zip(got, masks, strict=True):
        alone = measure(mask, image, "CT", None, None, (0.8, 0.8))
        assert dataclasses.replace(cues, relations=(), ordinal=alone.ordinal) == alone


@dataclasses.dataclass
class _View:
    image: np.ndarray
    frame: dict[str, str] | None = None
    midline_x: float | None = None
    spacing_mm: tuple[float, float] = (0.8, 0.8)


@pytest.mark.parametrize("seed", range(6))
def test_grow_discs_with_a_radius_per_window(seed: int) -> None:
    """crops.grow_disc with a radius per column against the same with each window's one
    radius alone, on windows side by side with gaps of RING_MAX_PX, radii 0..RING_MAX_PX."""
    from medground.geometry.crops import grow_disc
    from medground.geometry.packed import layout
    from medground.stages.cue_words import RING_MAX_PX

    rng = np.random.default_rng(seed)
    tiles = [rng.random((int(rng.integers(1, 50)), int(rng.integers(1, 50)))) > 0.97
             for _ in range(8)]
    radii = rng.integers(0, RING_MAX_PX + 1, len(tiles))
    lay = layout([t.shape for t in tiles], RING_MAX_PX)
    canvas = np.asarray(lay.place(tiles, bool), dtype=bool)
    left = np.maximum.accumulate(np.maximum(lay.column_tile, 0))
    grown = grow_disc(canvas, radii[left])
    for t, (tile, r) in enumerate(zip(tiles, radii.tolist(), strict=True)):
        x = int(lay.x0[t])
        assert (grown[:tile.shape[0], x:x + tile.shape[1]] == grow_disc(tile, r)).all(), (t, r)
