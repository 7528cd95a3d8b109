"""What a noun phrase, as read, picks out of a view: its candidates, the pool a reader could
take as matching, and (for references such as "next to the *larger* polyp") the one region
it denotes.

Absolute claims are tested on every candidate (:mod:`.truth`); the *pool* holds the
candidates no claim clearly excludes, the *borderline* ones those some claim leaves open. A
bare size or direction word ("the small polyp", "the upper lesion") is a comparison among the
pool when there are several, and a band of the image when the target is alone of its kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from medground.claims import truth
from medground.claims.measure import Region, Scene, union
from medground.claims.names import COLLECTIVE
from medground.claims.reader import Reading, read
from medground.claims.truth import MAYBE, NO, YES
from medground.claims.types import Claim
from medground.claims.vocab import NUMBERS

#: relations whose reference must be one structure (a direction from it, a comparison)
DIRECTIONAL: Final = frozenset({"above", "below", "left_of", "right_of", "anterior",
                                "posterior", "superior", "inferior", "medial", "lateral",
                                "larger", "smaller", "brighter", "darker"})
_HORIZONTAL: Final = frozenset({"left", "right", "border-left", "border-right", "left_of",
                                "right_of"})


@dataclass(frozen=True)
class Failure:
    reason: str
    detail: str


def resolve_frame(claim: Claim, scene: Scene) -> Claim | Failure:
    """The claim with the frame the words leave unstated filled in, or why it cannot be read:
    a bare "left"/"right" on a view that has the patient's left and right is ambiguous (say
    "the image's left" or "the patient's left"); patient words need that orientation."""
    if claim.frame == "none":
        if claim.value in _HORIZONTAL and scene.lateral:
            return Failure("UNVERIFIABLE_WORDING",
                           f"'{claim.words}': left or right of what? Say the image's or the "
                           "patient's")
        if claim.kind in ("position", "ordinal") or claim.value in (
                "above", "below", "left_of", "right_of"):
            return claim.model_copy(update={"frame": "image"})
        return claim
    if claim.frame == "patient" and claim.kind in ("side", "ordinal", "relation"):
        direction = {"left_of": "left", "right_of": "right"}.get(claim.value, claim.value)
        lateral = direction in ("left", "right", "midline", "medial", "lateral")
        needs_midline = direction in ("medial", "lateral") or (
            claim.kind == "side" and direction in ("left", "right", "midline"))
        why, reason = None, "PATIENT_FRAME_UNAVAILABLE"
        if not scene.frame:
            why = "the image has no patient orientation"
        elif lateral and not scene.lateral:
            why = f"a {scene.plane} view has no patient left-right axis"
        elif needs_midline and scene.midline_x is None:
            why = ("the body midline is not in the field of view (a crop, or no whole body "
                   "outline), so no side of the patient can be told from position")
            reason = "PATIENT_SIDE_WITHOUT_MIDLINE"
        elif direction in truth.PATIENT_DIRECTIONS and scene.image_side(direction) is None:
            why = f"{direction} is out of the {scene.plane} plane"
        if why:
            return Failure(reason, f"'{claim.words}': {why}")
    return claim


class Resolver:
    """The regions a relation's reference names, for one scene: a plain name, a described
    structure ("the larger polyp", read again and denoted), or the candidate's fellows
    ("the other polyp", "the other two")."""

    def __init__(self, reading: Reading, scene: Scene) -> None:
        self.reading, self.scene = reading, scene
        self._denoted: dict[str, list[Region] | str] = {}

    def regions(self, c: Claim, which: str, candidate: Region) -> list[Region] | str:
        """The reference's regions, or a problem: "!..." ambiguous, else false."""
        text = getattr(c, which) or ""
        if text.split(" ", 1)[0] == "other":
            return self._others(text, candidate)
        if text not in self._denoted:
            self._denoted[text] = self._describe(text)
        found = self._denoted[text]
        if isinstance(found, str):
            return found
        if len(found) > 1 and text in COLLECTIVE:  # "in front of the vertebral column"
            return [union(found)]
        if c.value in DIRECTIONAL and len(found) > 1 and not (c.each or self.plural(text)):
            named = ", ".join(sorted(f"{r.label}:{r.instance}" for r in found))
            return f"!'{text}' names several structures ({named})"
        return found

    def plural(self, text: str) -> bool:
        """Does the reference name several structures on purpose ("the vertebral bodies")?"""
        name = self.reading.reference(text)
        return name is not None and name.number == "plural"

    def _others(self, text: str, candidate: Region) -> list[Region] | str:
        words = text.split()[1:]
        count = NUMBERS.get(words[0]) if words and words[0] in NUMBERS else None
        nouns = [w for w in words if w not in NUMBERS and w not in ("ones",)]
        labels = {candidate.label}
        if nouns:
            named = self.reading.reference(" ".join(nouns))
            labels = set(named.labels) if named else labels
        others = [r for r in self.scene.regions if r is not candidate and r.label in labels]
        wanted = count if count is not None else (None if words[:1] == ["ones"] else 1)
        if wanted is not None and len(others) != wanted:
            return f"!'the {text}' but there are {len(others)} others"
        return others

    def _describe(self, text: str) -> list[Region] | str:
        table = self.reading.table
        if table is None:
            return f"!'{text}': no name table"
        sub = read(text, table)
        if sub.unverifiable:
            return f"!'{text}': " + "; ".join(sub.unverifiable)
        if not sub.claims:
            regions = [r for r in self.scene.regions if r.label in sub.subject_labels]
            return regions or f"no {text} in the image"
        denoted = denote(sub, self.scene)
        if isinstance(denoted, Failure):
            return f"!'{text}': {denoted.reason.lower()} ({denoted.detail})"
        return [self.scene.regions[i] for i in denoted]


