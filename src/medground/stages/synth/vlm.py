"""Query synthesis by a VLM behind an OpenAI-compatible server.

For every target (single and disambiguation tasks) the model gets the image, the target's cues
and its distractors' cues, and answers a versioned prompt with JSON queries. Answers that are
not usable become samples with a failing ``synth`` verdict (so they are counted among the
rejects): a failed request or an envelope with nothing to read (no choices, a null message)
is ``VLM_REQUEST_FAILED``, a null content, prose or JSON off the schema
``VLM_OUTPUT_MALFORMED``, each with the problem in the detail and only for its own target;
usable ones go through the same verification as template queries. Raw output, model,
prompt version and usage are kept in the provenance.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from medground.claims.types import Claim
from medground.config import QueriesConfig, VLMConfig
from medground.labels import readable
from medground.llm import prompts
from medground.llm.client import Completion
from medground.llm.deferred import Deferred
from medground.llm.parse import parse_answer
from medground.llm.session import client_for
from medground.stages.base import Synthesizer, ViewContext
from medground.stages.synth.common import distractor_record, new_sample
from medground.stages.synth.describe import kind_of
from medground.types import Sample, Verdict


class VLMSynthesizer(Synthesizer):
    name = "vlm"

    def __init__(self, queries: QueriesConfig, vlm: VLMConfig) -> None:
        self.queries = queries
        self.vlm = vlm
        self.out: Path | None = None

    def bind(self, out: Path) -> None:
        self.out = out

    def synthesize(self, ctx: ViewContext) -> list[Sample]:
        return self.start(ctx).result()

    def start(self, ctx: ViewContext, png: bytes | None = None) -> Deferred[list[Sample]]:
        """Send the view's requests (one per target) and return at once; the samples are
        made from the answers when the caller asks for them (pipeline.py keeps the views of
        a case waiting together). ``png``: the view's image as the PNG the pipeline saves,
        so that it is encoded once."""
        if self.out is None:
            raise RuntimeError("VLMSynthesizer needs bind(out) before use")
        regions, view = ctx.regions, ctx.view
        kinds: dict[str, list[int]] = defaultdict(list)
        for i in range(len(regions)):
            kinds[kind_of(str(regions.label[i]))].append(i)
        targets = [i for i in range(len(regions))
                   if view.targets is None or str(regions.label[i]) in view.targets]
        if not targets:
            return Deferred.ready([])
        fmt = prompts.schema_format("queries", prompts.QueriesAnswer)
        image = prompts.png_data_url(view.image if png is None else png)  # for every target
        requests = [{"messages": prompts.synth_messages(image, self._context(ctx, i, kinds),
                                                        self.queries.per_target),
                     "prompt_version": prompts.SYNTH_VERSION,
                     "response_format": fmt if self.vlm.structured_output else None}
                    for i in targets]
        batch = client_for(self.vlm, self.out).submit(requests)
        return Deferred(lambda answers: self._samples(ctx, targets, kinds, answers), batch)

    def _samples(self, ctx: ViewContext, targets: list[int], kinds: dict[str, list[int]],
                 answers: list[Completion]) -> list[Sample]:
        regions = ctx.regions
        samples: list[Sample] = []
        for i, answer in zip(targets, answers, strict=True):
            group = [j for j in kinds[kind_of(str(regions.label[i]))] if j != i]
            task = "disambiguation" if group else "single"
            provenance = {"synthesizer": f"vlm:{self.vlm.model}", "prompt": prompts.SYNTH_VERSION,
                          "prompt_hash": prompts.prompt_hash(prompts.SYNTH_VERSION),
                          "raw": answer.text,
                          "usage": {"prompt_tokens": answer.prompt_tokens,
                                    "completion_tokens": answer.completion_tokens}}
            parsed, problem = (None, f"request failed: {answer.error}") if answer.error else \
                parse_answer(answer.text, prompts.QueriesAnswer)
            queries = (parsed.queries[: self.queries.per_target] if parsed
                       else [prompts.WrittenQuery(text="")])
            for q, written in enumerate(queries):
                s = new_sample(ctx, [i], task, written.text.strip(), q, dict(provenance))
                s.distractors = [distractor_record(ctx, j) for j in group]
                claims, bad = _claims(written)
                s.claims = claims
                if parsed is None:
                    reason = "VLM_REQUEST_FAILED" if answer.error else "VLM_OUTPUT_MALFORMED"
                    s.verdicts.append(Verdict("synth", False, reason, problem or ""))
                elif bad:
                    s.verdicts.append(Verdict("synth", False, "VLM_CLAIMS_INVALID", bad))
                samples.append(s)
        return samples

    @staticmethod
    def _context(ctx: ViewContext, i: int, kinds: dict[str, list[int]]) -> dict[str, Any]:
        regions, view = ctx.regions, ctx.view

        def describe(j: int) -> dict[str, Any]:
            c = ctx.cues[j]
            return {"name": readable(str(regions.label[j])), "shape": c.shape.word,
                    "image_region": c.location.grid_phrase,
                    "patient_side": c.location.patient_side,
                    "intensity": c.intensity.word, "area_px": c.size.area_px,
                    "ordinal": list(c.ordinal.words) if c.ordinal else []}

        others = [j for j in kinds[kind_of(str(regions.label[i]))] if j != i]
        frame = view.frame
        orientation = (f"image left = patient {frame['left']}, image top = patient "
                       f"{frame['top']}") if frame else "unknown: use image-frame words"
        if frame and frame["left"] in ("R", "L") and view.midline_x is None:
            orientation += ("; the body midline is not in view: no patient left / right side "
                            "from position")
        return {"modality": ctx.info.modality, "plane": view.plane, "orientation": orientation,
                "target": describe(i), "distractors": [describe(j) for j in others]}


def _claims(written: prompts.WrittenQuery) -> tuple[list[Claim] | None, str | None]:
    """The model's stated claims as Claim records, or why they are not valid claims."""
    if written.claims is None:
        return None, None
    out: list[Claim] = []
    for stated in written.claims:
        try:
            out.append(Claim(**stated.model_dump()))
        except ValidationError as exc:
            return None, f"{stated.kind} {stated.value!r}: {exc.errors()[0]['msg']}"
    return out, None
