"""A cap on instances per view (regions.max_instances): refused before any mask is made, so an
image with 10^5 tiny components stays bounded in time and memory."""

from __future__ import annotations

import time
import tracemalloc
from collections import Counter

import numpy as np
import pytest

from medground.config import RegionsConfig
from medground.errors import CaseError
from medground.geometry.components import split_components
from medground.stages.regions import extract_regions, split_capped
from medground.types import Layer, View


def _view(layers: list[Layer], shape: tuple[int, int]) -> View:
    return View(case_id="c", plane="image", slice_index=None,
                image=np.zeros(shape, np.uint8), layers=layers)


def _grid(n_side: int) -> np.ndarray:
    tile = np.zeros((4, 4), bool)
    tile[:3, :3] = True
    return np.tile(tile, (n_side, n_side))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("connectivity", [4, 8])
def test_split_capped_equals_split_components(seed: int, connectivity: int) -> None:
    mask = np.random.default_rng(seed).random((40, 50)) > 0.7
    view = _view([], mask.shape)
    got = split_capped(mask, connectivity, 10**6, "x", view)
    want = split_components(mask, connectivity)
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)


def test_ten_to_the_five_components_are_refused_fast_and_small() -> None:
    mask = _grid(317)  # 100489 components of 9 pixels on 1268 x 1268
    cfg = RegionsConfig(min_area_fraction=0.0, split=["lesion"])
    view = _view([Layer("lesion", mask)], mask.shape)
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(CaseError) as info:
        extract_regions(view, cfg, Counter())
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert info.value.code == "TOO_MANY_INSTANCES"
    assert "100489" in info.value.message and "regions.max_instances" in info.value.message
    assert seconds < 5.0
    # a handful of full-size arrays (the labelled int32 map and a few masks), not 10^5 masks
    assert peak < 40 * mask.size, f"peak {peak / 2**20:.1f} MiB"


def test_under_the_cap_every_instance_is_kept() -> None:
    mask = _grid(5)  # 25 components
    view = _view([Layer("lesion", mask)], mask.shape)
    cfg = RegionsConfig(min_area_fraction=0.0, split=["lesion"], max_instances=25)
    regions = extract_regions(view, cfg, Counter())
    assert len(regions) == 25 and sorted(regions.instance.tolist()) == list(range(25))
    with pytest.raises(CaseError, match="has 25 instances"):
        extract_regions(view, cfg.model_copy(update={"max_instances": 24}), Counter())


def test_source_given_instances_are_capped_too() -> None:
    """Layers the source made instances (instance maps, 3D components) count as well."""
    mask = _grid(3)
    layers = [Layer("cell", mask & (np.arange(mask.size).reshape(mask.shape) % 9 == i),
                    instance=i) for i in range(9)]
    layers = [layer for layer in layers if layer.mask.sum() >= 1]
    cfg = RegionsConfig(min_area_px=1, min_area_fraction=0.0, min_box_px=1,
                        max_instances=len(layers) - 1)
    with pytest.raises(CaseError) as info:
        extract_regions(_view(layers, mask.shape), cfg, Counter())
    assert info.value.code == "TOO_MANY_INSTANCES"


def test_keep_whole_label_is_not_capped() -> None:
    mask = _grid(40)
    cfg = RegionsConfig(min_area_fraction=0.0, keep_whole=["lesion"], max_instances=2)
    regions = extract_regions(_view([Layer("lesion", mask)], mask.shape), cfg, Counter())
    assert len(regions) == 1
