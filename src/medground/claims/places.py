"""Phrase rules for where a structure is: ordinals among its kind ("second from the left",
"the most anterior"), then image positions ("in the lower right corner of the image") and
patient sides ("on the patient's left", "in the left hemisphere")."""

from __future__ import annotations

import re
from typing import Final

from medground.claims import vocab
from medground.claims.rule import (
    HORIZONTAL,
    VERTICAL,
    Context,
    Maker,
    Rule,
    cell_claims,
    claim,
    fixed,
    frame_of,
)
from medground.claims.types import Claim
from medground.claims.vocab import CELL, LEAD, OFIMG, OFPAT, ORD, PART, PATP, PDIR, PREP, D, rx

SUPERLATIVES = r"leftmost|rightmost|uppermost|topmost|lowermost|bottommost|highest|lowest"


def _degree(word: str) -> str:
    return "superlative" if word in ("most", "furthest", "farthest", "closest", "nearest") \
        else "comparative"


def _rank(m: re.Match[str]) -> int:
    n = m.groupdict().get("n")
    return vocab.ORDINALS[n] if n else 1


def _image_ordinal(m: re.Match[str], ctx: Context) -> list[Claim]:
    w = m.group("w")
    value = VERTICAL.get(w) or HORIZONTAL[w]
    deg = m.groupdict().get("deg")
    return [claim("ordinal", value, rank=_rank(m), frame=frame_of(m, value in ("left", "right")),
                  degree=_degree(deg) if deg else "superlative")]


def _but_one(m: re.Match[str], ctx: Context) -> list[Claim]:
    w = m.group("w")
    if w in vocab.SIZE_WORDS:
        return [claim("size", vocab.SIZE_WORDS[w][0], rank=2, degree="superlative")]
    value = VERTICAL.get(w) or HORIZONTAL[w]
    return [claim("ordinal", value, rank=2, degree="superlative",
                  frame=frame_of(m, value in ("left", "right")))]


def _patient_ordinal(m: re.Match[str], ctx: Context) -> list[Claim]:
    w = m.group("w") or m.groupdict().get("w2")
    assert w is not None
    value = vocab.PATIENT_DIR_WORDS.get(w, w)
    deg = m.groupdict().get("deg") or "most"
    return [claim("ordinal", value, frame="patient", degree=_degree(deg), rank=_rank(m))]


def _midline_ordinal(m: re.Match[str], ctx: Context) -> list[Claim]:
    deg = m.group("deg")
    value = "medial" if deg in ("closest", "nearest", "closer", "nearer") else "lateral"
    return [claim("ordinal", value, frame="patient", degree=_degree(deg))]


def _higher_lower(m: re.Match[str], ctx: Context) -> list[Claim]:
    return [claim("ordinal", VERTICAL[m.group("w")], frame="image", degree="comparative")]


def _border(m: re.Match[str], ctx: Context) -> list[Claim]:
    w = m.groupdict().get("w")
    value = f"border-{VERTICAL.get(w) or w}" if w else "border"
    return [claim("position", value, frame="image")]


def _cell(frame: str) -> Maker:
    def make(m: re.Match[str], ctx: Context) -> list[Claim] | None:
        g = m.groupdict()
        return cell_claims(m.group("cell"), g.get("part"), frame, g.get("prep"))
    return make


def _its(m: re.Match[str], ctx: Context) -> list[Claim] | None:
    """"high up in the image, on its left-hand side": "its" is the image named before."""
    before = ctx.reading.text[: m.start()].split()
    if "img" not in before[-8:]:
        return None
    return cell_claims(m.group("cell"), m.groupdict().get("part"), "image", None)


def _adverb_position(m: re.Match[str], ctx: Context) -> list[Claim]:
    w = m.group("w")
    value = "central" if w.startswith("central") else "periphery"
    return [claim("position", value, frame="image")]


def _midway(m: re.Match[str], ctx: Context) -> list[Claim]:
    axis = "center-x" if m.group("w") == "across" else "center-y"
    return [claim("position", axis, frame="image")]


def _side(m: re.Match[str], ctx: Context) -> list[Claim]:
    w = m.groupdict().get("w") or "midline"
    return [claim("side", vocab.PATIENT_DIR_WORDS.get(w, w), frame="patient")]


_MIDDLE: Final = fixed("ordinal", "middle", degree="superlative")

#: body regions whose left and right are the patient's ("the right side of the chest")
_BODY = r"(?:chest|abdomen|thorax|pelvis|head|brain|neck|torso|trunk|belly|pat)"
_HEMI = r"(?:hemisphere|hemithorax|hemiabdomen|hemipelvis|flank|hemiface|hemibody)"

