"""Verification stages; each records a Verdict with a stable reason code."""

from __future__ import annotations

from collections.abc import Sequence

from medground.config import VLMConfig
from medground.stages.base import Check


def make_checks(stages: Sequence[str], vlm: VLMConfig | None = None) -> list[Check]:
    """The configured checks, in pipeline order (format -> geometry -> priors -> judge)."""
    from medground.stages.verify.format import FormatCheck
    from medground.stages.verify.geometry import GeometryCheck
    from medground.stages.verify.priors import PriorCheck

    factories: dict[str, type[Check]] = {"format": FormatCheck, "geometry": GeometryCheck,
                                         "priors": PriorCheck}
    try:
        from medground.stages.verify.judge import ImageJudge

        factories["judge"] = ImageJudge
    except ImportError:  # pragma: no cover - the judge module is part of the package
        pass
    order = ["format", "geometry", "priors", "judge", "vlm_judge"]
    unknown = [s for s in stages if s not in factories and s != "vlm_judge"]
    if unknown:
        raise ValueError(f"unknown verification stage(s): {', '.join(unknown)}")
    checks: list[Check] = []
    for s in sorted(set(stages), key=order.index):
        if s == "vlm_judge":
            if vlm is None:
                raise ValueError("the vlm_judge stage needs a `vlm` section in the config")
            from medground.stages.verify.vlm_judge import VLMJudge

            checks.append(VLMJudge(vlm))
        else:
            checks.append(factories[s]())
    return checks
