"""The offline template synthesizer: cue-grounded referring expressions for three tasks.

- ``single``: a target with no other region of its kind in the view; the query may add true
  descriptors (shape, intensity, image region, patient side, a relation to a named structure).
- ``disambiguation``: a target among distractors of its kind (same label, or the same structure
  with another side or number); the query states a *minimal* set of attributes that selects
  exactly the target, and the sample records the distractors.
- ``multi``: one query for every region of a kind ("both kidneys", "all three lesions").

Deterministic for a seed; no coordinates or digits are written (count words only).
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

from medground.claims.text import query_key
from medground.claims.types import Claim
from medground.config import QueriesConfig
from medground.labels import is_level_label, patient_side, readable
from medground.stages.base import Synthesizer, ViewContext
from medground.stages.synth import grammar, intent
from medground.stages.synth.common import distractor_record, new_sample, stable_hash
from medground.stages.synth.describe import (
    Candidate,
    Description,
    absolute_attributes,
    kind_of,
    minimal_descriptions,
    possible_attributes,
    same_family,
    select,
)
from medground.stages.synth.lexicon import Attr, image_nouns, is_finding
from medground.types import Sample

VERSION = "template-v1"


class TemplateSynthesizer(Synthesizer):
    name = "template"

    def __init__(self, cfg: QueriesConfig) -> None:
        self.cfg = cfg

    def synthesize(self, ctx: ViewContext) -> list[Sample]:
        regions, view = ctx.regions, ctx.view
        candidates = [
            Candidate(key=f"{regions.label[i]}:{int(regions.instance[i])}",
                      label=str(regions.label[i]), area=float(regions.area[i]),
                      cx=float(regions.centroid[i][0]), cy=float(regions.centroid[i][1]),
                      absolute=absolute_attributes(ctx.cues[i]),
                      possible=possible_attributes(ctx.cues[i], view.width, view.height,
                                                   ctx.info.modality))
            for i in range(len(regions))
        ]
        kinds: dict[str, list[int]] = defaultdict(list)
        for i, c in enumerate(candidates):
            kinds[kind_of(c.label)].append(i)
        samples: list[Sample] = []
        tasks = set(self.cfg.tasks)
        seen: set[str] = set()  # queries already written for this view (per call: threads)
        for i, c in enumerate(candidates):
            if view.targets is not None and c.label not in view.targets:
                continue
            group = kinds[kind_of(c.label)]
            if len(group) == 1:
                if "single" in tasks:
                    samples += self._single(ctx, i, seen)
            elif "disambiguation" in tasks:
                samples += self._disambiguation(ctx, i, group, candidates, seen)
        if "multi" in tasks:
            for kind, group in sorted(kinds.items()):
                if len(group) < 2 or (view.targets is not None and
                                      not any(candidates[j].label in view.targets for j in group)):
                    continue
                if len(group) > self.cfg.multi_max_targets:
                    ctx.counts["multi_skipped/too_many_instances"] += 1
                    continue
                samples += self._multi(ctx, kind, group, seen)
        return samples

    # --- tasks -----------------------------------------------------------------------------
    def _rng(self, ctx: ViewContext, *key: object) -> random.Random:
        return random.Random(stable_hash(self.cfg.seed, ctx.info.case_id, ctx.view.name, *key))

    def _single(self, ctx: ViewContext, i: int, seen: set[str]) -> list[Sample]:
        cues = ctx.cues[i]
        label = str(ctx.regions.label[i])
        absolute = sorted(absolute_attributes(cues), key=lambda a: (a.kind, a.value))
        if not is_finding(label):  # anatomy: where it is, not how dense or what shape
            absolute = [a for a in absolute if a.kind not in ("shape", "intensity")]
        relations = [r for r in cues.relations if _unique_label(ctx, r.label)]
        host = next((r.label for r in relations if r.relation == "inside"), None)
        out = []
        for q in range(self.cfg.per_target):
            rng = self._rng(ctx, label, int(ctx.regions.instance[i]), "single", q)
            img = rng.choice(image_nouns(ctx.info.modality))
            k = rng.choice((0, 0, 1, 1))
            chosen: list[Attr] = []
            for a in rng.sample(absolute, len(absolute)):
                if len(chosen) < k and not any(same_family(a, b) for b in chosen):
                    chosen.append(a)
            desc = Description(tuple(chosen), None)
            extra: list[str] = []
            claims: list[Claim] = []
            if relations and rng.random() < 0.35:
                phrase, claim = grammar.relation_phrase(rng.choice(relations), rng, img)
                extra.append(phrase)
                claims.append(claim)
            noun = grammar.choose_noun(label, rng)
            claims.append(intent.name_claim(noun))
            if host and label in _GENERIC_FINDINGS and noun == readable(label) and rng.random() < 0.35:
                claims.append(intent.relation_claim("inside", readable(host)))
                noun = f"{readable(host)} {noun}"  # "liver lesion"
            np_ = grammar.noun_phrase(desc, noun, 1, ctx.view.frame, rng, extra, img)
            text, w = self._sentence(ctx, np_.text, grammar.SINGLE_WRAPPERS, rng, img,
                                     np_.has_post, seen)
            sample = new_sample(ctx, [i], "single", text, q, self._provenance(
                w, np_.parts + [f"relation:{e}" for e in extra], desc))
            sample.claims = claims + np_.claims
            out.append(sample)
        return out

    def _disambiguation(self, ctx: ViewContext, i: int, group: list[int],
                        candidates: list[Candidate], seen: set[str]) -> list[Sample]:
        target = candidates[i]
        same_name = [candidates[j] for j in group if candidates[j].label == target.label]
        descriptions = minimal_descriptions(target, same_name, ctx.view.width, ctx.view.height)
        if not descriptions:
            ctx.counts["targets_skipped/no_unique_description"] += 1
            return []
        distractors = [j for j in group if j != i]
        out = []
        for q in range(self.cfg.per_target):
            rng = self._rng(ctx, target.key, "disambiguation", q)
            img = rng.choice(image_nouns(ctx.info.modality))
            best = descriptions[: max(1, min(len(descriptions), 3))]
            desc = best[q % len(best)] if q < len(best) else rng.choice(best)
            remaining = select(same_name, desc.absolute, None, ctx.view.width, ctx.view.height)
            # "of the two polyps" only when no candidate is borderline for the rest
            exact = all(all(a in c.absolute for a in desc.absolute) for c in remaining)
            noun = grammar.choose_noun(target.label, rng)
            np_ = grammar.noun_phrase(desc, noun, len(remaining), ctx.view.frame, rng, img=img,
                                      count_set=exact)
            text, w = self._sentence(ctx, np_.text, grammar.SINGLE_WRAPPERS, rng, img,
                                     np_.has_post, seen)
            sample = new_sample(ctx, [i], "disambiguation", text, q,
                                self._provenance(w, np_.parts, desc))
            sample.claims = [intent.name_claim(noun), *np_.claims]
            sample.distractors = [distractor_record(ctx, j) for j in distractors]
            out.append(sample)
        return out

    def _multi(self, ctx: ViewContext, kind: str, group: list[int], seen: set[str]
               ) -> list[Sample]:
        labels = {str(ctx.regions.label[j]) for j in group}
        noun = readable(next(iter(labels))) if len(labels) == 1 else readable(kind)
        if len(labels) > 1 and all(is_level_label(lb) for lb in labels):
            noun = f"{noun} segment"  # spinal_cord_C2..C5: segments of one cord
        out = []
        for q in range(self.cfg.per_target):
            rng = self._rng(ctx, kind, "multi", q)
            img = rng.choice(image_nouns(ctx.info.modality))
            sides = sorted(patient_side(lb) or "" for lb in labels)
            np_text, claims = grammar.multi_phrase(noun, len(group), rng, img,
                                                   side_pair=sides == ["left", "right"])
            text, w = self._sentence(ctx, np_text, grammar.MULTI_WRAPPERS, rng, img, False, seen)
            sample = new_sample(ctx, sorted(group), "multi", text, q,
                                self._provenance(w, [f"multi:{np_text}"], None))
            sample.claims = [intent.name_claim(noun), *claims]
            out.append(sample)
        return out

    @staticmethod
    def _sentence(ctx: ViewContext, np_text: str, wrappers: tuple[str, ...],
                  rng: random.Random, img: str, has_post: bool, seen: set[str]
                  ) -> tuple[str, int]:
        """A sentence not yet used for this view (a repeat would be a duplicate query)."""
        for _ in range(8):
            text, w = grammar.sentence(np_text, wrappers, ctx.info.modality, ctx.view.plane, rng,
                                       img, has_post)
            key = query_key(text)
            if key not in seen:
                break
        seen.add(key)
        return text, w

    @staticmethod
    def _provenance(wrapper: int, parts: list[str], desc: Description | None) -> dict[str, Any]:
        return {"synthesizer": VERSION, "template": f"w{wrapper}", "phrases": parts,
                "attributes": grammar.attr_list(desc.attrs) if desc else []}


#: finding labels that name no organ, so "liver lesion" can say where they are
_GENERIC_FINDINGS = frozenset({"lesion", "tumor", "tumour", "nodule", "mass", "metastasis", "cyst"})


def _unique_label(ctx: ViewContext, label: str) -> bool:
    return int((ctx.regions.label == label).sum()) == 1
