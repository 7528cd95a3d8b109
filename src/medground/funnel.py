"""The verification funnel: how many samples entered, passed and failed each stage, and why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any


class Funnel:
    """Accumulates verdict lists (one per synthesized sample) into per-stage counts."""

    def __init__(self, stages: Sequence[str]) -> None:
        self.stages = list(stages)
        self.synthesized = 0
        self.entered: Counter[str] = Counter()
        self.passed: Counter[str] = Counter()
        self.rejected: dict[str, Counter[str]] = {s: Counter() for s in self.stages}

    def add(self, verdicts: Iterable[dict[str, Any]]) -> None:
        self.synthesized += 1
        for v in verdicts:
            stage = v["stage"]
            if stage not in self.rejected:
                self.stages.append(stage)
                self.rejected[stage] = Counter()
            self.entered[stage] += 1
            if v["passed"]:
                self.passed[stage] += 1
            else:
                self.rejected[stage][v["reason"]] += 1
                return

    @property
    def kept(self) -> int:
        return self.synthesized - sum(sum(c.values()) for c in self.rejected.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "synthesized": self.synthesized,
            "stages": [
                {"stage": s, "entered": self.entered[s], "passed": self.passed[s],
                 "rejected": dict(sorted(self.rejected[s].items()))}
                for s in self.stages
            ],
            "kept": self.kept,
        }
