"""Helpers shared by synthesizers: sample ids, target records, seeded choices."""

from __future__ import annotations

import hashlib
from typing import Any

from medground.labels import readable
from medground.stages.base import ViewContext
from medground.types import Distractor, Sample, Target


def stable_hash(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def _region(ctx: ViewContext, i: int) -> dict[str, Any]:
    r = ctx.regions
    x1, y1, x2, y2 = (int(v) for v in r.xyxy[i])
    return {"label": str(r.label[i]), "name": readable(str(r.label[i])),
            "instance": int(r.instance[i]), "box": (x1, y1, x2, y2), "area": int(r.area[i]),
            "centroid": (round(float(r.centroid[i][0]), 3), round(float(r.centroid[i][1]), 3)),
            "cues": ctx.cues[i] if ctx.cues else None}


def distractor_record(ctx: ViewContext, i: int) -> Distractor:
    """A region as the sample records it: label, box, area, centroid and cues (no mask)."""
    return Distractor(**_region(ctx, i))


def target_record(ctx: ViewContext, i: int) -> Target:
    """A target: the distractor record plus its mask (COCO RLE)."""
    return Target(**_region(ctx, i), mask_rle=ctx.mask_rle(i))


def new_sample(
    ctx: ViewContext, targets: list[int], task: str, query: str, query_index: int,
    provenance: dict[str, Any],
) -> Sample:
    view, info = ctx.view, ctx.info
    keys = [f"{ctx.regions.label[i]}:{int(ctx.regions.instance[i])}" for i in targets]
    sample_id = stable_hash(info.source, info.case_id, view.plane, view.slice_index, keys, task,
                            query_index)[:20]
    return Sample(
        id=sample_id,
        image=ctx.image_path,
        width=view.width,
        height=view.height,
        source=info.source,
        case=info.case_id,
        patient_id=info.patient_id,
        modality=info.modality,
        plane=view.plane,
        slice=view.slice_index,
        task=task,
        targets=[target_record(ctx, i) for i in targets],
        query=query,
        frame=view.frame,
        spacing_mm=list(view.spacing_mm) if view.spacing_mm else None,
        midline_x=view.midline_x,
        provenance=provenance,
    )
