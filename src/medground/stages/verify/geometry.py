"""Geometry check: every word of the query agrees with what the masks and the affine say.

The target's cues are measured again from its mask and the saved image (stored cues are not
trusted), then: the target is named; laterality in its label agrees with the affine-derived side;
each position, side, size, shape, intensity and ordinal word holds; stated relations hold; the
query selects exactly the target among the candidates of its kind; the box is neither a speck
nor the whole image.
"""

from __future__ import annotations

import re
from typing import Any, Final

from medground.labels import patient_side, readable
from medground.stages.base import Check
from medground.stages.cues import measure
from medground.stages.synth.describe import (
    Candidate,
    absolute_attributes,
    kind_of,
    relative_value,
)
from medground.stages.synth.grammar import RELATION_PHRASES
from medground.stages.synth.lexicon import (
    ALL_IMAGE_NOUNS,
    COUNT_WORDS,
    RELATIVE_KINDS,
    Attr,
    find_attributes,
    noun_forms,
    padded_words,
    plural,
)
from medground.stages.synth.resolve import named
from medground.types import Sample, Verdict

MIN_BOX_PX: Final = 3  # width and height
MIN_BOX_FRACTION: Final = 5e-5  # of the image area
MIN_DIAMETER_MM: Final = 1.0
MAX_BOX_FRACTION: Final = 0.95  # a box this large ...
MIN_FILL_OF_LARGE_BOX: Final = 0.5  # ... must hold a structure covering half the image

_WRONG_WORD = {"side": "SIDE_WORD_CONTRADICTS", "grid": "POSITION_WORD_CONTRADICTS",
               "position": "POSITION_WORD_CONTRADICTS", "border": "POSITION_WORD_CONTRADICTS",
               "shape": "SHAPE_WORD_CONTRADICTS", "intensity": "INTENSITY_WORD_CONTRADICTS",
               "size": "SIZE_WORD_CONTRADICTS", "hpos": "ORDINAL_WORD_CONTRADICTS",
               "vpos": "ORDINAL_WORD_CONTRADICTS"}

REASONS: Final = {
    "BOX_TOO_SMALL": f"a box under {MIN_BOX_PX} px a side, {MIN_BOX_FRACTION:g} of the image "
                     f"or {MIN_DIAMETER_MM} mm across",
    "BOX_COVERS_IMAGE": "a box covers nearly the whole image but its structure does not",
    "LATERALITY_CONTRADICTS_AFFINE": "a *_left/*_right label lies on the other side of the "
                                     "patient according to the affine (orientation or label error)",
    "TARGET_NOT_NAMED": "the query does not name the target's structure",
    "COUNT_WORD_CONTRADICTS": "a count word (both, three, ...) differs from the number of targets",
    "SIDE_WORD_CONTRADICTS": "a patient-side word is false for the target",
    "POSITION_WORD_CONTRADICTS": "an image-position word is false for the target",
    "SHAPE_WORD_CONTRADICTS": "a shape word is false for the target",
    "INTENSITY_WORD_CONTRADICTS": "a density / signal word is false for the target",
    "SIZE_WORD_CONTRADICTS": "a size comparison is false for the target",
    "ORDINAL_WORD_CONTRADICTS": "a left-most / upper-most ... comparison is false",
    "RELATIVE_WITHOUT_COMPARISON": "a comparison word but nothing of the kind to compare with",
    "RELATION_CONTRADICTS": "a stated relation to another structure does not hold",
    "AMBIGUOUS_QUERY": "the query fits more than one candidate",
}


