"""Phrase rules for what a structure is like: size, shape, intensity, and how many there are;
and "neither ... nor ...", which reads as a middle rank or two negated qualities."""

from __future__ import annotations

import re
from typing import Final

from medground.claims import vocab
from medground.claims.rule import Context, Rule, claim, fixed
from medground.claims.types import Claim
from medground.claims.vocab import NUM, ORD, rx

_SIZE_ADJ: Final = ("diminutive|minuscule|miniature|small|tiny|little|minute|"
                    "smallish|wee|large|big|huge|sizable|sizeable|bulky|massive|giant|"
                    "enormous|largish|enlarged|voluminous|extensive|biggish")
_SMALL: Final = frozenset({"diminutive", "minuscule", "miniature", "small", "tiny",
                           "little", "minute", "smallish", "wee"})


def _size(m: re.Match[str], ctx: Context) -> list[Claim]:
    w = m.group("w")
    if w in vocab.SIZE_WORDS:
        value, degree = vocab.SIZE_WORDS[w]
    else:
        value, degree = ("small" if w in _SMALL else "large"), "absolute"
    deg = m.groupdict().get("deg")
    if deg:  # "more diminutive", "the least bulky"
        flip = deg in ("less", "least")
        value = ("large" if value == "small" else "small") if flip else value
        degree = "superlative" if deg in ("most", "least") else "comparative"
    rank = vocab.ORDINALS[m.group("n")] if m.groupdict().get("n") else 1
    return [claim("size", value, degree=degree, rank=rank)]


def _size_noun(m: re.Match[str], ctx: Context) -> list[Claim]:
    """"with the largest area", "that covers more area"."""
    value, degree = {"more": ("large", "comparative"), "less": ("small", "comparative"),
                     "most": ("large", "superlative"), "least": ("small", "superlative")}.get(
        m.group("w"), vocab.SIZE_WORDS.get(m.group("w"), ("large", "absolute")))
    return [claim("size", value, degree=degree)]


def _middle_size(m: re.Match[str], ctx: Context) -> list[Claim]:
    """"the intermediate-sized lesion": second of three by size."""
    return [claim("size", "large", degree="superlative", rank=2),
            claim("count", "3", scope="candidates")]


_NEITHER_PAIRS: Final = {
    frozenset({"largest", "smallest"}): ("size", "large"),
    frozenset({"biggest", "smallest"}): ("size", "large"),
    frozenset({"leftmost", "rightmost"}): ("ordinal", "left"),
    frozenset({"uppermost", "lowermost"}): ("ordinal", "top"),
    frozenset({"topmost", "bottommost"}): ("ordinal", "top"),
    frozenset({"highest", "lowest"}): ("ordinal", "top"),
    frozenset({"brightest", "darkest"}): ("intensity", "bright"),
}
_SHAPE_WORDS: Final = {"round": "round", "rounded": "round", "circular": "round",
                       "oval": "oval", "ovoid": "oval", "elongated": "elongated",
                       "stretched": "elongated", "irregular": "irregular",
                       "lobulated": "lobulated", "smooth": "smooth"}


def _neither(m: re.Match[str], ctx: Context) -> list[Claim] | None:
    a, b = m.group("a"), m.group("b")
    pair = _NEITHER_PAIRS.get(frozenset({a, b}))
    if pair is not None:  # neither extreme of three: the middle one
        kind, value = pair
        frame = "image" if kind == "ordinal" and value == "top" else "none"
        return [claim(kind, value, rank=2, degree="superlative", frame=frame),
                claim("count", "3", scope="candidates")]
    if a in _SHAPE_WORDS and b in _SHAPE_WORDS:
        return [claim("shape", _SHAPE_WORDS[a], negated=True),
                claim("shape", _SHAPE_WORDS[b], negated=True)]
    return None


#: (regex, shape value): outline adjectives, in the order they are tried
_SHAPE_ADJ: Final[tuple[tuple[str, str], ...]] = (
    (r"ring like|ring shaped|annular|donut like|doughnut like|hollow", "ring"),
    (r"crescentic|crescent(?: shaped| like)?|c shaped", "crescent"),
    (r"irregular(?:ly shaped)?|uneven|jagged|spiky|spiked|spiculated|spiculate|stellate|"
     r"star like|star shaped|ragged|rough", "irregular"),
    (r"(?:multi)?lobulated|lobular|(?:multi|bi)?lobed|bumpy|lumpy|knobbly|knobby|scalloped",
     "lobulated"),
    (r"smooth|regular|well circumscribed|well defined|sharp|crisp|clean", "smooth"),
    (r"round(?:ed)?|circular", "round"),
    (r"oval|ovoid|elliptical", "oval"),
    (r"elongated|oblong", "elongated"),
)
_ADJ_ALT: Final = "|".join(p for p, _ in _SHAPE_ADJ)
_OUTLINE: Final = (r"(?:outline|contour|border|borders|margin|margins|edges|edge|boundary|"
                   r"shape|appearance|morphology|configuration|form|profile|silhouette)")


