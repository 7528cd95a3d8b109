"""``medground inspect``: what the source sees, without writing anything."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from medground.build import discover
from medground.config import BuildConfig
from medground.errors import CaseError
from medground.geometry.orientation import PLANE_AXIS
from medground.sources import make_source
from medground.sources.base import ImageCase
from medground.stages.regions import label_selected


def inspect_cases(cfg: BuildConfig) -> Iterator[dict[str, Any]]:
    source = make_source(cfg)
    for ref in discover(cfg):
        row: dict[str, Any] = {"case": ref.case_id}
        try:
            case = source.load(ref)
        except CaseError as exc:
            row["status"] = f"error: {exc}"
            yield row
            continue
        row["modality"] = case.info.modality
        if isinstance(case, ImageCase):
            h, w = case.image.shape[:2]
            row.update(shape=f"{w}x{h}", orientation="none (2D)", spacing="",
                       labels=sorted({ly.label for ly in case.layers
                                      if label_selected(ly.label, cfg.regions)}),
                       slices="1")
        else:
            labels = case.label.data
            zooms = case.image.zooms
            selected = {v: n for v, n in case.label_names.items() if label_selected(n, cfg.regions)}
            counts = []
            mask = np.isin(labels, list(selected)) if selected else np.zeros(labels.shape, bool)
            for plane in cfg.slicing.planes:
                axis = PLANE_AXIS[plane]
                other = tuple(a for a in range(3) if a != axis)
                counts.append(f"{plane} {int(mask.any(axis=other).sum())}/{labels.shape[axis]}")
            row.update(shape="x".join(map(str, case.image.data.shape)),
                       orientation=(f"{case.original_axcodes} -> RAS" if case.image.oriented
                                    else "none (header)"),
                       spacing="x".join(f"{z:.3g}" for z in zooms),
                       labels=sorted(selected.values()), slices=", ".join(counts))
        row["status"] = "ok" if not case.issues else "; ".join(str(i) for i in case.issues)
        yield row