class GeometryCheck(Check):
    name = "geometry"

    def check(self, sample: Sample) -> Verdict:
        image = self.image(sample)
        measured = []
        for i, t in enumerate(sample.targets):
            cues = measure(self.mask(sample, i), image, sample.modality, sample.frame,
                           sample.midline_x, sample.spacing_mm)
            measured.append(cues)
            verdict = self._box(sample, t, cues) or self._laterality(t, cues)
            if verdict is not None:
                return verdict
        verdict = self._named(sample)
        if verdict is not None:
            return verdict
        attrs = find_attributes(sample.query, sample.frame)
        for t, cues in zip(sample.targets, measured, strict=True):
            verdict = self._words(sample, t, cues, attrs) or self._relations(sample, t)
            if verdict is not None:
                return verdict
        if sample.task != "multi":
            verdict = self._unique(sample, measured[0], attrs)
            if verdict is not None:
                return verdict
        return self.ok()

    # --- boxes and laterality -------------------------------------------------------------
    def _box(self, s: Sample, t: dict[str, Any], cues: dict[str, Any]) -> Verdict | None:
        x1, y1, x2, y2 = t["box"]
        w, h = x2 - x1, y2 - y1
        diameter = cues["size"]["eq_diameter_mm"]
        if (w < MIN_BOX_PX or h < MIN_BOX_PX or w * h < MIN_BOX_FRACTION * s.width * s.height
                or (diameter is not None and diameter < MIN_DIAMETER_MM)):
            return self.fail("BOX_TOO_SMALL", f"{t['label']}: {w}x{h} px, {diameter} mm")
        if (w * h > MAX_BOX_FRACTION * s.width * s.height
                and cues["size"]["relative_area"] < MIN_FILL_OF_LARGE_BOX):
            return self.fail("BOX_COVERS_IMAGE",
                             f"{t['label']}: fills {cues['size']['relative_area']:.0%} of the image")
        return None

    def _laterality(self, t: dict[str, Any], cues: dict[str, Any]) -> Verdict | None:
        said, found = patient_side(t["label"]), cues["location"]["patient_side"]
        if said and found in ("left", "right") and found != said:
            return self.fail("LATERALITY_CONTRADICTS_AFFINE",
                             f"{t['label']} lies on the patient's {found}")
        return None

    # --- naming -----------------------------------------------------------------------------
    def _named(self, s: Sample) -> Verdict | None:
        text = padded_words(s.query)
        if s.task != "multi":
            if not named(s.query, s.targets[0]["label"]):
                return self.fail("TARGET_NOT_NAMED", readable(s.targets[0]["label"]))
            return None
        labels = {t["label"] for t in s.targets}
        kinds = {kind_of(lb) for lb in labels}
        forms = {f.lower() for lb in labels for f in noun_forms(lb)}
        forms |= {plural(readable(k)).lower() for k in kinds}
        forms |= {f"{plural(readable(k))} segments".lower() for k in kinds}
        forms |= {plural(f"{readable(k)} segment").lower() for k in kinds}
        if not any(f" {f} " in text for f in forms):
            return self.fail("TARGET_NOT_NAMED", ", ".join(sorted(labels)))
        n = len(s.targets)
        stated = [i for i, word in enumerate(COUNT_WORDS) if f" {word} " in text]
        if " both " in text:
            stated.append(2)
        if any(k != n for k in stated):
            return self.fail("COUNT_WORD_CONTRADICTS", f"says {stated}, has {n} targets")
        return None

    # --- words ------------------------------------------------------------------------------
    def _words(self, s: Sample, t: dict[str, Any], cues: dict[str, Any],
               attrs: list[Attr]) -> Verdict | None:
        mine = absolute_attributes(cues)
        for a in attrs:
            if a.kind not in RELATIVE_KINDS and a not in mine:
                return self.fail(_WRONG_WORD[a.kind], f"{t['label']}: '{a.kind}={a.value}' "
                                 f"(measured {sorted(x.value for x in mine if x.kind == a.kind)})")
        relative = [a for a in attrs if a.kind in RELATIVE_KINDS]
        if not relative:
            return None
        target = _candidate(t, cues)
        others = [Candidate.from_record(d) for d in s.distractors
                  if named(s.query, d["label"])]
        absolute = [a for a in attrs if a.kind not in RELATIVE_KINDS]
        group = [target] + [c for c in others if all(a in c.absolute for a in absolute)]
        for a in relative:
            if len(group) < 2:
                return self.fail("RELATIVE_WITHOUT_COMPARISON", f"'{a.kind}={a.value}'")
            value = relative_value(target, group, a.kind, s.width, s.height)
            if value != a.value:
                return self.fail(_WRONG_WORD[a.kind],
                                 f"{t['label']}: '{a.kind}={a.value}', measured {value}")
        return None

    def _relations(self, s: Sample, t: dict[str, Any]) -> Verdict | None:
        """Each relation phrase's object must be a structure in the image for which the
        stated relation was measured ("within the spleen" with no spleen in view fails)."""
        stored = t.get("cues", {}).get("relations", [])
        text = " ".join(re.findall(r"[a-z0-9'\-]+|[,.?!:]", s.query.lower()))
        for key, pattern, generic in _RELATION_PATTERNS:
            for m in pattern.finditer(text):
                obj, labels = _longest_name(text[m.start("o"):], s, stored)
                if not obj:
                    obj = m.group("o").strip()
                if not labels:
                    if generic:  # "in the upper left of the image" is not a relation
                        continue
                    return self.fail("RELATION_CONTRADICTS", f"{key} {obj!r}: not in the image")
                if not any(r["label"] in labels and key in (
                        r["relation"], r.get("patient"), r.get("mediolateral")) for r in stored):
                    return self.fail("RELATION_CONTRADICTS", f"{key} {obj!r}")
        return None

    # --- uniqueness ---------------------------------------------------------------------------
    def _unique(self, s: Sample, cues: dict[str, Any], attrs: list[Attr]) -> Verdict | None:
        target = _candidate(s.targets[0], cues)
        absolute = [a for a in attrs if a.kind not in RELATIVE_KINDS]
        relative = [a for a in attrs if a.kind in RELATIVE_KINDS]
        group = [target] + [Candidate.from_record(d) for d in s.distractors
                            if named(s.query, d["label"])]
        left = [c for c in group if all(a in c.absolute for a in absolute)]
        for a in relative:
            left = [c for c in left if relative_value(c, left, a.kind, s.width, s.height)
                    == a.value]
        if len(left) > 1:
            others = ", ".join(c.key for c in left if c.key != target.key)
            return self.fail("AMBIGUOUS_QUERY", f"also fits {others}")
        return None


