"""Claims: what a query says about its target(s), as typed records.

A query is text plus the claims it makes. Synthesizers return the claims they intend; the
verifier reads the text again with its own reader (:mod:`medground.claims.reader`) and
re-measures every claim from pixels (:mod:`medground.claims.evaluate`).

Values by kind (the frame says whose directions a claim uses: the image's, the patient's, or
``none`` when the words do not say; see :data:`VALUES`):

- ``name``: the structure as written ("left kidney"); ``value`` is the noun phrase.
- ``count``: ``"2"`` ... or ``several`` (three or more), ``multiple`` (two or more), ``all``;
  ``scope`` is ``targets`` ("both kidneys") or ``candidates`` ("the larger of the *two*
  polyps": the set the comparison is made in).
- ``position`` (image): ``left right top bottom`` (a band of the image), ``center`` (both axes),
  ``center-x`` / ``center-y`` (one axis: "upper middle", "middle left"), ``central`` (near the
  centre), ``periphery``, ``border`` (touching the image edge) and ``border-left`` ...;
  ``extent`` is ``half``, ``third``, ``edge`` or ``corner`` when the words narrow or widen it.
- ``side`` (patient): ``left right midline`` and ``anterior posterior superior inferior``.
- ``size``: ``large`` / ``small``; ``degree`` absolute ("small"), comparative ("smaller"),
  superlative ("smallest"); ``rank`` 2 for "second largest".
- ``shape``: ``round oval elongated lobulated irregular crescent ring smooth`` (an outline
  without notches or spikes), ``vertical`` / ``horizontal`` (an elongated shape's axis).
- ``intensity``: ``bright dark iso``; ``term`` names the modality's vocabulary (``density`` for
  CT, ``signal`` for MR, ``echo`` for ultrasound) when the word has one.
- ``ordinal``: the extreme (``rank`` 1) or the ``rank``-th along a direction among the
  candidates: ``left right top bottom`` (image or unstated frame) and ``left right anterior
  posterior superior inferior medial lateral`` (patient); ``middle`` is the one between the
  others ("the middle one of the three"). ``degree`` absolute marks a bare adjective ("the
  upper lesion"): an extreme among several candidates, a band when alone.
- ``relation``: to ``reference`` (and ``reference2`` for ``between``): ``inside contains
  adjacent near far between``, ``above below left_of right_of`` (image or unstated frame),
  ``anterior posterior superior inferior left_of right_of medial lateral`` (patient),
  ``larger smaller brighter darker``. A reference is a noun phrase of the query and may
  carry its own description ("next to the *larger* polyp"); ``other`` names the target's
  fellows ("below the other polyp", "between the other two"); ``each`` says the relation holds
  for every structure the reference names ("anterior to both kidneys"); ``extent`` ``direct``
  asks for alignment too ("directly above").
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ClaimKind = Literal["name", "count", "position", "side", "size", "shape", "intensity",
                    "ordinal", "relation"]
Frame = Literal["image", "patient", "none"]
Degree = Literal["absolute", "comparative", "superlative"]
Extent = Literal["", "half", "third", "edge", "corner", "direct"]
Term = Literal["", "density", "signal", "echo"]
Scope = Literal["targets", "candidates"]

_POSITION: Final = frozenset({"left", "right", "top", "bottom", "center", "center-x", "center-y",
                              "central", "periphery", "border", "border-left", "border-right",
                              "border-top", "border-bottom"})
_PATIENT_DIRECTIONS: Final = frozenset({"left", "right", "anterior", "posterior", "superior",
                                        "inferior"})

#: the values each kind takes (``name`` and ``count`` are checked apart)
VALUES: Final[dict[str, frozenset[str]]] = {
    "position": _POSITION,
    "side": _PATIENT_DIRECTIONS | {"midline"},
    "size": frozenset({"large", "small"}),
    "shape": frozenset({"round", "oval", "elongated", "lobulated", "irregular", "crescent",
                        "ring", "smooth", "vertical", "horizontal"}),
    "intensity": frozenset({"bright", "dark", "iso"}),
    "ordinal": frozenset({"left", "right", "top", "bottom", "middle"}) | _PATIENT_DIRECTIONS
    | {"medial", "lateral"},
    "relation": frozenset({"inside", "contains", "adjacent", "near", "far", "between", "above",
                           "below", "left_of", "right_of", "anterior", "posterior", "superior",
                           "inferior", "medial", "lateral", "larger", "smaller", "brighter",
                           "darker"}),
}
COUNT_WORDS: Final = frozenset({"several", "multiple", "all"})


class Claim(BaseModel):
    """One thing a query states. ``words`` (the text that states it) is informative only:
    two claims are the same claim when their :meth:`key` is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ClaimKind
    value: str
    frame: Frame = "none"
    subject: str = ""
    reference: str | None = None
    reference2: str | None = None
    degree: Degree = "absolute"
    rank: int = Field(1, ge=1, le=20)
    extent: Extent = ""
    term: Term = ""
    scope: Scope = "targets"
    each: bool = False  # the relation holds for each structure the reference names ("both")
    negated: bool = False
    words: str = ""

    @model_validator(mode="after")
    def _valid_value(self) -> Claim:
        if self.kind == "count":
            if not (self.value.isdigit() or self.value in COUNT_WORDS):
                raise ValueError(f"count value {self.value!r}: a number or one of "
                                 f"{', '.join(sorted(COUNT_WORDS))}")
        elif self.kind != "name" and self.value not in VALUES[self.kind]:
            raise ValueError(f"{self.kind} value {self.value!r} is not one of "
                             f"{', '.join(sorted(VALUES[self.kind]))}")
        if self.kind == "relation" and not self.reference:
            raise ValueError("a relation needs a reference structure")
        if self.value == "between" and not self.reference2:
            raise ValueError("'between' needs two reference structures")
        return self

    def describe(self) -> str:
        """Short human-readable form for verdict details: ``position:left@image``."""
        text = f"{self.kind}:{'not ' if self.negated else ''}{self.value}"
        if self.rank > 1:
            text += f"#{self.rank}"
        if self.scope == "candidates":
            text += " of the set"
        if self.frame != "none":
            text += f"@{self.frame}"
        if self.reference:
            text += f"({self.reference}{', ' + self.reference2 if self.reference2 else ''})"
        return text