def _outline(m: re.Match[str], ctx: Context) -> list[Claim] | None:
    """"with a bumpy, multilobed outline", "with smooth, well-circumscribed round margins"."""
    out = []
    for found in re.finditer(rf"(?<!\S)(?:{_ADJ_ALT})(?!\S)", m.group("adjs")):
        value = next(v for p, v in _SHAPE_ADJ if re.fullmatch(p, found.group(0)))
        out.append(claim("shape", value))
    return out or None


def _intensity_with(m: re.Match[str], ctx: Context) -> list[Claim]:
    t = m.group("t")
    term = "density" if t in ("density", "attenuation") else (
        "echo" if t == "echogenicity" else "signal")
    return [claim("intensity", "dark" if m.group("w") == "low" else "bright", term=term)]


_BRIGHT: Final = frozenset({"bright", "brighter", "brightest", "lighter", "lightest",
                            "brightly", "intensely", "strongly", "light"})


def _intensity_word(m: re.Match[str], ctx: Context) -> list[Claim]:
    w = m.group("w")
    value = "bright" if w in _BRIGHT else "dark"
    degree = ("superlative" if w.endswith("est") else "comparative" if w.endswith("er")
              else "absolute")
    deg = m.groupdict().get("deg")
    if deg:
        degree = "superlative" if deg in ("most", "least") else "comparative"
        if deg in ("less", "least"):
            value = "dark" if value == "bright" else "bright"
    return [claim("intensity", value, degree=degree)]


def _count(m: re.Match[str], ctx: Context) -> list[Claim]:
    return [claim("count", str(vocab.NUMBERS[m.group("n")]))]


def _plural_count(m: re.Match[str], ctx: Context) -> list[Claim]:
    return [claim("count", "multiple" if m.group("w") in ("multiple", "various") else "several")]


NEITHER: tuple[Rule, ...] = (
    Rule("neither", rx(r"(?:that is |which is )?neither (?:the )?(?P<a>[a-z]+)(?: one)? nor "
                       r"(?:the )?(?P<b>[a-z]+)(?: out)?(?: one)?"), _neither),
)

SIZES: tuple[Rule, ...] = (
    Rule("size_rank", rx(rf"(?P<n>{ORD}) (?P<w>largest|biggest|smallest|greatest)"), _size),
    Rule("middle_size", rx(r"(?:intermediate|middle|medium|mid|moderately|moderate|average) "
                           r"?(?:sized|size)"), _middle_size),
    Rule("size_noun", rx(
        r"(?:with|having|of|covering|covers|occupies|occupying|takes up|taking up|fills) "
        r"(?:the |a )?(?P<w>largest|greatest|biggest|smallest|larger|greater|bigger|smaller|"
        r"more|less|most|least) (?:area|size|extent|diameter|footprint|surface|cross sectional "
        r"area|volume|dimensions?|space|room|of the img)"), _size_noun),
    Rule("size_word", rx(
        r"(?P<w>largest|biggest|greatest|smallest|tiniest|larger|bigger|greater|smaller|lesser|"
        r"tinier)(?: (?:in size|sized))?"), _size),
    Rule("size_degree", rx(rf"(?P<deg>more|less|most|least) (?P<w>{_SIZE_ADJ})"), _size),
    Rule("size_adjective", rx(rf"(?:of )?(?:a )?(?P<w>{_SIZE_ADJ})(?: (?:sized|size))?"), _size),
)