_IMAGE_NOUNS: Final = "(?:" + "|".join(ALL_IMAGE_NOUNS) + ")"


def _candidate(t: dict[str, Any], cues: dict[str, Any]) -> Candidate:
    cx, cy = cues["location"]["centroid"]
    return Candidate(key=f"{t['label']}:{t['instance']}", label=t["label"],
                     area=float(cues["size"]["area_px"]), cx=float(cx), cy=float(cy),
                     absolute=absolute_attributes(cues))


def _longest_name(rest: str, s: Sample, stored: list[dict[str, Any]]) -> tuple[str, set[str]]:
    """The longest run of words at the start of ``rest`` that names labels of the sample."""
    words = rest.split()[:8]
    for k in range(len(words), 0, -1):
        obj = " ".join(words[:k])
        labels = _labels_called(obj, s, stored)
        if labels:
            return obj, labels
    return "", set()


def _labels_called(obj: str, s: Sample, stored: list[dict[str, Any]]) -> set[str]:
    """Labels of the sample (targets, distractors, relation partners) named ``obj``."""
    labels = ({r["label"] for r in stored} | {d["label"] for d in s.distractors}
              | {t["label"] for t in s.targets})
    return {lb for lb in labels if obj in {f.lower() for f in noun_forms(lb)}}


def _relation_patterns() -> list[tuple[str, re.Pattern[str], bool]]:
    """(relation key, regex capturing the object as ``o``, generic prefix) per phrase."""
    out = []
    stop = r"(?= ,| \.| \?| !| :|$| and | in the | on the | which | that | lying | located )"
    for key, phrases in RELATION_PHRASES.items():
        for phrase in phrases:
            head, tail = phrase.split("{o}")
            head = re.escape(head.lower()).replace(r"\{img\}", _IMAGE_NOUNS)
            tail = re.escape(tail.lower()).replace(r"\{img\}", _IMAGE_NOUNS)
            body = r"(?P<o>[a-z0-9'\-]+(?: [a-z0-9'\-]+){0,5}?)"
            pattern = re.compile(rf"(?:^| ){head}{body}{tail}{stop}")
            out.append((key, pattern, head in (re.escape("in the "), re.escape("above the "),
                                              re.escape("below the "))))
    return out


_RELATION_PATTERNS: Final = _relation_patterns()
