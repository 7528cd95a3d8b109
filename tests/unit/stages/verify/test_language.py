"""stray_digits and name_words by hand."""

from __future__ import annotations

import pytest

from medground.stages.verify.language import name_words, stray_digits

NAMES = ["l1 vertebra", "vertebra l1", "seventh left rib", "7th left rib", "rib"]


@pytest.mark.parametrize(("query", "stray"), [
    ("Find the L1 vertebra.", None),
    ("find the vertebra l1", None),
    ("The 7th left rib, not the 8th.", "8"),
    ("Both 2 ribs", "2"),
    ("No digits at all", None),
    ("The L1 vertebra and 3 others", "3"),
])
def test_stray_digits(query: str, stray: str | None) -> None:
    assert stray_digits(query, NAMES) == stray


def test_name_words_join_the_labels_names_and_plurals() -> None:
    words = name_words(["kidney_left", "vertebrae_L1"])
    assert {"left", "kidney", "kidneys", "renal", "vertebra", "vertebrae"} <= words
    assert name_words([]) == set()