SHAPES: tuple[Rule, ...] = (
    Rule("outline", rx(rf"(?:with|having|showing|of|has) (?:an? |the )?(?:(?:roughly|fairly|"
                       rf"somewhat|overall|perfectly) )?(?P<adjs>(?:(?:{_ADJ_ALT})(?: ,| and)? )"
                       rf"{{1,4}}){_OUTLINE}"), _outline),
    Rule("ring_hole", rx(r"(?:with|having|has) (?:a |an )?(?:central )?(?:hole|hollow(?: "
                         r"(?:center|middle|core|interior))?|lumen|"
                         r"cavity|clear center|dark center)(?: in (?:the |its )?(?:middle|"
                         r"center|centre))?|(?:a )?hollow (?:center|middle|core|interior)"),
         fixed("shape", "ring")),
    Rule("crescent_like", rx(r"(?:shaped )?like a (?:crescent|crescent moon|half moon|banana)|"
                             r"crescent moon shaped|half moon shaped|banana shaped"),
         fixed("shape", "crescent")),
    Rule("long_thin", rx(r"long and (?:thin|narrow|slender)|thin and long|stretched out|"
                         r"stretched|strip like|band like|band shaped|rod like|tube like|"
                         r"cigar like|slender|elongate|long"), fixed("shape", "elongated")),
    Rule("orientation", rx(r"(?P<w>vertical|horizontal)(?:ly (?:oriented|aligned|running|"
                           r"placed))?|(?P<v>running (?:from top to bottom|up and down|"
                           r"vertically)|oriented vertically)|(?P<h>running (?:from side to "
                           r"side|left to right|horizontally|across)|oriented horizontally)"),
         lambda m, ctx: [claim("shape", m.group("w") or ("vertical" if m.group("v")
                                                         else "horizontal"))]),
    Rule("smooth", rx(r"smooth(?:ly)?(?: (?:outlined|contoured|marginated|bordered|walled))?|"
                      r"well circumscribed|well defined|sharply (?:defined|marginated|"
                      r"demarcated|circumscribed)"), fixed("shape", "smooth")),
    *(Rule(f"shape_{value}", rx(pattern), fixed("shape", value))
      for pattern, value in vocab.SHAPE_PATTERNS),
)

INTENSITIES: tuple[Rule, ...] = (
    Rule("intensity_with", rx(
        r"(?:with|having|of|showing) (?P<w>low|high) (?P<t>density|attenuation|signal"
        r"(?: intensity)?|echogenicity)"), _intensity_with),
    *(Rule(f"intensity_{value}_{term}", rx(pattern), fixed("intensity", value, term=term))
      for pattern, value, term in vocab.INTENSITY_PATTERNS),
    Rule("intensity_looking", rx(r"(?P<w>brighter|darker) (?:looking|appearing|colored|toned)"),
         lambda m, ctx: [claim("intensity", m.group("w")[:-2], degree="absolute")]),
    Rule("intensity_adverb", rx(
        r"(?P<deg>more|most|less|least) (?P<w>brightly|intensely|strongly|weakly|faintly|"
        r"dimly) (?:fluorescent|stained|staining|enhancing|lit|labeled|labelled|glowing)"),
        _intensity_word),
    Rule("intensity_word", rx(
        r"(?P<w>brightest|darkest|brighter|darker|bright|dark|lighter|lightest|dimmer|dimmest|"
        r"dim|fainter|faintest|faint|paler|palest)(?: (?:looking|appearing|colored|toned|"
        r"seeming))?"), _intensity_word),
)

COUNTS: tuple[Rule, ...] = (
    Rule("there_are", rx(rf"(?:(?:there (?:are|is)|with) )?(?P<n>{NUM})(?: of them| in total|"
                         rf" altogether| in all| together)"), _count),
    Rule("dozen", rx(r"(?:a |the )?half dozen"), fixed("count", "6")),
    Rule("all_n", rx(rf"(?:all|each|every one) (?:of )?(?:the )?(?P<n>{NUM})(?: of the)?"
                     r"(?: (?:visible|shown|seen|depicted|present))?"), _count),
    Rule("both", rx(r"both(?: of)?(?: the)?(?: (?:visible|shown|seen))?"), fixed("count", "2")),
    Rule("pair", rx(r"(?:a |the )?pair of"), fixed("count", "2")),
    Rule("sides_after", rx(r", (?:right and left|left and right)(?: ones)?"), fixed("count", "2")),
    Rule("the_n", rx(rf"(?:the|these|those) (?P<n>{NUM})(?: (?:visible|shown|seen|depicted|"
                     r"present|separate|distinct))?"), _count),
    Rule("n", rx(rf"(?P<n>{NUM})(?: (?:visible|shown|seen|separate|distinct))?"), _count),
    Rule("all", rx(r"(?:all|every|each)(?: (?:of|the|of the|visible|the visible|shown|seen))*"),
         fixed("count", "all")),
    Rule("plural", rx(r"(?P<w>several|multiple|numerous|many|various)"), _plural_count),
)
