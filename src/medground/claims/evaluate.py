"""Does a query, as read, pick out exactly its targets? Every claim re-measured from pixels.

The subject names candidates (regions of the view). Absolute claims (position, side, shape,
intensity, relation, and a bare size or direction word when the target is alone of its kind)
are tested on every candidate with :mod:`.truth`; the targets must pass them clearly, and every
candidate that is not clearly excluded stays in the *pool*. Comparatives and superlatives must
hold for the target against the whole pool, with a margin. The query then denotes the target
alone (after a comparison) or the whole pool, and that must be the targets: anything else is
ambiguous. Counts are checked against the targets (or the pool, for "of the two").
"""

from __future__ import annotations

from typing import Final

from medground.claims import truth
from medground.claims.denote import (
    Failure,
    Pool,
    candidates_of,
    pool_of,
    resolved,
)
from medground.claims.measure import Scene
from medground.claims.reader import Reading
from medground.claims.truth import MAYBE, YES
from medground.claims.types import Claim

__all__ = ["REASONS", "REASON_BY_KIND", "Failure", "evaluate"]

#: reason codes of a claim of each kind that does not hold
REASON_BY_KIND: Final = {
    "name": "TARGET_NOT_NAMED", "count": "COUNT_WORD_CONTRADICTS",
    "position": "POSITION_WORD_CONTRADICTS", "side": "SIDE_WORD_CONTRADICTS",
    "size": "SIZE_WORD_CONTRADICTS", "shape": "SHAPE_WORD_CONTRADICTS",
    "intensity": "INTENSITY_WORD_CONTRADICTS", "ordinal": "ORDINAL_WORD_CONTRADICTS",
    "relation": "RELATION_CONTRADICTS",
}
REASONS: Final = {
    "UNVERIFIABLE_WORDING": "a position, size, shape, count, intensity or relation word the "
                            "reader cannot turn into a checkable claim (named in the detail)",
    "TARGET_NOT_NAMED": "the query names no structure, or not the target's",
    "COUNT_WORD_CONTRADICTS": "a count (both, three, of the two ...) or the noun's number "
                              "differs from what is in the image",
    "POSITION_WORD_CONTRADICTS": "an image-position word does not hold for the target",
    "SIDE_WORD_CONTRADICTS": "a patient-side or direction word does not hold for the target",
    "SIZE_WORD_CONTRADICTS": "a size word or comparison does not hold with a margin",
    "SHAPE_WORD_CONTRADICTS": "a shape word does not clearly fit the target",
    "INTENSITY_WORD_CONTRADICTS": "a density / signal / brightness word does not hold, or is "
                                  "not a word of this modality",
    "ORDINAL_WORD_CONTRADICTS": "a left-most / upper-most / second-from ... comparison does "
                                "not hold with a margin",
    "RELATION_CONTRADICTS": "a relation to another structure does not hold, or that "
                            "structure is not in the image",
    "RELATION_REFERENCE_AMBIGUOUS": "a direction relative to a name that fits several "
                                    "structures",
    "RELATIVE_WITHOUT_COMPARISON": "a comparison but nothing of the kind to compare with",
    "PATIENT_FRAME_UNAVAILABLE": "a patient-frame word on a view without that orientation "
                                 "(2D source or a volume with no orientation in its header, "
                                 "out-of-plane direction)",
    "PATIENT_SIDE_WITHOUT_MIDLINE": "a patient-side word (left, right, midline, medial, "
                                    "lateral) on a view whose body midline is not in the field "
                                    "of view (a crop, or no whole body outline)",
    "AMBIGUOUS_QUERY": "the query fits another region as well as (one of) the targets",
}


def _fail(claim: Claim, detail: str) -> Failure:
    return Failure(REASON_BY_KIND[claim.kind], f"'{claim.words or claim.describe()}': {detail}")


