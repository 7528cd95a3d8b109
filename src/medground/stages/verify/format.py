"""Format check: the record is well formed and its box agrees with its mask."""

from __future__ import annotations

from medground.geometry import rle
from medground.geometry.boxes import box_inside, mask_to_box
from medground.stages.base import Check
from medground.types import Sample, Verdict

MIN_QUERY_CHARS = 3
MAX_QUERY_CHARS = 300

#: stable reason codes of this stage
REASONS = {
    "NO_TARGETS": "the sample has no target",
    "QUERY_EMPTY": "the query is empty or whitespace",
    "QUERY_TOO_SHORT": f"the query has fewer than {MIN_QUERY_CHARS} characters",
    "QUERY_TOO_LONG": f"the query has more than {MAX_QUERY_CHARS} characters",
    "BOX_EMPTY": "a target box has no area",
    "BOX_OUTSIDE_IMAGE": "a target box is not inside the image",
    "MASK_SIZE_MISMATCH": "a target mask's size differs from the image",
    "MASK_BOX_MISMATCH": "a target box is not the tight box of its mask",
}


class FormatCheck(Check):
    name = "format"

    def check(self, sample: Sample) -> Verdict:
        if not sample.targets:
            return self.fail("NO_TARGETS")
        query = sample.query.strip()
        if not query:
            return self.fail("QUERY_EMPTY")
        if len(query) < MIN_QUERY_CHARS:
            return self.fail("QUERY_TOO_SHORT", f"{len(query)} characters")
        if len(query) > MAX_QUERY_CHARS:
            return self.fail("QUERY_TOO_LONG", f"{len(query)} characters")
        for t in sample.targets:
            x1, y1, x2, y2 = t["box"]
            if x2 <= x1 or y2 <= y1:
                return self.fail("BOX_EMPTY", f"{t['label']}: {t['box']}")
            if not box_inside((x1, y1, x2, y2), sample.width, sample.height):
                return self.fail("BOX_OUTSIDE_IMAGE", f"{t['label']}: {t['box']} in "
                                 f"{sample.width}x{sample.height}")
            if list(t["mask_rle"]["size"]) != [sample.height, sample.width]:
                return self.fail("MASK_SIZE_MISMATCH", f"{t['label']}: {t['mask_rle']['size']}")
            tight = mask_to_box(rle.decode(t["mask_rle"]))
            if tight is None or list(tight) != list(t["box"]):
                return self.fail("MASK_BOX_MISMATCH", f"{t['label']}: box {t['box']}, mask {tight}")
        return self.ok()
