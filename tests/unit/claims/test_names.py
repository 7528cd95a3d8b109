"""NameTable.spans against a regex alternation of the table's names (longest first, the
textbook leftmost-longest scan), on queries built from the names themselves, and by hand."""

from __future__ import annotations

import random
import re

import pytest

from medground.claims.names import NameTable
from medground.claims.text import normalize

LABEL_SETS = [
    ["kidney_left", "kidney_right", "liver"],
    ["rib_left_7", "rib_right_7", "vertebrae_L1", "spinal_cord_C3", "aorta"],
    ["polyp"],
    ["lesion", "lung_upper_lobe_left", "heart"],
]
FILLERS = ["the", "of", "left", "on", "image", "'s", "and", ",", "both", "larger", "x", "kid"]


def _textbook(table: NameTable, text: str) -> list[tuple[int, int]]:
    names = sorted(table.phrases(), key=lambda p: (-len(p), p))
    pattern = re.compile(r"(?<![a-z0-9'])(?:" + "|".join(re.escape(p) for p in names)
                         + r")(?![a-z0-9])")
    return [m.span() for m in pattern.finditer(text)]


@pytest.mark.parametrize("labels", LABEL_SETS, ids=lambda ls: ls[0])
@pytest.mark.parametrize("seed", range(5))
def test_spans_equal_the_longest_first_alternation(labels: list[str], seed: int) -> None:
    table = NameTable(labels)
    rng = random.Random(seed)
    names = sorted(table.phrases())
    for _ in range(40):
        words: list[str] = []
        for _ in range(rng.randint(1, 8)):
            words.append(rng.choice(names) if rng.random() < 0.5 else rng.choice(FILLERS))
        text = normalize(" ".join(words))
        assert table.spans(text) == _textbook(table, text), text


@pytest.mark.parametrize(("text", "found"), [
    ("the left kidney and the liver", ["left kidney", "liver"]),
    ("both kidneys", ["kidneys"]),
    ("the liverish spot", ["spot"]),  # no name ends inside a word: not "liver"
    ("", []),
])
def test_spans_by_hand(text: str, found: list[str]) -> None:
    table = NameTable(["kidney_left", "kidney_right", "liver"])
    assert [text[a:b] for a, b in table.spans(normalize(text))] == found
