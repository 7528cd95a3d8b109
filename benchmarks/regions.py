"""Claim: regions and cues cost in proportion to the regions, not the image (issue 12, item 1).

Generates the issue's CT in memory (``medground.testing.big_ct``: 512 x 512 x 300 voxels, int16,
0.8 x 0.8 x 1.5 mm, RAS, 100 labels, 11 % foreground), cuts it into views as a build does
(``make_views``: display orientation, square pixels, one layer per label or 3D instance;
``every_k`` slicing with k = 1, so every slice that shows a label), and times on the same views:

- medground: ``extract_regions`` + ``region_cues`` (every cue: shape, ring contrast,
  relations, ordinals);
- naive (the issue's baseline): for each label on the slice ``skimage.measure.label`` +
  ``regionprops`` with bbox, area, centroid, eccentricity, solidity and mean intensity;
- one ``scipy.ndimage.find_objects`` pass over the slice's label map (the floor).

Cutting the views is not timed (it is the views stage's cost, the same for all three). Times
are the process's CPU seconds (``time.process_time``), each view timed back to back for the
three, so that other jobs on a shared machine disturb the ratio less than wall-clock time would.
Target: medground >= 5x faster than naive.

    .venv/bin/python benchmarks/regions.py [--slices N] [--planes axial coronal]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from skimage.measure import label as sk_label
from skimage.measure import regionprops

from medground.config import RegionsConfig, SlicingConfig
from medground.geometry.orientation import PLANE_AXIS
from medground.io.volume import Volume
from medground.sources.base import VolumeCase
from medground.stages.cues import region_cues
from medground.stages.regions import extract_regions
from medground.stages.views import make_views
from medground.testing.big_ct import big_ct, label_names
from medground.types import CaseInfo, View

TARGET = 5.0
NAIVE_PROPS = ("bbox", "area", "centroid", "eccentricity", "solidity", "intensity_mean")


def volume_case() -> VolumeCase:
    image, labels, affine = big_ct()
    names = label_names()
    return VolumeCase(
        info=CaseInfo(case_id="big_ct", source="benchmark", modality="CT", patient_id="anon"),
        image=Volume(data=image, affine=affine, path="image.nii.gz"),
        label=Volume(data=labels, affine=affine, path="label.nii.gz"),
        label_names={v: names[v] for v in np.unique(labels).tolist() if v in names},
        original_axcodes="RAS")


def views(case: VolumeCase, plane: str, step: int
          ) -> Iterator[tuple[View, NDArray[np.int32]]]:
    """(view, its label map rebuilt from the layers) for every ``step``-th slice of ``plane``."""
    ids = {name: v for v, name in case.label_names.items()}
    cfg = SlicingConfig(planes=[plane], mode="every_k", every_k=step, min_area_px=1)
    for view in make_views(case, cfg, Counter(), RegionsConfig()):
        lab = np.zeros(view.image.shape[:2], dtype=np.int32)
        for layer in view.layers:
            lab[layer.mask] = ids[layer.label]
        yield view, lab


def medground_regions(view: View) -> int:
    regions = extract_regions(view, RegionsConfig(), Counter())
    region_cues(view, regions, "CT")
    return len(regions)


def naive_regions(view: View, lab: NDArray[np.integer[Any]]) -> int:
    n = 0
    for v in np.unique(lab):
        if v == 0:
            continue
        comps = sk_label(lab == v, connectivity=2)
        for p in regionprops(comps, intensity_image=view.image):
            for prop in NAIVE_PROPS:
                getattr(p, prop)
            n += 1
    return n


def find_objects_pass(lab: NDArray[np.integer[Any]]) -> int:
    return sum(box is not None for box in ndimage.find_objects(lab))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slices", type=int, default=None,
                    help="about this many slices per plane, evenly spaced (default: every slice)")
    ap.add_argument("--planes", nargs="+", default=["axial"], choices=["axial", "coronal"])
    args = ap.parse_args()
    t0 = time.perf_counter()
    case = volume_case()
    labels = case.label.data
    print(f"volume {case.image.data.shape} {case.image.data.dtype}, {len(case.label_names)} "
          f"labels, {np.count_nonzero(labels) / labels.size:.1%} foreground, generated in "
          f"{time.perf_counter() - t0:.1f} s")
    totals = {"medground": 0.0, "naive": 0.0, "find_objects": 0.0}
    n_views = n_regions = n_naive = 0
    for plane in args.planes:
        depth = labels.shape[PLANE_AXIS[plane]]
        step = 1 if args.slices is None else max(1, depth // args.slices)
        for view, lab in views(case, plane, step):
            n_views += 1
            t = time.process_time()
            n_regions += medground_regions(view)
            t1 = time.process_time()
            n_naive += naive_regions(view, lab)
            t2 = time.process_time()
            find_objects_pass(lab)
            t3 = time.process_time()
            totals["medground"] += t1 - t
            totals["naive"] += t2 - t1
            totals["find_objects"] += t3 - t2
    ratio = totals["naive"] / totals["medground"]
    print(f"{n_views} views ({', '.join(args.planes)}): medground {n_regions} regions with "
          f"every cue, naive {n_naive} components with {', '.join(NAIVE_PROPS)}")
    for name, seconds in totals.items():
        print(f"  {name:13s} {seconds:8.3f} CPU s  {1e3 * seconds / max(n_views, 1):7.2f} ms/view")
    print(f"medground vs naive: {ratio:.2f}x faster (target >= {TARGET:.0f}x): "
          f"{'PASS' if ratio >= TARGET else 'FAIL'}")
    print(f"medground vs one find_objects pass: "
          f"{totals['medground'] / max(totals['find_objects'], 1e-9):.0f}x slower")


if __name__ == "__main__":
    main()
