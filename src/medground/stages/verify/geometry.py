"""Geometry check: the query, read by an independent reader, picks out exactly the targets.

Nothing stored on the sample is trusted but its query and its target masks (the answer). The
view's labelled regions (``views.jsonl``) are the world: each target must be one of them;
the query is read into claims (:mod:`medground.claims.reader`, which knows nothing of the
synthesizers); every claim is measured again from the masks and the saved PNG
(:mod:`medground.claims.evaluate`) for the targets, their distractors and every structure a
relation names; and the query must denote the targets and nothing else. The box must be
neither a speck nor the whole image, and a ``*_left`` / ``*_right`` label must lie on that
side of the patient according to the affine. Where the synthesizer stated the claims it meant,
the text must make exactly those claims.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from typing import Final

from medground.claims.compare import mismatch
from medground.claims.evaluate import REASONS as CLAIM_REASONS
from medground.claims.evaluate import evaluate
from medground.claims.measure import Region, Scene
from medground.claims.names import NameTable
from medground.claims.reader import read
from medground.geometry import rle
from medground.labels import patient_side
from medground.stages.base import Check
from medground.types import Sample, Verdict, ViewRecord

MIN_BOX_PX: Final = 3  # width and height
MIN_BOX_FRACTION: Final = 5e-5  # of the image area
MIN_DIAMETER_MM: Final = 1.0
MAX_BOX_FRACTION: Final = 0.95  # a box this large ...
MIN_FILL_OF_LARGE_BOX: Final = 0.5  # ... must hold a structure covering half the image
#: a sided label whose centroid lies this far (share of the width) past the midline on the
#: other side contradicts the affine
LATERALITY_MARGIN: Final = 0.05

REASONS: Final = {
    "VIEW_REGIONS_MISSING": "the view's labelled regions are not stored (views.jsonl), so "
                            "nothing can be re-measured",
    "TARGET_NOT_IN_VIEW": "a target mask is not one of the view's labelled regions",
    "BOX_TOO_SMALL": f"a box under {MIN_BOX_PX} px a side, {MIN_BOX_FRACTION:g} of the image "
                     f"or {MIN_DIAMETER_MM} mm across",
    "BOX_COVERS_IMAGE": "a box covers nearly the whole image but its structure does not",
    "LATERALITY_CONTRADICTS_AFFINE": "a *_left/*_right label lies on the other side of the "
                                     "patient according to the affine (orientation or label error)",
    "CLAIMS_MISMATCH": "the claims the synthesizer meant differ from those its text makes",
    **CLAIM_REASONS,
}


class GeometryCheck(Check):
    name = "geometry"

    def __init__(self) -> None:
        self._scenes: OrderedDict[tuple[str, int], tuple[Scene, NameTable]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, sample: Sample) -> Verdict:
        world = self.view(sample)
        if world is None:
            return self.fail("VIEW_REGIONS_MISSING", sample.image)
        scene, table = self._scene(sample, world)
        answer = _match(sample, world)
        if isinstance(answer, str):
            return self.fail("TARGET_NOT_IN_VIEW", answer)
        for i in answer:
            verdict = self._box(sample, scene.regions[i], world) or self._laterality(
                scene, scene.regions[i])
            if verdict is not None:
                return verdict
        reading = read(sample.query, table)
        if reading.unverifiable:
            return self.fail("UNVERIFIABLE_WORDING", "; ".join(reading.unverifiable))
        if sample.claims is not None:
            problem = mismatch(sample.claims, reading, table, scene)
            if problem:
                return self.fail("CLAIMS_MISMATCH", problem)
        failure = evaluate(reading, scene, answer)
        if failure is not None:
            return self.fail(failure.reason, failure.detail)
        return self.ok()

    def _scene(self, sample: Sample, world: ViewRecord) -> tuple[Scene, NameTable]:
        key = (sample.image, id(world))
        with self._lock:
            if key in self._scenes:
                self._scenes.move_to_end(key)
                return self._scenes[key]
        for r in world.regions:  # a record decode could not read fails every sample on it
            rle.check(r.mask_rle)
        regions = [Region(r.label, r.instance, functools.partial(rle.decode_shared, r.mask_rle))
                   for r in world.regions]  # each mask decoded when first read
        scene = Scene(image=self.image(sample), regions=regions, modality=world.modality,
                      plane=world.plane, frame=world.frame, midline_x=world.midline_x)
        built = (scene, NameTable.of(r.label for r in world.regions))
        with self._lock:
            self._scenes[key] = built
            while len(self._scenes) > 4:
                self._scenes.popitem(last=False)
        return built

    def _box(self, s: Sample, r: Region, world: ViewRecord) -> Verdict | None:
        x1, y1, x2, y2 = r.box
        w, h = x2 - x1, y2 - y1
        spacing = world.spacing_mm
        diameter = (2 * math.sqrt(r.area * spacing[0] * spacing[1] / math.pi)
                    if spacing else None)
        if (w < MIN_BOX_PX or h < MIN_BOX_PX or w * h < MIN_BOX_FRACTION * s.width * s.height
                or (diameter is not None and diameter < MIN_DIAMETER_MM)):
            return self.fail("BOX_TOO_SMALL", f"{r.label}: {w}x{h} px"
                             + (f", {diameter:.2f} mm" if diameter is not None else ""))
        share = r.area / (s.width * s.height)
        if w * h > MAX_BOX_FRACTION * s.width * s.height and share < MIN_FILL_OF_LARGE_BOX:
            return self.fail("BOX_COVERS_IMAGE", f"{r.label}: fills {share:.0%} of the image")
        return None

    def _laterality(self, scene: Scene, r: Region) -> Verdict | None:
        said = patient_side(r.label)
        if said is None:
            return None
        offset = scene.side_offset(r, said)
        if offset is not None and offset <= -LATERALITY_MARGIN:
            other = "right" if said == "left" else "left"
            return self.fail("LATERALITY_CONTRADICTS_AFFINE",
                             f"{r.label} lies on the patient's {other}")
        return None


def _match(sample: Sample, world: ViewRecord) -> list[int] | str:
    """Indices of the view's regions that the sample's target masks are (same label first),
    or why one is not there."""
    out: list[int] = []
    for t in sample.targets:
        same = [i for i, r in enumerate(world.regions) if r.mask_rle == t.mask_rle]
        if not same:
            return f"{t.label}: its mask is none of the view's {len(world.regions)} regions"
        named = [i for i in same if world.regions[i].label == t.label]
        out.append((named or same)[0])
    if len(set(out)) < len(out):
        return "two targets are the same region"
    return out
