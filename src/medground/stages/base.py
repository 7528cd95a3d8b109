"""The stage interface: a stage maps a batch of samples to a batch of samples.

``setup()`` / ``teardown()`` run once per worker. A check never drops a sample: it appends a
Verdict, and the executor routes failed samples to the rejects sink and counts
``rejected/<stage>/<reason>``. Samples that already failed are passed through unchecked.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from medground.stages.regions import Regions
from medground.types import CaseInfo, Sample, Verdict, View


class Stage(ABC):
    name: str = "stage"

    def setup(self) -> None:  # noqa: B027  (optional hook)
        """Load models, open clients: once per worker."""

    def teardown(self) -> None:  # noqa: B027  (optional hook)
        """Release what setup() acquired."""

    @abstractmethod
    def __call__(self, batch: list[Sample]) -> list[Sample]: ...


class Check(Stage):
    """A stage that judges each sample and records one Verdict on it."""

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
    cues: list[dict[str, Any]] = field(default_factory=list)  # one per region
    counts: Counter[str] = field(default_factory=Counter)  # what was skipped, and why


class Synthesizer(ABC):
    """Writes query samples for a view (template grammar offline, or a VLM)."""

    name: str = "synth"

    def setup(self) -> None:  # noqa: B027
        pass

    def teardown(self) -> None:  # noqa: B027
        pass

    @abstractmethod
    def synthesize(self, ctx: ViewContext) -> list[Sample]: ...