ORDINALS: tuple[Rule, ...] = (
    # two-word cells before a noun ("the top-middle nucleus"): positions, before "middle"
    Rule("prenominal_cell", rx(
        r"(?P<cell>(?:top|bottom|upper|lower) (?:left|right|middle|center|central)|"
        r"(?:left|right) (?:upper|lower)|(?:middle|center|central) (?:left|right))"
        r"(?= (?:\S+ ){0,2}§\d+)"), _cell("none")),
    Rule("down_the_spine", rx(r"(?P<w>lowest|highest) (?:down|up|along) (?:the )?§\d+"),
         _image_ordinal),
    Rule("but_one", rx(rf"(?P<w>{SUPERLATIVES}|largest|smallest|biggest) but one"), _but_one),
    Rule("rank_from_patient", rx(
        rf"(?:the )?(?P<n>{ORD}) (?:(?P<head>§\d+) )?(?:one )?(?:from|to) (?:the )?{PATP}"
        rf"(?P<w>left|right)(?: side)?"), _patient_ordinal, keep=("head",)),
    Rule("rank_from", rx(
        rf"(?:the )?(?P<n>{ORD}) (?:(?P<head>§\d+) )?(?:one )?(?:from|to) (?:the )?"
        rf"(?:(?P<img>img 's ))?(?P<w>left|right|top|bottom)(?: hand)?"
        rf"(?: (?:side|edge|border|end))?(?: (?P<ofimg>{OFIMG}))?"), _image_ordinal,
        keep=("head",)),
    Rule("superlative_word", rx(
        rf"(?:(?P<n>{ORD}) )?(?P<w>{SUPERLATIVES})(?: (?:placed|positioned|located|lying))?"
        rf"(?: (?P<ofimg>{OFIMG}))?"), _image_ordinal),
    Rule("last_on", rx(
        rf"(?:last|first|outermost|end) (?:(?P<head>§\d+) )?(?:one )?(?:on|to|at|toward) the "
        rf"(?:(?P<img>img 's ))?(?P<w>left|right|top|bottom)(?: hand)?(?: (?:side|edge|end))?"
        rf"(?: (?P<ofimg>{OFIMG}))?"), _image_ordinal, keep=("head",)),
    Rule("patient_most", rx(rf"(?P<w>{PDIR})most"), _patient_ordinal),
    Rule("patient_ordinal", rx(
        rf"(?P<deg>most|more|further|farther|furthest|farthest) (?P<w>{PDIR}|medial|lateral)"
        rf"(?:ly)?(?: (?:placed|positioned|located|situated|lying))?"), _patient_ordinal),
    Rule("patient_side_ordinal", rx(
        rf"(?P<deg>furthest|farthest|most|further|farther|more|closest|nearest|closer|nearer) "
        rf"(?:to(?:ward)?|on|toward) (?:the )?(?:{PATP}(?P<w>left|right)(?: side)?|"
        rf"(?P<w2>left|right)(?: side)? {OFPAT})"), _patient_ordinal),
    Rule("midline_ordinal", rx(
        r"(?P<deg>closest|nearest|closer|nearer|furthest|farthest|further|farther) "
        r"(?:to|from) the midline"), _midline_ordinal),
    Rule("image_ordinal", rx(
        rf"(?P<deg>furthest|farthest|most|further|farther|more) (?:to (?:the )?|toward "
        rf"(?:the )?)?(?:(?P<img>img 's ))?(?P<w>left|right|top|bottom)(?: hand)?"
        rf"(?: (?:side|edge|border))?(?: (?P<ofimg>{OFIMG}))?"), _image_ordinal),
    Rule("image_ordinal_updown", rx(
        rf"(?P<deg>furthest|farthest|most|further|farther|more|higher|lower) "
        rf"(?P<w>up|down|upward|downward|upwards|downwards)(?: (?P<ofimg>{OFIMG}))?"),
        _image_ordinal),
    Rule("closest_to", rx(
        rf"(?P<deg>closest|nearest|closer|nearer) (?:to )?(?:the )?(?:(?P<img>img 's |img ))?"
        rf"(?P<w>left|right|top|bottom|upper|lower)(?: hand)?(?: (?:side|edge|border|margin|"
        rf"end|part|boundary))?(?: (?P<ofimg>{OFIMG}))?"), _image_ordinal),
    Rule("higher_lower", rx(
        rf"(?P<w>higher|lower)(?: (?:up|down))?(?: (?P<ofimg>{OFIMG}))?(?! (?:left|right|"
        rf"middle|center|central|half|part|portion|region|third|quadrant|corner|side|edge|"
        rf"border|margin|hand|lobe|pole|end|field|area|zone|aspect))"), _higher_lower),
    Rule("middle_of_group", rx(
        r"(?:in|at) the (?:very )?(?:middle|center) of the (?:row|line|column|group|stack|"
        r"cluster|series|chain|trio|three|set)"), _MIDDLE),
    Rule("middle_one", rx(r"(?:very )?(?P<w>middle|intermediate|midmost)(?= (?:one|ones|§\d+|~))"),
         _MIDDLE),
)

