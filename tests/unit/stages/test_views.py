"""The body midline of a volume is given only with evidence: an orientation and a whole body
cross-section in the field of view. Volumes here are drawn in canonical RAS voxels (axis 0
toward the patient's right), 3 mm voxels, grey 100 body on black air."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from numpy.typing import NDArray

from medground.config import SlicingConfig
from medground.io.volume import Volume
from medground.sources.base import VolumeCase
from medground.stages.cue_words import MIN_BODY_WIDTH_MM
from medground.stages.views import Midline, make_views, volume_midline
from medground.types import CaseInfo

MM = 3.0  # voxel size


def body(fov_mm: float = 360.0, width_mm: float = 300.0, centre_mm: float = 0.0,
         depth_mm: float = 210.0, nz: int = 8) -> NDArray[np.float64]:
    """An elliptic body cylinder ``width_mm`` across, centred ``centre_mm`` from the middle of
    a ``fov_mm`` wide field of view (240 mm front to back)."""
    nx, ny = round(fov_mm / MM), round(240.0 / MM)
    x = (np.arange(nx) + 0.5) * MM - fov_mm / 2  # voxel centres, mm from the middle
    y = (np.arange(ny) + 0.5) * MM - 120.0
    inside = ((x[:, None] - centre_mm) / (width_mm / 2)) ** 2 + (y[None, :] / (depth_mm / 2)) ** 2
    return np.repeat((100.0 * (inside <= 1))[:, :, None], nz, axis=2)


def midline(data: NDArray[np.float64]) -> Midline:
    return volume_midline(data, 0.0, 100.0, MM)


def test_whole_body_gives_its_centre() -> None:
    # centre 20 mm toward +x of a 360 mm field (air from 170 mm on): edge (180 + 20) / 3
    m = midline(body(centre_mm=20.0))
    assert m.withheld is None and m.x is not None and abs(m.x - 200.0 / 3) <= 1.0


@pytest.mark.parametrize(("crop", "what"), [
    (np.s_[80:90], "30 mm inside the body: narrower than any body, touching both borders"),
    (np.s_[60:100], "120 mm inside the body: the body reaches both borders"),
    (np.s_[60:120], "the right half: air on one side, the body cut at the midline"),
])
def test_crop_of_one_side_has_no_midline(crop: slice, what: str) -> None:
    m = midline(body()[crop])
    assert m == Midline(None, "crop"), what


def test_field_narrower_than_any_body_is_a_crop_even_with_air_around() -> None:
    # a 27 mm blob with air on both sides in a 60 mm field: no body is that narrow
    assert MIN_BODY_WIDTH_MM > 60.0
    assert midline(body(fov_mm=60.0, width_mm=27.0, depth_mm=27.0)) == Midline(None, "crop")


@pytest.mark.parametrize(("data", "what"), [
    (body(fov_mm=200.0, width_mm=60.0, depth_mm=60.0), "a 60 mm limb in a 200 mm field"),
    (np.zeros((100, 80, 8)), "nothing but air"),
])
def test_no_whole_body_outline(data: NDArray[np.float64], what: str) -> None:
    assert midline(data) == Midline(None, "no_body"), what


def test_a_few_whole_outlines_in_a_crop_give_no_midline() -> None:
    """Six of eight slices cut by the borders, two with a 100 mm outline (an arm, an end
    slice): most of what is seen is cut, so the midline is not in view."""
    cut = body(fov_mm=150.0, width_mm=400.0)
    cut[:, :, :2] = body(fov_mm=150.0, width_mm=100.0, depth_mm=100.0)[:, :, :2]
    assert midline(cut) == Midline(None, "crop")


def _case(data: NDArray[np.float64], oriented: bool) -> VolumeCase:
    label = np.zeros(data.shape, dtype=np.int64)
    label[data.shape[0] // 2 - 4: data.shape[0] // 2 + 4, 30:40, :] = 1
    affine = np.diag([MM, MM, MM, 1.0])
    return VolumeCase(
        info=CaseInfo(case_id="c", source="s", modality="MR", patient_id="anon-x"),
        image=Volume(data=data, affine=affine, path="img.nii.gz", oriented=oriented),
        label=Volume(data=label, affine=affine, path="lab.nii.gz"),
        label_names={1: "lesion"}, original_axcodes="RAS")


PLANES = ("axial", "coronal", "sagittal")


@pytest.mark.parametrize(("data", "oriented", "withheld"), [
    (body(), True, None),
    (body()[60:100], True, "crop"),
    (body(), False, "no_orientation"),
])
def test_views_carry_frame_and_midline_only_with_evidence(
        data: NDArray[np.float64], oriented: bool, withheld: str | None) -> None:
    counts: Counter[str] = Counter()
    views = list(make_views(_case(data, oriented), SlicingConfig(planes=list(PLANES)), counts))
    assert {v.plane for v in views} == set(PLANES)
    for v in views:
        assert (v.frame is not None) == oriented
        lateral = v.plane != "sagittal"
        assert (v.midline_x is not None) == (withheld is None and lateral), v.plane
    lateral_views = counts["views/axial"] + counts["views/coronal"]
    assert lateral_views >= 2
    withheld_counts = {k: n for k, n in counts.items() if k.startswith("patient_side_withheld/")}
    assert withheld_counts == ({} if withheld is None else
                               {f"patient_side_withheld/{withheld}": lateral_views})
