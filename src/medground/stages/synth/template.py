"""A minimal offline template synthesizer: one referring phrase per target.

It names the structure in readable words, and when a label has several instances in the
view it tells them apart by size rank (instances are measured, never guessed).
"""

from __future__ import annotations

import random

import numpy as np

from medground.config import QueriesConfig
from medground.labels import ordinal, readable
from medground.stages.base import Synthesizer, ViewContext
from medground.stages.synth.common import new_sample, stable_hash
from medground.types import Sample

VERSION = "template-v0"

_FORMS = (
    "the {phrase}",
    "Find the {phrase}.",
    "Locate the {phrase}.",
    "Where is the {phrase}?",
    "Show the {phrase} in this image.",
)


def size_phrase(rank: int, count: int) -> str:
    if count == 2:
        return "larger" if rank == 0 else "smaller"
    if rank == 0:
        return "largest"
    if rank == count - 1:
        return "smallest"
    return f"{ordinal(rank + 1)}-largest"


class TemplateSynthesizer(Synthesizer):
    name = "template"

    def __init__(self, cfg: QueriesConfig) -> None:
        self.cfg = cfg

    def synthesize(self, ctx: ViewContext) -> list[Sample]:
        regions, view = ctx.regions, ctx.view
        samples: list[Sample] = []
        for i in range(len(regions)):
            label = str(regions.label[i])
            if view.targets is not None and label not in view.targets:
                continue
            same = np.flatnonzero(regions.label == label)
            phrase = readable(label)
            if len(same) > 1:
                order = sorted((int(j) for j in same), key=lambda j: (-int(regions.area[j]), j))
                areas = [int(regions.area[j]) for j in order]
                rank = order.index(i)
                if areas.count(int(regions.area[i])) > 1:
                    # equal sizes: a size word would not single it out
                    ctx.counts["targets_skipped/equal_size_instances"] += 1
                    continue
                phrase = f"{size_phrase(rank, len(same))} {phrase}"
            for q in range(self.cfg.per_target):
                rng = random.Random(stable_hash(self.cfg.seed, ctx.info.case_id, view.name, label,
                                                int(regions.instance[i]), q))
                form_index = rng.randrange(len(_FORMS))
                query = _FORMS[form_index].format(phrase=phrase)
                provenance = {"synthesizer": VERSION, "template": f"form{form_index}"}
                samples.append(new_sample(ctx, [i], "single", query, q, provenance))
        return samples