POSITIONS: tuple[Rule, ...] = (
    Rule("border", rx(
        rf"{LEAD}(?:touching|reaching|abutting|contacting|meeting|extending to|running off|"
        rf"cut off by|cut by|truncated by|clipped by|cropped by|cut off at|running into|"
        rf"extending off|at the very) {D}(?:img 's |img )?(?:(?P<w>left|right|top|bottom|"
        rf"upper|lower) )?(?:edge|border|margin|boundary|frame|side)s?"
        rf"(?: (?P<ofimg>{OFIMG}))?"), _border),
    Rule("hemisphere", rx(rf"{LEAD}(?:(?:in|on|of|within|inside) )?{D}(?P<w>left|right) "
                          rf"(?:(?:cerebral|brain) )?{_HEMI}"), _side),
    Rule("patient_poss", rx(
        rf"{LEAD}(?:(?P<prep>{PREP}) )?{PATP}(?P<w>left|right)(?: hand)?(?: (?:side|half|part|"
        rf"aspect|flank|portion|hemibody))?"), _side),
    Rule("of_patient", rx(
        rf"{LEAD}(?:(?P<prep>{PREP}) )?{D}(?P<w>left|right)(?: hand)?(?: (?:side|half|part|"
        rf"aspect|flank|portion))? (?:of|in|on) {D}(?:pat 's )?{_BODY}"), _side),
    Rule("patient_prefix", rx(r"pat (?P<w>left|right)"), _side),
    Rule("sided", rx(r"(?P<w>left|right) sided"), _side),
    Rule("image_poss", rx(rf"{LEAD}(?:(?P<prep>{PREP}) )?(?:(?:the|this) )?img 's "
                          rf"(?P<cell>{CELL})(?: (?P<part>{PART})s?)?"), _cell("image")),
    Rule("of_image", rx(rf"{LEAD}(?:(?P<prep>{PREP}) )?{D}(?P<cell>{CELL})"
                        rf"(?: (?P<part>{PART})s?)? {OFIMG}"), _cell("image")),
    Rule("image_first", rx(rf"{LEAD}(?:(?P<prep>{PREP}) )?{D}img (?P<cell>{CELL})"
                           rf"(?: (?P<part>{PART})s?)?"), _cell("image")),
    Rule("its", rx(rf"{LEAD}(?:(?P<prep>{PREP}) )?its (?P<cell>{CELL})(?: (?P<part>{PART})s?)?"),
         _its),
    Rule("row", rx(r"(?:of|in|along) the (?P<cell>top|bottom|upper|lower|left|right|middle) "
                   r"(?:row|column|line|tier|rank)"), _cell("none")),
    Rule("midway", rx(r"(?:midway|halfway) (?P<w>across|down|up)"), _midway),
    Rule("periphery", rx(
        rf"{LEAD}(?:(?P<prep>{PREP}) )?{D}(?:img 's |img )?(?:periphery|peripheral "
        rf"(?:part|region|zone|area|rim)|outer (?:part|region|rim|zone|edge)|edges?|borders?|"
        rf"margins?|rim|boundary)(?: (?P<ofimg>{OFIMG}))?"),
         fixed("position", "periphery", frame="image")),
    Rule("adverb", rx(rf"(?P<w>centrally|peripherally)(?: (?:located|placed|positioned|"
                      rf"situated|lying|seen))?(?: (?P<ofimg>{OFIMG}))?"), _adverb_position),
    Rule("midline", rx(rf"{LEAD}(?:(?:on|in|at|along|near|across|straddling|crossing|"
                       rf"close to) )?{D}midline(?: {OFPAT})?|{LEAD}(?:(?:in|at) )?{D}middle "
                       rf"{OFPAT}"), _side),
    Rule("patient_adverb", rx(rf"(?P<w>{PDIR})ly(?: (?:located|placed|situated|positioned|"
                              rf"lying))?"), _side),
    Rule("patient_part", rx(
        rf"{LEAD}(?:(?P<prep>{PREP}) )?{D}(?P<w>{PDIR}) (?:part|aspect|portion|half|side|"
        rf"region|section|compartment)s?(?: {OFPAT})?"), _side),
    Rule("adjective_position", rx(r"(?P<w>central|peripheral)"), _adverb_position),
    Rule("bare", rx(rf"{LEAD}(?P<prep>{PREP}) {D}(?P<cell>{CELL})(?: (?P<part>{PART})s?)?"
                    rf"(?! of)(?! 's)"), _cell("none")),
)
