"""The VLM judge: the image with the box drawn and the query go to a VLM, which says whether
the box shows what the query describes and whether nothing else fits. It runs after the
offline checks, so only samples that passed them cost a request. Every answer ends as a
verdict of its own sample: a failed request, a malformed envelope (no choices, a null message)
or an unreadable answer (null content, no JSON, JSON off the schema) rejects that sample with
the problem in the detail, and the other answers of the batch are kept."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from medground.config import VLMConfig
from medground.llm import prompts
from medground.llm.client import Completion
from medground.llm.deferred import Deferred
from medground.llm.parse import parse_answer
from medground.llm.session import client_for
from medground.stages.base import Check
from medground.types import Sample, Verdict

REASONS: Final = {
    "VLM_JUDGE_UNSUPPORTED": "the judge does not see the described structure in the box",
    "VLM_JUDGE_AMBIGUOUS": "the judge sees something else that fits the query as well",
    "VLM_JUDGE_MALFORMED": "the judge's answer could not be read (null content, no JSON, "
                           "JSON that does not fit the schema)",
    "VLM_JUDGE_UNAVAILABLE": "no usable answer from the server after the retries (HTTP or "
                             "connection errors, an answer with no choices or a null message)",
    "IMAGE_UNREADABLE": "the sample's PNG cannot be read, so there is nothing to show the judge",
}


class VLMJudge(Check):
    name = "vlm_judge"

    def __init__(self, vlm: VLMConfig) -> None:
        self.vlm = vlm

    def __call__(self, batch: list[Sample]) -> list[Sample]:
        return self.start(batch).result()

    def start(self, batch: list[Sample]) -> Deferred[list[Sample]]:
        """Send a request for each sample that passed the checks before and return at once;
        the verdicts are recorded when the caller asks for the result (pipeline.py)."""
        todo = [s for s in batch if s.passed]
        if not todo:
            return Deferred.ready(batch)
        assert self.root is not None, "VLMJudge needs bind(root)"
        fmt = prompts.schema_format("verdict", prompts.JudgeAnswer)
        asked: list[Sample] = []
        requests = []
        for s in todo:
            try:
                image = self.image(s)
            except (OSError, ValueError) as exc:
                s.verdicts.append(self.fail("IMAGE_UNREADABLE", f"{s.image}: {exc}"))
                continue
            asked.append(s)
            requests.append({"messages": prompts.judge_messages(
                                 image, [t.box for t in s.targets], s.query,
                                 crop=self.vlm.judge_crop),
                             "prompt_version": prompts.JUDGE_VERSION,
                             "response_format": fmt if self.vlm.structured_output else None})
        if not requests:
            return Deferred.ready(batch)
        sent = client_for(self.vlm, Path(self.root)).submit(requests)
        return Deferred(lambda answers: self._record(batch, asked, answers), sent)

    def _record(self, batch: list[Sample], asked: list[Sample],
                answers: list[Completion]) -> list[Sample]:
        for s, answer in zip(asked, answers, strict=True):
            s.verdicts.append(self._verdict(answer.text, answer.error))
            s.provenance["judge_raw"] = answer.text
        return batch

    def check(self, sample: Sample) -> Verdict:  # batched in __call__
        raise NotImplementedError

    def _verdict(self, text: str | None, error: str | None) -> Verdict:
        if error:
            return self.fail("VLM_JUDGE_UNAVAILABLE", error)
        parsed, problem = parse_answer(text, prompts.JudgeAnswer)
        if parsed is None:
            return self.fail("VLM_JUDGE_MALFORMED", problem or "")
        if not parsed.supported:
            return self.fail("VLM_JUDGE_UNSUPPORTED", parsed.reason[:200])
        if not parsed.unique:
            return self.fail("VLM_JUDGE_AMBIGUOUS", parsed.reason[:200])
        return self.ok(parsed.reason[:200])
