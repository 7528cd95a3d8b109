"""Phrase rules for relations to other structures: inside, next to, above, anterior to,
between, larger than, darker than ... (applied before positions and ordinals, whose words
they share)."""

from __future__ import annotations

import re
from typing import Final

from medground.claims import vocab
from medground.claims.rule import Context, Maker, Rule, claim, frame_of, ref
from medground.claims.types import Claim
from medground.claims.vocab import LEAD, OFIMG, PDIR, rx

REF = ref()
DIRECT = r"(?P<direct>(?:directly|straight|right|just|immediately|squarely|exactly) )?"
_VALUES: Final = {"larger": "larger", "bigger": "larger", "greater": "larger",
                  "smaller": "smaller", "lesser": "smaller", "tinier": "smaller",
                  "brighter": "brighter", "darker": "darker", "higher": "brighter",
                  "lower": "darker", "more": "brighter", "less": "darker"}


def _kw(m: re.Match[str], ctx: Context, name: str = "ref") -> dict[str, object]:
    reference, each = ctx.reference(m, name)
    out: dict[str, object] = {"reference": reference, "each": each}
    if m.groupdict().get("direct"):
        out["extent"] = "direct"
    return out


def relation(value: str, frame: str = "none", negated: bool = False) -> Maker:
    def make(m: re.Match[str], ctx: Context) -> list[Claim]:
        return [claim("relation", value, frame=frame, negated=negated, **_kw(m, ctx))]
    return make


def _between(m: re.Match[str], ctx: Context) -> list[Claim]:
    a, _ = ctx.reference(m)
    if m.groupdict().get("ref2") or m.groupdict().get("other_ref2"):
        b, _ = ctx.reference(m, "ref2")
    else:  # "between the two kidneys", "flanked by the other two": one plural reference
        b = a
    return [claim("relation", "between", reference=a, reference2=b)]


def _than(m: re.Match[str], ctx: Context) -> list[Claim]:
    w = m.group("w")
    value = _VALUES.get(w) or vocab.PATIENT_DIR_WORDS.get(w, w)
    frame = "patient" if value in vocab.PATIENT_DIR_WORDS.values() or value in (
        "medial", "lateral") else "none"
    return [claim("relation", value, frame=frame, **_kw(m, ctx))]


def _attenuation_than(m: re.Match[str], ctx: Context) -> list[Claim]:
    w = m.group("w")
    darker = w in ("lower", "less") or w.startswith("hypo")
    return [claim("relation", "darker" if darker else "brighter", **_kw(m, ctx))]


def _midline_than(m: re.Match[str], ctx: Context) -> list[Claim]:
    value = "medial" if m.group("w") in ("closer", "nearer") else "lateral"
    return [claim("relation", value, frame="patient", **_kw(m, ctx))]


def _sideways(m: re.Match[str], ctx: Context) -> list[Claim]:
    return [claim("relation", f"{m.group('w')}_of", frame=frame_of(m, True), **_kw(m, ctx))]


def _pdir(m: re.Match[str], ctx: Context) -> list[Claim]:
    w = m.group("w1") or m.group("w2")
    value = vocab.PATIENT_DIR_WORDS.get(w) or (
        "anterior" if w in ("in front of", "ahead of") else "posterior")
    return [claim("relation", value, frame="patient", **_kw(m, ctx))]


def _vertical(m: re.Match[str], ctx: Context) -> list[Claim]:
    up = m.group("w").split()[0] in ("above", "over", "higher", "on", "up")
    return [claim("relation", "above" if up else "below", frame="image", **_kw(m, ctx))]


def _times(m: re.Match[str], ctx: Context) -> list[Claim]:
    value = "smaller" if m.group("w") in ("half", "a third of", "a quarter of") else "larger"
    return [claim("relation", value, **_kw(m, ctx))]


def _compound(m: re.Match[str], ctx: Context) -> list[Claim] | None:
    outer, head = ctx.mention(m, "outer"), ctx.mention(m, "head")
    if outer.name.generic or head.name.generic or outer.name.labels & head.name.labels:
        return None
    return [claim("relation", "inside", reference=outer.text)]


_ORGAN_ADJECTIVES: Final = {"hepatic": "liver", "renal": "kidney", "splenic": "spleen",
                            "pancreatic": "pancreas", "gastric": "stomach",
                            "pulmonary": "lung", "colonic": "colon", "vertebral": "vertebra",
                            "adrenal": "adrenal gland", "intrahepatic": "liver",
                            "intrarenal": "kidney", "osseous": "bone", "bony": "bone"}


def _organ_adjective(m: re.Match[str], ctx: Context) -> list[Claim] | None:
    head = ctx.mention(m, "head")
    if head.name.generic:
        return None
    return [claim("relation", "inside", reference=_ORGAN_ADJECTIVES[m.group("w")])]


