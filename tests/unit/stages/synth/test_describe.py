"""Minimal distinguishing descriptions, table-driven."""

from __future__ import annotations

import pytest

from medground.stages.synth.describe import (
    Candidate,
    Description,
    kind_of,
    minimal_descriptions,
    relative_value,
    select,
)
from medground.stages.synth.lexicon import Attr

W = H = 100


def cand(key: str, area: float, cx: float, cy: float, *attrs: tuple[str, str]) -> Candidate:
    return Candidate(key=key, label="lesion", area=area, cx=cx, cy=cy,
                     absolute=frozenset(Attr(k, v) for k, v in attrs))


@pytest.mark.parametrize(("label", "kind"), [
    ("kidney_left", "kidney"), ("rib_left_7", "rib"), ("vertebrae_L1", "vertebrae"),
    ("hip_right", "hip"), ("lung_upper_lobe_left", "lung_upper_lobe"), ("polyp", "polyp"),
    ("spinal_cord_C3", "spinal_cord"), ("heart_atrium_left", "heart_atrium"),
])
def test_kind_of(label: str, kind: str) -> None:
    assert kind_of(label) == kind


@pytest.mark.parametrize(("areas", "expected"), [
    ((300, 100), ["max", "min"]),
    ((100, 110), [None, None]),        # within the 1.2 margin: no size word is true
    ((100, 200, 400), ["min", None, "max"]),
    ((100, 100, 400), [None, None, "max"]),
])
def test_size_relative_values(areas: tuple[int, ...], expected: list[str | None]) -> None:
    group = [cand(str(i), a, 10 * i, 50) for i, a in enumerate(areas)]
    assert [relative_value(c, group, "size", W, H) for c in group] == expected


def test_position_needs_a_gap() -> None:
    group = [cand("a", 10, 20, 50), cand("b", 10, 23, 50)]  # 3 px < 5% of 100
    assert relative_value(group[0], group, "hpos", W, H) is None
    group = [cand("a", 10, 20, 50), cand("b", 10, 40, 50)]
    assert relative_value(group[0], group, "hpos", W, H) == "min"


@pytest.mark.parametrize(("group", "target", "first"), [
    # larger vs smaller
    ([cand("a", 300, 20, 20), cand("b", 100, 80, 80)], "a", Description((), Attr("size", "max"))),
    # equal size: the horizontal position decides
    ([cand("a", 100, 20, 50), cand("b", 100, 80, 50)], "b", Description((), Attr("hpos", "max"))),
    # same size and column: the vertical position decides
    ([cand("a", 100, 50, 20), cand("b", 100, 50, 80)], "a", Description((), Attr("vpos", "min"))),
    # a unique shape word beats nothing else
    ([cand("a", 100, 50, 50, ("shape", "round")), cand("b", 105, 50, 52, ("shape", "oval"))],
     "b", Description((Attr("shape", "oval"),), None)),
])
def test_minimal_description(group: list[Candidate], target: str, first: Description) -> None:
    t = next(c for c in group if c.key == target)
    found = minimal_descriptions(t, group, W, H)
    assert found[0] == first
    for d in found:
        assert [c.key for c in select(group, d.absolute, d.relative, W, H)] == [target]
        assert len(d.attrs) == len(first.attrs)  # all minimal


def test_superlative_is_read_within_the_rest_of_the_description() -> None:
    # largest in the upper left, though not the largest overall
    group = [cand("a", 300, 10, 10, ("grid", "upper left")),
             cand("b", 100, 12, 14, ("grid", "upper left")),
             cand("c", 500, 90, 90, ("grid", "lower right")),
             cand("d", 50, 95, 80, ("grid", "lower right"))]
    found = minimal_descriptions(group[0], group, W, H)
    assert Description((Attr("grid", "upper left"),), Attr("size", "max")) in found
    assert all(len(d.attrs) == 2 for d in found)


def test_indistinguishable_targets_get_no_description() -> None:
    group = [cand("a", 100, 50, 50), cand("b", 100, 51, 50)]
    assert minimal_descriptions(group[0], group, W, H) == []


def test_one_location_word_per_description() -> None:
    # only grid + position together would separate them: two location words are not combined
    group = [cand("a", 100, 50, 50, ("grid", "center"), ("position", "central")),
             cand("b", 101, 51, 50, ("grid", "center"), ("position", "peripheral")),
             cand("c", 102, 52, 50, ("grid", "upper left"), ("position", "central"))]
    found = minimal_descriptions(group[0], group, W, H)
    assert all(not ({a.kind for a in d.attrs} >= {"grid", "position"}) for d in found)


def test_superlative_holds_against_borderline_matches() -> None:
    """'the largest oval lesion' is not written when a larger lesion is borderline oval: a reader
    could count it among the oval ones (issue 9: qualifiers a reader can resolve)."""
    target = cand("a", 300, 20, 20, ("shape", "oval"))
    borderline = Candidate(key="b", label="lesion", area=400, cx=80, cy=80,
                           absolute=frozenset(), possible=frozenset({Attr("shape", "oval")}))
    round_small = cand("c", 100, 50, 50, ("shape", "round"))
    group = [target, borderline, round_small]
    found = minimal_descriptions(target, group, W, H)
    assert Description((Attr("shape", "oval"),), Attr("size", "max")) not in found
    for d in found:  # whatever is chosen picks the target out of every reading
        assert [c.key for c in select(group, d.absolute, d.relative, W, H)] == ["a"]
    clear = cand("b", 400, 80, 80, ("shape", "round"))  # clearly not oval: now it may be said
    found = minimal_descriptions(target, [target, clear, round_small], W, H)
    assert Description((Attr("shape", "oval"),), None) in found