@dataclass
class Pool:
    """Candidates of a reading and what its claims say of each."""

    candidates: list[int]
    absolute: list[Claim]
    table: dict[int, dict[int, int]]  # claim position in ``absolute`` -> candidate -> truth
    pool: list[int]
    borderline: list[int]
    relative: list[Claim]
    alone: list[Claim] = field(default_factory=list)  # bare words read as bands
    counts: list[Claim] = field(default_factory=list)


def candidates_of(reading: Reading, scene: Scene) -> list[int]:
    labels = reading.subject_labels
    if not reading.subjects and reading.from_set:  # "the upper one of the pair": the one
        sizes = [c for c in reading.claims if c.kind == "count" and c.scope == "candidates"]
        if sizes and sizes[0].value.isdigit():  # label with exactly that many regions
            n = int(sizes[0].value)
            groups = {lb for lb in {r.label for r in scene.regions}
                      if sum(r.label == lb for r in scene.regions) == n}
            labels = frozenset(groups) if len(groups) == 1 else frozenset()
    return [i for i, r in enumerate(scene.regions) if r.label in labels]


def resolved(reading: Reading, scene: Scene) -> list[Claim] | Failure:
    out = []
    for c in reading.claims:
        r = resolve_frame(c, scene)
        if isinstance(r, Failure):
            return r
        out.append(r)
    return out


def pool_of(reading: Reading, scene: Scene, claims: list[Claim],
            candidates: list[int]) -> Pool | Failure:
    """Test the absolute claims on every candidate; split comparisons from bands."""
    resolver = Resolver(reading, scene)
    counts = [c for c in claims if c.kind == "count"]
    adjectives = [c for c in claims if c.degree == "absolute" and c.kind in ("size", "ordinal")]
    relative = [c for c in claims if c.degree != "absolute"]
    absolute = [c for c in claims if c not in counts + adjectives + relative and c.kind != "name"]
    table: dict[int, dict[int, int]] = {}
    for k, c in enumerate(absolute):
        problem = truth.term_problem(c, scene)
        if problem:
            return Failure("INTENSITY_WORD_CONTRADICTS", f"'{c.words}': {problem}")
        row: dict[int, int] = {}
        for i in candidates:
            region = scene.regions[i]
            refs = refs2 = None
            tested = c
            if c.kind == "relation":
                refs, refs2, failure = _references(c, resolver, region)
                if failure is not None:
                    return failure
                if c.reference and resolver.plural(c.reference):  # "behind the vertebrae"
                    tested = c.model_copy(update={"each": True})
            row[i] = truth.absolute(tested, region, scene, refs, refs2)
        table[k] = row
    pool = [i for i in candidates if all(row[i] != NO for row in table.values())]
    borderline = [i for i in pool if any(row[i] == MAYBE for row in table.values())]
    alone: list[Claim] = []
    for c in adjectives:
        if len(pool) >= 2:
            relative.append(c.model_copy(update={"degree": "superlative"}))
        else:
            alone.append(c)
    return Pool(candidates, absolute, table, pool, borderline, relative, alone, counts)


def _references(c: Claim, resolver: Resolver, region: Region
                ) -> tuple[list[Region], list[Region], Failure | None]:
    refs: list[Region] = []
    refs2: list[Region] = []
    for which in ("reference", "reference2"):
        if getattr(c, which) is None:
            continue
        found = resolver.regions(c, which, region)
        if isinstance(found, str):
            reason = "RELATION_REFERENCE_AMBIGUOUS" if found.startswith("!") else \
                "RELATION_CONTRADICTS"
            return [], [], Failure(reason, f"'{c.words}': {found.lstrip('!')}")
        if which == "reference":
            refs = found
        else:
            refs2 = found
    return refs, refs2, None


def denote(reading: Reading, scene: Scene) -> list[int] | Failure:
    """The regions a reading picks out on its own (no answer to compare with): exactly one
    for a singular noun, with no candidate left in doubt."""
    if reading.unverifiable or not (reading.subjects or reading.from_set):
        return Failure("UNVERIFIABLE_WORDING", "; ".join(reading.unverifiable) or "no noun")
    claims = resolved(reading, scene)
    if isinstance(claims, Failure):
        return claims
    p = pool_of(reading, scene, claims, candidates_of(reading, scene))
    if isinstance(p, Failure):
        return p
    chosen = list(p.pool)
    if p.alone:
        chosen = [i for i in chosen if all(truth.adjective_alone(c, i, scene) == YES
                                           for c in p.alone)]
    if p.relative:
        chosen = [i for i in chosen if all(
            truth.relative(c, i, [j for j in p.pool if j != i], scene) is None
            for c in p.relative)]
    elif p.borderline:
        return Failure("AMBIGUOUS_QUERY", f"{len(p.borderline)} borderline candidates")
    if not chosen:
        return Failure("TARGET_NOT_NAMED", "nothing fits")
    if not reading.plural and len(chosen) > 1:
        return Failure("AMBIGUOUS_QUERY", f"fits {len(chosen)} structures")
    return chosen