def evaluate(reading: Reading, scene: Scene, answer: list[int]) -> Failure | None:
    """None when the query, as read, denotes exactly the regions ``answer`` (indices)."""
    if reading.unverifiable:
        return Failure("UNVERIFIABLE_WORDING", "; ".join(reading.unverifiable))
    candidates = candidates_of(reading, scene)
    if not reading.subjects and not candidates:
        return Failure("TARGET_NOT_NAMED", "the query names no structure")
    missing = [scene.regions[i].label for i in answer if i not in candidates]
    if missing:
        named = ", ".join(repr(m.text) for m in reading.subjects) or "no structure"
        return Failure("TARGET_NOT_NAMED", f"the query names {named}, the target is "
                       + ", ".join(sorted(set(missing))))
    claims = resolved(reading, scene)
    if isinstance(claims, Failure):
        return claims
    pool = pool_of(reading, scene, claims, candidates)
    if isinstance(pool, Failure):
        return pool
    return _Check(reading, scene, answer, pool).run()


class _Check:
    def __init__(self, reading: Reading, scene: Scene, answer: list[int], pool: Pool) -> None:
        self.reading, self.scene, self.answer, self.p = reading, scene, answer, pool

    def run(self) -> Failure | None:
        p, scene = self.p, self.scene
        for k, c in enumerate(p.absolute):
            for t in self.answer:
                if p.table[k][t] != YES:
                    how = "not clearly" if p.table[k][t] == MAYBE else "not"
                    return _fail(c, f"{how} true of {self._name(t)}")
        for c in p.alone:
            for t in self.answer:
                verdict = truth.adjective_alone(c, t, scene)
                if verdict != YES:
                    return _fail(c, f"{'not clearly' if verdict == MAYBE else 'not'} true of "
                                    f"{self._name(t)} (nothing of its kind to compare with)")
        plural = self.reading.plural
        if p.relative:
            if plural or len(self.answer) > 1:
                return Failure("UNVERIFIABLE_WORDING", "a comparison across several targets: "
                               + ", ".join(repr(c.words) for c in p.relative))
            target = self.answer[0]
            others = [i for i in p.pool if i != target]
            for c in p.relative:
                if c.negated:
                    return Failure("UNVERIFIABLE_WORDING", f"a negated comparison {c.words!r}")
                if not others:
                    return Failure("RELATIVE_WITHOUT_COMPARISON",
                                   f"'{c.words}': no other {self._noun()} to compare with")
                problem = truth.relative(c, target, others, scene)
                if problem:
                    return _fail(c, problem)
        failure = self._counts()
        if failure:
            return failure
        if not plural and len(self.answer) > 1:
            return Failure("COUNT_WORD_CONTRADICTS",
                           f"a singular noun for {len(self.answer)} targets")
        if plural and len(self.answer) == 1 and not self.reading.from_set:
            return Failure("COUNT_WORD_CONTRADICTS", "a plural noun for one target")
        denoted = [self.answer[0]] if p.relative else p.pool
        extra = [i for i in denoted if i not in self.answer]
        if extra:
            near = " (borderline)" if all(i in p.borderline for i in extra) else ""
            return Failure("AMBIGUOUS_QUERY", "also fits "
                           + ", ".join(self._name(i) for i in extra[:5]) + near)
        return None

    def _counts(self) -> Failure | None:
        p = self.p
        for c in p.counts:
            n = len(p.pool) if c.scope == "candidates" else len(self.answer)
            if c.scope == "candidates" and p.borderline:
                return _fail(c, f"{len(p.borderline)} {self._noun()} might or might not count")
            ok = {"several": n >= 3, "multiple": n >= 2, "all": True}.get(
                c.value, c.value.isdigit() and n == int(c.value))
            if c.negated:
                ok = not ok
            if not ok:
                what = "in the set compared" if c.scope == "candidates" else "targets"
                return _fail(c, f"{n} {what}")
        return None

    def _name(self, i: int) -> str:
        r = self.scene.regions[i]
        return f"{r.label}:{r.instance}"

    def _noun(self) -> str:
        return self.reading.subjects[0].text if self.reading.subjects else "structure"
