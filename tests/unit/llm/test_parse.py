"""Tolerant reading of model answers."""

from __future__ import annotations

import pytest

from medground.llm.parse import parse_answer
from medground.llm.prompts import JudgeAnswer

OK = '{"supported": true, "unique": false, "reason": "two polyps"}'


@pytest.mark.parametrize("text", [
    OK,
    f"```json\n{OK}\n```",
    f"Sure! Here is my verdict:\n{OK}\nHope this helps.",
    f'{{"note": "first try"}} then {OK}',
    'Verdict: {"supported": true, "unique": false, "reason": "a } in the text"} done',
    f'{{"wrapper": {OK}}}',
], ids=["bare", "fence", "prose", "second-object", "braces-in-string", "nested"])
def test_answers_that_parse(text: str) -> None:
    parsed, problem = parse_answer(text, JudgeAnswer)
    assert problem is None and parsed is not None
    assert parsed.supported is True and parsed.unique is False


@pytest.mark.parametrize("text, problem", [
    ("", "empty answer"),
    ("   ", "empty answer"),
    ("no json here", "no JSON object"),
    ('{"supported": true, "unique": ', "no JSON object"),
    ('{"supported": "maybe"}', "JSON does not match the schema: supported: "),
    ("[" * 100_000, "no JSON object"),  # json.loads raises RecursionError, not a ValueError
    ("{" * 100_000, "no JSON object"),
    (None, "the answer has no text"),  # message content null
])
def test_answers_that_do_not(text: str | None, problem: str) -> None:
    parsed, why = parse_answer(text, JudgeAnswer)
    assert parsed is None and why is not None and why.startswith(problem)