RELATIONS: tuple[Rule, ...] = (
    Rule("between", rx(rf"{LEAD}(?:somewhere |located |lying |situated |sitting )?"
                       rf"(?:between|flanked by|sandwiched between) {REF}"
                       rf"(?: and {ref('ref2')})?"), _between),
    Rule("than", rx(rf"{LEAD}(?P<w>larger|bigger|greater|smaller|lesser|tinier|brighter|"
                    rf"darker)(?: in size)? than {REF}"), _than),
    Rule("attenuation_than", rx(
        rf"{LEAD}(?:with |of |showing |having )?(?P<w>lower|higher|less|more) "
        rf"(?:attenuation|density|signal(?: intensity)?|intensity|echogenicity|brightness) "
        rf"than {REF}"), _attenuation_than),
    Rule("relative_to", rx(
        rf"{LEAD}(?P<w>hypo ?attenuating|hypo ?dense|hypo ?intense|hypo ?echoic|"
        rf"hyper ?attenuating|hyper ?dense|hyper ?intense|hyper ?echoic|darker|brighter) "
        rf"(?:relative to|compared (?:to|with)|than) {REF}"), _attenuation_than),
    Rule("times_the_size", rx(
        rf"{LEAD}(?:(?:about|roughly|nearly|almost|at least) )?(?P<w>twice|double|(?:{vocab.NUM}) "
        rf"times|half|a third of|a quarter of) (?:the size of|as (?:large|big) as) {REF}"),
        _times),
    Rule("more_than", rx(rf"{LEAD}(?:more|further|farther) (?P<w>{PDIR}|medial|lateral)"
                         rf"(?:ly)? than {REF}"), _than),
    Rule("midline_than", rx(rf"{LEAD}(?P<w>closer|nearer|further|farther) (?:to |from )?"
                            rf"the midline than {REF}"), _midline_than),
    Rule("mediolateral", rx(rf"{LEAD}(?P<w>medial|lateral)(?:ly)? (?:to|of|from) {REF}"),
         lambda m, ctx: [claim("relation", m.group("w"), frame="patient", **_kw(m, ctx))]),
    Rule("patient_side_relative", rx(
        rf"{LEAD}(?:on|to|toward) (?:the )?(?P<pat>pat 's )(?P<w>left|right)(?: side)? "
        rf"(?:relative to|compared (?:to|with)|of) {REF}"), _sideways),
    Rule("sideways", rx(
        rf"{LEAD}{DIRECT}(?:(?:to|on|at|toward) (?:the )?)?(?:(?P<img>img 's )|(?P<pat>pat 's ))?"
        rf"(?P<w>left|right)(?: hand)?(?: side)? of {REF}(?: (?P<ofimg>{OFIMG}))?"), _sideways),
    Rule("sideways_poss", rx(rf"{LEAD}(?:to|on|at|toward) (?P<ref>§\d+) 's (?P<w>left|right)"
                             rf"(?: hand)?(?: side)?(?: (?P<ofimg>{OFIMG}))?"),
         lambda m, ctx: [claim("relation", f"{m.group('w')}_of", frame=frame_of(m, True),
                               reference=ctx.mention(m, "ref").text)]),
    Rule("patient_direction", rx(
        rf"{LEAD}{DIRECT}(?:(?P<w1>{PDIR})(?:ly)? (?:to|of|from)|(?P<w2>in front of|ahead of|"
        rf"behind|in back of|at the back of)) {REF}"), _pdir),
    Rule("vertical", rx(
        rf"{LEAD}{DIRECT}(?P<w>above|over|higher than|higher up than|on top of|up from|below|"
        rf"under|underneath|beneath|lower than|lower down than|down from) {REF}"
        rf"(?: (?P<ofimg>{OFIMG}))?"), _vertical),
    Rule("adjacent", rx(
        rf"{LEAD}(?:(?:directly|immediately|right|just) )?(?:adjacent to|next to|beside|"
        rf"alongside|bordering|abutting|touching|in contact with|in close contact with|"
        rf"contacting|against|up against|juxtaposed to|adjoining|abuts|borders|touches|"
        rf"flanking|hugging|pressed against|resting against) {REF}"), relation("adjacent")),
    Rule("outside", rx(rf"{LEAD}(?:(?:well|entirely|completely) )?outside(?: of)? {REF}"),
         relation("inside", negated=True)),
    Rule("inside", rx(
        rf"{LEAD}(?:(?:well|entirely|completely|fully|wholly|deep) )?(?:within|inside|in|into|"
        rf"inside of|embedded in|embedded within|contained in|contained within|enclosed by|"
        rf"enclosed in|enclosed within|surrounded by|encased by|encased in|part of|set in|"
        rf"arising in|arising from|involving|located in|in the substance of|within the "
        rf"substance of) {REF}"), relation("inside")),
    Rule("contains", rx(
        rf"{LEAD}(?:containing|that contains|which contains|contains|enclosing|encasing|"
        rf"surrounding|that surrounds|which surrounds|surrounds|encircling|around|holding|"
        rf"harboring|harbouring|housing) {REF}"), relation("contains")),
    Rule("near", rx(rf"{LEAD}(?:very )?(?:near|close to|near to|nearby|in the vicinity of|"
                    rf"in proximity to|not far from|by|close by) {REF}"), relation("near")),
    Rule("far", rx(rf"{LEAD}(?:far from|far away from|away from|distant from|remote from|"
                   rf"well away from|a long way from) {REF}"), relation("far")),
    Rule("compound", rx(r"(?P<outer>§\d+) (?P<head>§\d+)"), _compound, keep=("head",)),
    Rule("organ_adjective", rx(r"(?P<w>" + "|".join(_ORGAN_ADJECTIVES) + r") (?P<head>§\d+)"),
         _organ_adjective, keep=("head",)),
)
