"""Small generated scenes with known geometry, for tests and benchmarks of the checker.

A :class:`SceneBuilder` draws labelled shapes at places the test chooses, writes the PNG and
the view's region record the way a build does, and makes samples for any query and target;
:func:`verify` runs verification stages on them. Nothing here comes from a synthesizer, so the
checker is tested against geometry the test wrote down, not against the code that writes
queries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from medground.claims.types import Claim
from medground.geometry import rle
from medground.stages.verify import make_checks
from medground.types import Distractor, RegionRecord, Sample, Target, ViewRecord

AXIAL = {"left": "R", "right": "L", "top": "A", "bottom": "P"}
CORONAL = {"left": "R", "right": "L", "top": "S", "bottom": "I"}
SAGITTAL = {"left": "A", "right": "P", "top": "S", "bottom": "I"}


@dataclass
class Shape:
    label: str
    instance: int
    mask: NDArray[np.bool_]

    @property
    def box(self) -> tuple[int, int, int, int]:
        """The tight pixel-edge box, worked out here rather than by the code under test."""
        ys, xs = np.nonzero(self.mask)
        return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


@dataclass
class SceneBuilder:
    """Shapes on a uniform background; later shapes are drawn over earlier ones."""

    height: int = 100
    width: int = 100
    background: int = 40
    modality: str = "CT"
    plane: str = "image"
    frame: dict[str, str] | None = None
    midline_x: float | None = None
    name: str = "scene"
    shapes: list[Shape] = field(default_factory=list)
    image: NDArray[np.uint8] = field(init=False)

    def __post_init__(self) -> None:
        self.image = np.full((self.height, self.width), self.background, np.uint8)
        if self.frame is not None and self.midline_x is None and self.frame["left"] in "RL":
            self.midline_x = self.width / 2

    def _grid(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        yy, xx = np.mgrid[:self.height, :self.width]
        return xx + 0.5, yy + 0.5  # pixel centres

    def add(self, label: str, mask: NDArray[np.bool_], value: int) -> Shape:
        for s in self.shapes:  # exclusive labels, as in a label map
            s.mask &= ~mask
        instance = sum(s.label == label for s in self.shapes)
        shape = Shape(label, instance, mask.copy())
        self.shapes.append(shape)
        self.image[mask] = value
        return shape

    def disc(self, label: str, cx: float, cy: float, r: float, value: int = 200,
             ry: float | None = None) -> Shape:
        x, y = self._grid()
        return self.add(label, ((x - cx) / r) ** 2 + ((y - cy) / (ry or r)) ** 2 <= 1, value)

    def rect(self, label: str, x1: int, y1: int, x2: int, y2: int, value: int = 200) -> Shape:
        mask = np.zeros((self.height, self.width), bool)
        mask[y1:y2, x1:x2] = True
        return self.add(label, mask, value)

    def ring(self, label: str, cx: float, cy: float, r: float, inner: float,
             value: int = 200) -> Shape:
        x, y = self._grid()
        d = np.hypot(x - cx, y - cy)
        return self.add(label, (d <= r) & (d > inner), value)

    def crescent(self, label: str, cx: float, cy: float, r: float, value: int = 200) -> Shape:
        x, y = self._grid()
        outer = np.hypot(x - cx, y - cy) <= r
        bite = np.hypot(x - cx - 0.55 * r, y - cy) <= 0.85 * r
        return self.add(label, outer & ~bite, value)

    def lobulated(self, label: str, cx: float, cy: float, r: float, value: int = 200) -> Shape:
        x, y = self._grid()
        mask = np.hypot(x - cx, y - cy) <= 0.62 * r
        for k in range(5):
            a = 2 * np.pi * k / 5
            mask |= np.hypot(x - cx - 0.55 * r * np.cos(a), y - cy - 0.55 * r * np.sin(a)) \
                <= 0.42 * r
        return self.add(label, mask, value)

    def star(self, label: str, cx: float, cy: float, r: float, value: int = 200) -> Shape:
        """A jagged, spiky outline (irregular)."""
        x, y = self._grid()
        angle = np.arctan2(y - cy, x - cx)
        radius = r * (0.55 + 0.45 * (np.cos(9 * angle) > 0.2))
        return self.add(label, np.hypot(x - cx, y - cy) <= radius, value)

    # --- output --------------------------------------------------------------------------
    @property
    def image_path(self) -> str:
        return f"images/{self.name}.png"

    def record(self) -> ViewRecord:
        regions = []
        for s in self.shapes:
            if not s.mask.any():
                continue
            regions.append(RegionRecord(s.label, s.instance, s.box, int(s.mask.sum()),
                                        rle.encode(s.mask)))
        return ViewRecord(image=self.image_path, case=self.name, plane=self.plane, slice=0,
                          width=self.width, height=self.height, modality=self.modality,
                          frame=self.frame, spacing_mm=None, midline_x=self.midline_x,
                          regions=tuple(regions))

    def write(self, root: Path) -> ViewRecord:
        path = root / self.image_path
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(self.image).save(path)
        return self.record()

    def sample(self, query: str, targets: Sequence[Shape], task: str | None = None,
               claims: Iterable[Claim] | None = None, distractors: Sequence[Shape] = ()
               ) -> Sample:
        if task is None:
            kin = [s for s in self.shapes if s.label == targets[0].label and s not in targets]
            task = "multi" if len(targets) > 1 else "disambiguation" if kin else "single"
        recs = [Target(label=s.label, instance=s.instance, box=s.box, area=int(s.mask.sum()),
                       mask_rle=rle.encode(s.mask)) for s in targets]
        key = hashlib.sha1(f"{self.name}|{query}|{[t.instance for t in targets]}".encode())
        return Sample(
            id=key.hexdigest()[:16], image=self.image_path, width=self.width,
            height=self.height, source="test", case=self.name, patient_id="anon-test",
            modality=self.modality, plane=self.plane, slice=0, task=task, targets=recs,
            query=query, frame=self.frame, spacing_mm=None, midline_x=self.midline_x,
            distractors=[Distractor(label=d.label, instance=d.instance, box=d.box)
                         for d in distractors],
            claims=None if claims is None else list(claims))


def verify(samples: list[Sample], root: Path, views: Iterable[ViewRecord],
           stages: Sequence[str] = ("format", "geometry")) -> list[Sample]:
    """Run the verification stages on the samples, as ``medground verify`` does."""
    index = {v.image: v for v in views}
    for s in samples:
        s.verdicts = []
    for check in make_checks(list(stages)):
        check.bind(root, index)
        check.setup()
        check(samples)
        check.teardown()
    return samples
