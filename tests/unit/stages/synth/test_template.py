"""The template synthesizer over many random layouts: disambiguation queries read back to
exactly their target, single-target claims are true, no digits, deterministic for a seed."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest

from medground.config import QueriesConfig, RegionsConfig
from medground.geometry.orientation import FRAMES
from medground.stages.base import ViewContext
from medground.stages.cues import region_cues
from medground.stages.regions import extract_regions
from medground.stages.synth.resolve import resolve
from medground.stages.synth.template import TemplateSynthesizer
from medground.types import CaseInfo, Layer, Sample, View

H, W = 128, 160


def random_view(seed: int, frame: dict[str, str] | None) -> View:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:H, :W]
    image = np.full((H, W), 40, np.uint8)
    layers = []
    occupied = np.zeros((H, W), bool)
    n = int(rng.integers(2, 6))
    for _ in range(n * 4):
        if len(layers) == n:
            break
        r = float(rng.uniform(4, 18))
        cy, cx = rng.uniform(r, H - r), rng.uniform(r, W - r)
        ry = r * float(rng.uniform(0.5, 1.0))
        mask = ((yy - cy) / ry) ** 2 + ((xx - cx) / r) ** 2 <= 1
        if (mask & np.pad(occupied, 2)[2:-2, 2:-2]).any():
            continue
        occupied |= mask
        image[mask] = int(rng.integers(60, 250))
        layers.append(Layer("lesion", mask))
    organ = ((yy - 100) / 20) ** 2 + ((xx - 30) / 20) ** 2 <= 1
    layers.append(Layer("kidney_left" if frame else "organ", organ & ~occupied))
    return View(case_id=f"c{seed}", plane="axial" if frame else "image", slice_index=0,
                image=image, layers=layers, frame=frame, midline_x=W / 2 if frame else None)


def synthesize(v: View, seed: int = 0, per_target: int = 2) -> list[Sample]:
    regions = extract_regions(v, RegionsConfig(keep_whole=[], min_area_px=5), Counter())
    info = CaseInfo(case_id=v.case_id, source="t", modality="CT", patient_id="p")
    ctx = ViewContext(info=info, view=v, regions=regions, image_path="x.png",
                      cues=region_cues(v, regions, "CT"))
    return TemplateSynthesizer(QueriesConfig(per_target=per_target, seed=seed)).synthesize(ctx)


@pytest.mark.parametrize("frame", [None, FRAMES["axial"]], ids=["2d", "axial"])
def test_random_layouts(frame: dict[str, str] | None) -> None:
    tasks: Counter[str] = Counter()
    for seed in range(40):
        for s in synthesize(random_view(seed, frame)):
            rec = s.to_dict()
            tasks[s.task] += 1
            assert not re.search(r"\d", s.query), s.query
            assert s.query == s.query.strip() and "  " not in s.query
            if s.task == "disambiguation":
                t = rec["targets"][0]
                assert resolve(rec) == [f"{t['label']}:{t['instance']}"], s.query
            elif s.task == "multi":
                assert len(s.targets) >= 2 and not s.distractors
            else:
                assert resolve(rec) == [f"{rec['targets'][0]['label']}:0"], s.query
    assert tasks["disambiguation"] > 50 and tasks["multi"] > 20 and tasks["single"] > 20


def test_deterministic_for_a_seed() -> None:
    v = random_view(3, FRAMES["axial"])
    a = [s.query for s in synthesize(v, seed=1)]
    assert a == [s.query for s in synthesize(v, seed=1)]
    assert a != [s.query for s in synthesize(v, seed=2)]


def test_provenance_records_template_and_attributes() -> None:
    samples = synthesize(random_view(5, None))
    for s in samples:
        assert s.provenance["synthesizer"] == "template-v1"
        assert s.provenance["template"].startswith("w")
    dis = [s for s in samples if s.task == "disambiguation"]
    assert dis and all(s.provenance["attributes"] for s in dis if len(s.distractors) >= 1
                       and s.targets[0]["label"] == "lesion")


@pytest.mark.parametrize("tasks", [["single"], ["disambiguation"], ["multi"],
                                   ["single", "multi"]])
def test_tasks_are_configurable(tasks: list[str]) -> None:
    v = random_view(7, FRAMES["axial"])
    regions = extract_regions(v, RegionsConfig(keep_whole=[], min_area_px=5), Counter())
    info = CaseInfo(case_id=v.case_id, source="t", modality="CT", patient_id="p")
    ctx = ViewContext(info=info, view=v, regions=regions, image_path="x.png",
                      cues=region_cues(v, regions, "CT"))
    samples = TemplateSynthesizer(QueriesConfig(tasks=tasks)).synthesize(ctx)  # type: ignore[arg-type]
    assert samples and {s.task for s in samples} <= set(tasks)
