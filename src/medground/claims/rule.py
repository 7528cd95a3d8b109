"""What a phrase rule is: a pattern over the marked text and a maker of claims.

Text here is the output of :func:`medground.claims.reader.mark`: normalised words, ``img`` for a
word naming the picture, ``pat`` for the patient, ``§N`` for the N-th structure mention and
``~`` for words an earlier rule consumed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from medground.claims import vocab
from medground.claims.reader import Mention, Reading
from medground.claims.types import Claim
from medground.claims.vocab import D

Maker = Callable[[re.Match[str], "Context"], list[Claim] | None]


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    make: Maker
    keep: tuple[str, ...] = ()  # groups not consumed (a head noun the rule only looked at)


#: words before a reference that describe nothing to check ("the surrounding liver")
_REF_FILLERS: Final = frozenset({"surrounding", "adjacent", "nearby", "neighbouring",
                                 "neighboring", "background", "normal", "healthy", "remaining",
                                 "rest", "of"})


#: words that cannot describe a reference: a phrase boundary lies before them
_NOT_A_MODIFIER: Final = (r"(?!(?:the|a|an|of|with|to|in|on|at|by|and|or|from|than|for|as|into|"
                          r"onto|near|contact|which|that|is|are|lies|sits)\s)")


def ref(name: str = "ref") -> str:
    """A reference to another structure: a mention with up to three words of its own
    description ("the larger polyp"), a quantifier ("both kidneys"), or "the other (two)"."""
    return (rf"(?:{D}(?P<q_{name}>(?:both|each|all|all the|all of the) )?"
            rf"(?P<mods_{name}>(?:(?![§~,.;:?!]){_NOT_A_MODIFIER}\S+ ){{0,3}}?)(?P<{name}>§\d+)"
            rf"(?: (?:parenchyma|tissue))?"
            rf"|(?P<other_{name}>(?:all )?the others|all other ones|any other one|"
            rf"the other(?: (?:one|ones|two|three|four))?))")


class Context:
    def __init__(self, reading: Reading) -> None:
        self.reading = reading

    def reference(self, m: re.Match[str], name: str = "ref") -> tuple[str, bool]:
        """(the reference as written, minus fillers; does the relation hold for each?)"""
        other = m.groupdict().get(f"other_{name}")
        if other:
            if other.endswith("others") or other.startswith(("all other", "any other")):
                return "other ones", True  # "bigger than all the others"
            rest = other.split()[2:]  # "the other two" -> ["two"]
            return " ".join(["other", *rest]), bool(rest) and rest[0] not in ("one",)
        mention = self.reading.mentions[int(m.group(name)[1:])]
        mods = [w for w in (m.group(f"mods_{name}") or "").split() if w not in _REF_FILLERS]
        each = bool(m.group(f"q_{name}"))
        if mods[:1] == ["other"]:
            return " ".join(["other", *mods[1:], mention.text]), False
        return " ".join([*mods, mention.text]), each

    def mention(self, m: re.Match[str], group: str) -> Mention:
        return self.reading.mentions[int(m.group(group)[1:])]


def claim(kind: str, value: str, **kw: Any) -> Claim:
    return Claim(kind=kind, value=value, **kw)


def frame_of(m: re.Match[str], horizontal: bool, default: str = "none") -> str:
    """Image when the words name the image; the vertical axis is the image's anyway."""
    groups = m.groupdict()
    if groups.get("pat"):
        return "patient"
    if groups.get("img") or groups.get("ofimg"):
        return "image"
    return default if horizontal else "image"


VERTICAL: Final = {"top": "top", "upper": "top", "bottom": "bottom", "lower": "bottom",
                   "up": "top", "upward": "top", "upwards": "top", "down": "bottom",
                   "downward": "bottom", "downwards": "bottom", "higher": "top",
                   "highest": "top", "uppermost": "top", "topmost": "top",
                   "lowermost": "bottom", "bottommost": "bottom", "lowest": "bottom"}
HORIZONTAL: Final = {"left": "left", "right": "right", "leftmost": "left",
                     "rightmost": "right"}


def cell_claims(cell: str, part: str | None, frame: str, prep: str | None) -> list[Claim] | None:
    """Position claims of a cell phrase ("lower right", "upper middle", "center")."""
    words = [w for w in cell.split() if w not in ("hand",)]
    strong = bool(words) and words[0] in ("far", "very", "extreme", "outer")
    words = [w for w in words if w not in ("far", "very", "extreme", "outer")]
    h = [w for w in words if w in ("left", "right")]
    v = [VERTICAL[w] for w in words if w in ("top", "bottom", "upper", "lower")]
    mid = [w for w in words if w in ("middle", "center", "central", "mid")]
    if len(h) > 1 or len(v) > 1 or (h and v and mid) or len(words) > 2:
        return None
    extent = vocab.PART_EXTENT.get((part or "").rstrip("s") if part != "halves" else "half", "")
    if extent == "corner" and not (h and v):
        extent = "edge"
    if strong:
        extent = "edge"
    if extent == "half" and (mid or (h and v and part != "quadrant")):
        extent = ""
    kw: dict[str, Any] = {"frame": frame, "extent": extent}
    out = [claim("position", x, **kw) for x in (*v, *h)]
    if mid:
        if h:
            out.append(claim("position", "center-y", **kw))
        elif v:
            out.append(claim("position", "center-x", **kw))
        else:
            near = prep in ("near", "close to", "around", "toward")
            out.append(claim("position", "central" if near else "center", frame=frame))
    return out


def nothing(m: re.Match[str], ctx: Context) -> list[Claim]:
    return []


def fixed(kind: str, value: str, **kw: Any) -> Maker:
    """A maker of one claim that does not depend on the words matched ("both": count 2)."""
    def make(m: re.Match[str], ctx: Context) -> list[Claim]:
        return [claim(kind, value, **kw)]
    return make
