"""Views of a volume cost memory in proportion to the volume as loaded: no full-volume int64 or
float64 copy, slices cut and windowed one at a time, and the same views from any memory order
(NIfTI volumes are Fortran-ordered, reoriented ones flipped or permuted views)."""

from __future__ import annotations

import tracemalloc
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from medground.config import RegionsConfig, SlicingConfig
from medground.io.volume import Volume
from medground.sources.base import VolumeCase
from medground.stages.views import slice_areas, volume_instances, volume_views
from medground.testing.big_ct import big_ct, label_names
from medground.types import CaseInfo, View

SHAPE = (64, 64, 40)
PLANES = SlicingConfig(planes=["axial", "coronal"])


def _case(image: NDArray[Any], labels: NDArray[Any], affine: NDArray[np.float64]) -> VolumeCase:
    names = {v: n for v, n in label_names(30).items() if (labels == v).any()}
    return VolumeCase(info=CaseInfo(case_id="c", source="s", modality="CT", patient_id="p"),
                      image=Volume(image, affine, "img.nii.gz"),
                      label=Volume(labels, affine, "lab.nii.gz"),
                      label_names=names, original_axcodes="RAS")


@pytest.fixture(scope="module")
def ct() -> tuple[NDArray[np.int16], NDArray[np.uint8], NDArray[np.float64]]:
    return big_ct(shape=SHAPE, n_labels=30)


def test_views_allocate_well_under_the_volumes_bytes(
        ct: tuple[NDArray[np.int16], NDArray[np.uint8], NDArray[np.float64]]) -> None:
    """Measured: about 0.65x the image + label bytes (an instance map in uint8, the boxes of
    the labels); a full int64 label copy alone is 2.7x, a float64 image copy 2.7x, and the code
    before this allocated 5.6x."""
    image, labels, affine = ct
    case = _case(np.asfortranarray(image), np.asfortranarray(labels), affine)
    raw = image.nbytes + labels.nbytes
    tracemalloc.start()
    try:
        n = sum(1 for _ in volume_views(case, PLANES, Counter(), RegionsConfig()))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert n > 10
    assert peak < 1.5 * raw, f"views allocated {peak / raw:.2f}x the volume's bytes"


LAYOUTS: dict[str, Callable[[NDArray[Any]], NDArray[Any]]] = {
    "F": np.asfortranarray,
    "flipped-view": lambda a: np.flip(np.flip(a, 0).copy(), 0),  # same values, negative strides
    "permuted-view": lambda a: np.ascontiguousarray(a.transpose(2, 0, 1)).transpose(1, 2, 0),
}


def _same_views(a: list[View], b: list[View]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert (x.plane, x.slice_index, x.spacing_mm, x.midline_x, x.targets) == \
            (y.plane, y.slice_index, y.spacing_mm, y.midline_x, y.targets)
        assert x.image.tobytes() == y.image.tobytes()
        assert [(ly.label, ly.instance) for ly in x.layers] == \
            [(ly.label, ly.instance) for ly in y.layers]
        for lx, ly in zip(x.layers, y.layers, strict=True):
            np.testing.assert_array_equal(lx.mask, ly.mask)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_views_do_not_depend_on_memory_order(
        ct: tuple[NDArray[np.int16], NDArray[np.uint8], NDArray[np.float64]],
        layout: str) -> None:
    image, labels, affine = ct
    contiguous = list(volume_views(_case(image, labels.astype(np.int64), affine), PLANES,
                                   Counter(), RegionsConfig()))
    other = LAYOUTS[layout]
    strided = list(volume_views(_case(other(image), other(labels), affine), PLANES,
                                Counter(), RegionsConfig()))
    _same_views(contiguous, strided)


def _old_slice_areas(label: NDArray[Any], axis: int, n_ids: int) -> NDArray[np.int64]:
    """The flatten-the-moved-volume version this replaced (an int64 copy of the volume)."""
    moved = np.moveaxis(np.asarray(label, dtype=np.int64), axis, 0).reshape(label.shape[axis], -1)
    return np.stack([np.bincount(row, minlength=n_ids) for row in moved])


@pytest.mark.parametrize("layout", ["C", *sorted(LAYOUTS)])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_slice_areas_as_before_in_any_memory_order(
        ct: tuple[NDArray[np.int16], NDArray[np.uint8], NDArray[np.float64]],
        layout: str, axis: int) -> None:
    labels = ct[1] if layout == "C" else LAYOUTS[layout](ct[1])
    n_ids = int(labels.max()) + 1
    np.testing.assert_array_equal(slice_areas(labels, axis, n_ids),
                                  _old_slice_areas(labels, axis, n_ids))


@pytest.mark.parametrize(("n_components", "dtype"), [(3, np.uint8), (255, np.uint8),
                                                     (256, np.uint16)])
def test_instance_map_takes_the_smallest_type(n_components: int, dtype: type) -> None:
    """Dots 1 voxel apart along axis 0 are separate 3D components: ids 1..n fit uint8 up to
    255 (the label is split by the config: the structure rule would call a row of dots thin)."""
    labels = np.zeros((2 * n_components, 3, 3), dtype=np.uint8)
    labels[::2, 1, 1] = 1
    _, instances = volume_instances(labels, {1: "dots"}, RegionsConfig(split=["dots"]),
                                    Counter())
    assert instances is not None and instances.dtype == dtype
    assert int(instances.max()) == n_components
