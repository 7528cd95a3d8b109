"""Format check: the record is well formed, its boxes agree with their masks, and the query is
clean English text that leaks nothing about the answer."""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Final

from medground.claims.names import kind_names, label_names
from medground.claims.text import query_key
from medground.geometry import rle
from medground.geometry.boxes import box_inside, mask_to_box
from medground.labels import plural, readable
from medground.stages.base import Check
from medground.stages.verify import language
from medground.types import Sample, Target, Verdict

MIN_QUERY_CHARS: Final = 3
MAX_QUERY_CHARS: Final = 300
MIN_MASK_FILL: Final = 0.02  # mask pixels / box pixels
TASKS: Final = ("single", "disambiguation", "multi")

#: stable reason codes of this stage
REASONS: Final = {
    "SCHEMA_INVALID": "a required field is missing or has the wrong type",
    "NO_TARGETS": "the sample has no target",
    "QUERY_EMPTY": "the query is empty or whitespace",
    "QUERY_TOO_SHORT": f"the query has fewer than {MIN_QUERY_CHARS} characters",
    "QUERY_TOO_LONG": f"the query has more than {MAX_QUERY_CHARS} characters",
    "QUERY_BAD_CHARACTERS": "control characters, markup, URLs or a non-Latin script",
    "QUERY_LEAKS_COORDINATES": "the query contains coordinates or pixel values",
    "QUERY_LEAKS_LABEL_ID": "the query contains a raw label id such as kidney_left or 'label 3'",
    "QUERY_HAS_NUMBERS": "digits that are not part of a structure's name (L1, 7th rib)",
    "QUERY_NOT_ENGLISH": f"fewer than {language.MIN_KNOWN_FRACTION:.0%} of the words are English",
    "QUERY_TRUNCATED": "the query ends mid-word, on a dangling word, as a sentence without final "
                       "punctuation, or with a plural quantifier and no plural noun",
    "QUERY_DUPLICATE_IN_IMAGE": "another sample of the same image has the same query",
    "BOX_EMPTY": "a target box has no area",
    "BOX_OUTSIDE_IMAGE": "a target box is not inside the image",
    "MASK_SIZE_MISMATCH": "a target mask's size differs from the image",
    "MASK_BOX_MISMATCH": "a target box is not the tight box of its mask",
    "MASK_FILL_TOO_LOW": f"a target mask fills less than {MIN_MASK_FILL:.0%} of its box",
}


class FormatCheck(Check):
    name = "format"

    def __call__(self, batch: list[Sample]) -> list[Sample]:
        super().__call__(batch)
        self._duplicates(batch)
        return batch

    def _duplicates(self, batch: list[Sample]) -> None:
        """Within an image a query must be unique: the same words for two different targets
        make both ambiguous; a repeat for the same targets is redundant (the first is kept)."""
        groups: dict[tuple[str, str], list[Sample]] = defaultdict(list)
        for s in batch:
            if s.passed:
                groups[(s.image, query_key(s.query))].append(s)
        for same in groups.values():
            if len(same) < 2:
                continue
            keys = {tuple(sorted(f"{t.label}:{t.instance}" for t in s.targets)) for s in same}
            losers = same if len(keys) > 1 else same[1:]
            for s in losers:
                detail = "different targets" if len(keys) > 1 else f"repeats {same[0].id}"
                s.verdicts[-1] = self.fail("QUERY_DUPLICATE_IN_IMAGE", detail)

    def check(self, sample: Sample) -> Verdict:
        problem = _schema_problem(sample)
        if problem:
            return self.fail("SCHEMA_INVALID", problem)
        if not sample.targets:
            return self.fail("NO_TARGETS")
        verdict = self._query(sample)
        if verdict is not None:
            return verdict
        for t in sample.targets:
            verdict = self._target(sample, t)
            if verdict is not None:
                return verdict
        return self.ok()

    def _query(self, sample: Sample) -> Verdict | None:
        query = sample.query.strip()
        if not query:
            return self.fail("QUERY_EMPTY")
        if len(query) < MIN_QUERY_CHARS:
            return self.fail("QUERY_TOO_SHORT", f"{len(query)} characters")
        if len(query) > MAX_QUERY_CHARS:
            return self.fail("QUERY_TOO_LONG", f"{len(query)} characters")
        if (bad := language.bad_characters(query)) is not None:
            return self.fail("QUERY_BAD_CHARACTERS", bad)
        if (coords := language.leaked_coordinates(query)) is not None:
            return self.fail("QUERY_LEAKS_COORDINATES", coords)
        if (label_id := language.leaked_label_id(query)) is not None:
            return self.fail("QUERY_LEAKS_LABEL_ID", label_id)
        labels = self._labels_of(sample)
        if (digits := language.stray_digits(query, _names_of(frozenset(labels)))) is not None:
            return self.fail("QUERY_HAS_NUMBERS", digits)
        extra = language.name_words(labels)
        fraction = language.english_fraction(query, extra)
        if fraction < language.MIN_KNOWN_FRACTION:
            unknown = ", ".join(language.unknown_words(query, extra)[:5])
            return self.fail("QUERY_NOT_ENGLISH", f"{fraction:.0%} known; unknown: {unknown}")
        if (cut := language.truncation(query, extra)) is not None:
            return self.fail("QUERY_TRUNCATED", cut)
        return None

    def _target(self, sample: Sample, t: Target) -> Verdict | None:
        x1, y1, x2, y2 = box = list(t.box)
        if x2 <= x1 or y2 <= y1:
            return self.fail("BOX_EMPTY", f"{t.label}: {box}")
        if not box_inside(t.box, sample.width, sample.height):
            return self.fail("BOX_OUTSIDE_IMAGE",
                             f"{t.label}: {box} in {sample.width}x{sample.height}")
        if list(t.mask_rle["size"]) != [sample.height, sample.width]:
            return self.fail("MASK_SIZE_MISMATCH", f"{t.label}: {t.mask_rle['size']}")
        mask = rle.decode_shared(t.mask_rle)
        tight = mask_to_box(mask)
        if tight is None or tight != t.box:
            return self.fail("MASK_BOX_MISMATCH", f"{t.label}: box {box}, mask {tight}")
        fill = float(mask.sum()) / ((x2 - x1) * (y2 - y1))
        if fill < MIN_MASK_FILL:
            return self.fail("MASK_FILL_TOO_LOW", f"{t.label}: {fill:.3f}")
        return None

    def _labels_of(self, sample: Sample) -> set[str]:
        """Structures a query may name: every labelled region of the view (or, without the
        view's record, the targets and distractors)."""
        labels = {t.label for t in sample.targets} | {d.label for d in sample.distractors}
        view = self.view(sample)
        if view is not None:
            labels |= {r.label for r in view.regions}
        return labels


@functools.lru_cache(maxsize=256)
def _names_of(labels: frozenset[str]) -> frozenset[str]:
    """Every form of the names of ``labels`` a query may use (digits in them are allowed):
    made once per set of labels, as the samples of a view share it."""
    return frozenset(f for label in labels
                     for form in (*label_names(label), *kind_names(label), readable(label))
                     for f in (form, plural(form)))


def _schema_problem(sample: Sample) -> str | None:
    if not isinstance(sample.query, str):
        return "query is not a string"
    if sample.task not in TASKS:
        return f"task {sample.task!r} is not one of {', '.join(TASKS)}"
    if sample.width <= 0 or sample.height <= 0:
        return f"image size {sample.width}x{sample.height}"
    return None  # targets check their own fields when built (types.Target)
