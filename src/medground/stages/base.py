"""The stage interface: a stage maps a batch of samples to a batch of samples.

``setup()`` / ``teardown()`` run once per worker. A check never drops a sample: it appends a
Verdict, and the executor routes failed samples to the rejects sink and counts
``rejected/<stage>/<reason>``. Samples that already failed are passed through unchecked.
"""

from __future__ import annotations

import functools
import os
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from medground.geometry import rle
from medground.stages.regions import Regions
from medground.types import CaseInfo, Cues, Sample, Verdict, View, ViewRecord


def _load_png(path: str) -> NDArray[np.uint8]:
    """Cached on the file's modification time and size too, so a PNG rewritten in place (a
    rebuild with --overwrite in the same process) is never judged from stale pixels."""
    st = os.stat(path)
    return _load_png_version(path, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=8)
def _load_png_version(path: str, mtime_ns: int, size: int) -> NDArray[np.uint8]:
    with Image.open(path) as im:
        arr: NDArray[np.uint8] = np.asarray(im.convert("RGB") if im.mode not in ("L", "RGB") else im)
    return arr


class Stage(ABC):
    name: str = "stage"

    def setup(self) -> None:  # noqa: B027  (optional hook)
        """Load models, open clients: once per worker."""

    def teardown(self) -> None:  # noqa: B027  (optional hook)
        """Release what setup() acquired."""

    @abstractmethod
    def __call__(self, batch: list[Sample]) -> list[Sample]: ...


class Check(Stage):
    """A stage that judges each sample and records one Verdict on it.

    ``root`` is the dataset folder that sample image paths are relative to and ``views`` the
    labelled regions of every saved view by image path (``views.jsonl``); the executor (build
    or ``medground verify``) sets both. ``image()``, ``mask()`` and ``view()`` load what a
    check needs.
    """

    root: Path | None = None
    views: Mapping[str, ViewRecord] = MappingProxyType({})

    def bind(self, root: Path, views: Mapping[str, ViewRecord] | None = None) -> Check:
        self.root = root
        if views is not None:
            self.views = views
        return self

    def view(self, sample: Sample) -> ViewRecord | None:
        """Every labelled region of the sample's view, or None when none was stored."""
        return self.views.get(sample.image)

    def image(self, sample: Sample) -> NDArray[np.uint8]:
        """The sample's PNG as saved (H, W) or (H, W, 3); cached for the last few images."""
        if self.root is None:
            raise RuntimeError(f"{type(self).__name__} needs a dataset root: call bind(root)")
        return _load_png(str(self.root / sample.image))

    @staticmethod
    def mask(sample: Sample, index: int = 0) -> NDArray[np.bool_]:
        """Target ``index``'s mask; every stage asks for it, so decodings are shared."""
        return rle.decode_shared(sample.targets[index].mask_rle)

    def __call__(self, batch: list[Sample]) -> list[Sample]:
        for sample in batch:
            if sample.passed:
                sample.verdicts.append(self.check(sample))
        return batch

    @abstractmethod
    def check(self, sample: Sample) -> Verdict: ...

    def ok(self, detail: str = "") -> Verdict:
        return Verdict(stage=self.name, passed=True, reason="OK", detail=detail)

    def fail(self, reason: str, detail: str = "") -> Verdict:
        return Verdict(stage=self.name, passed=False, reason=reason, detail=detail)


@dataclass
class ViewContext:
    """Everything a synthesizer may use to write queries for one saved view."""

    info: CaseInfo
    view: View
    regions: Regions
    image_path: str  # relative to the output folder
    cues: list[Cues] = field(default_factory=list)  # one per region
    counts: Counter[str] = field(default_factory=Counter)  # what was skipped, and why
    _rles: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)

    def mask_rle(self, i: int) -> dict[str, Any]:
        """Region ``i``'s mask as COCO RLE, encoded once for the samples and the view record."""
        if i not in self._rles:
            x1, y1, x2, y2 = (int(v) for v in self.regions.xyxy[i])
            self._rles[i] = rle.encode_in_box(self.regions.masks[i], (x1, y1, x2, y2))
        return self._rles[i]


class Synthesizer(ABC):
    """Writes query samples for a view (template grammar offline, or a VLM)."""

    name: str = "synth"

    def bind(self, out: Path) -> None:  # noqa: B027  (for synthesizers that keep files)
        """The output folder (for caches); called before the first view."""

    def setup(self) -> None:  # noqa: B027
        pass

    def teardown(self) -> None:  # noqa: B027
        pass

    @abstractmethod
    def synthesize(self, ctx: ViewContext) -> list[Sample]: ...
