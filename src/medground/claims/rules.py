"""The reader's phrase rules, in the order they apply, and the engine that runs them.

Each rule is a pattern over the marked text (see :mod:`medground.claims.rule`) and a maker
that turns a match into claims; the words it matched are consumed so that no later rule reads
them again. Longer and more specific phrases come first: fillers, "neither ... nor",
relations, shapes (before positions, whose words "edges" and "middle" they share), ordinals,
positions and sides, sizes, intensities, counts. A claim directly after "not" (give or take
"is", "located", ...) is negated.
"""

from __future__ import annotations

import re

from medground.claims import vocab
from medground.claims.places import ORDINALS, POSITIONS
from medground.claims.qualities import COUNTS, INTENSITIES, NEITHER, SHAPES, SIZES
from medground.claims.reader import Reading, Tokens
from medground.claims.relations import RELATIONS
from medground.claims.rule import VERTICAL, Context, Rule, nothing
from medground.claims.types import Claim
from medground.claims.vocab import NUM, rx

_ADJ_DIRS = ("upper", "lower", "top", "bottom", "left", "right", "medial", "lateral",
             "anterior", "posterior", "superior", "inferior", "cranial", "caudal", "ventral",
             "dorsal")

FILLERS: tuple[Rule, ...] = tuple(Rule("filler", rx(p), nothing) for p in (
    r"which (?:bounding )?box(?:es)? (?:contains?|fits?|holds?|encloses?|shows?|covers?|"
    r"surrounds?|marks?)",
    r"(?:draw|put|place|give|return|provide|output|drawing|putting|placing) (?:me )?"
    r"(?:a |the |an )?(?:tight )?(?:bounding )?box(?:es)? (?:around|on|for|of|over|"
    r"enclosing|surrounding|that surrounds)",
    r"(?:the )?(?:tight )?bounding box(?:es)? (?:of|for|around|enclosing)",
    r"(?:which|what) (?:region|area|part|structure|one|portion) (?:is|shows|contains|"
    r"corresponds to|holds|represents|depicts)",
    r"in which (?:region|area|part)",
    r"(?:(?<=^)|(?<=[.?!:] ))(?:first|next|now|then|finally|lastly) ,",
    r"a (?:little|bit|touch)(?= (?:to|more|further|higher|lower|toward|off))",
    r"at least", r"at most", r"as well", r"you can see", r"that you can see",
    r"(?<!the )(?<!'s )right(?= (?:in|at|on|next to|beside|by|up against|against|along|across|into|onto|"
    r"through|around|over)\b)",
    r"over(?= (?:on|to|in|at|toward)\b)",
    r"(?:the |this )?pat 's(?= §)",  # "the patient's right kidney": a name, not a frame
))

#: every rule, in the order it applies
RULES: tuple[Rule, ...] = (*FILLERS, *NEITHER, *RELATIONS, *SHAPES, *ORDINALS, *POSITIONS,
                           *SIZES, *INTENSITIES, *COUNTS)

_SETTERS = frozenset({*vocab.SIZE_WORDS, "leftmost", "rightmost", "uppermost", "topmost",
                      "lowermost", "bottommost", "highest", "lowest", "higher", "lower",
                      "brightest", "darkest", "brighter", "darker", "one", "ones", "which",
                      "further", "furthest", "farther", "farthest", "closest", "nearest",
                      "closer", "nearer", "most", "more", "middle", "intermediate", *_ADJ_DIRS,
                      *vocab.ORDINALS})
_SET = rx(rf"(?:of|among|amongst|between|from) (?:(?:the|all|these|those) )?"
          rf"(?:(?P<n>{NUM}|several|multiple|many|numerous) )?(?:(?:visible|shown|seen) )?(?P<adj>(?:[a-z]+ ){{0,2}}?)"
          rf"(?P<set>§\d+)(?! and)")
_SET_UNNAMED = rx(rf"(?:of|among) the (?P<n>{NUM}|pair|trio)(?= [,.;:?!]|$)")
_NOT = frozenset({"not", "isn't", "aren't", "never"})
_DANGLING_FRAME = rx(r"(?:in|on|within|of|across) (?:(?:the|this|that) )?img")


def apply(toks: Tokens, reading: Reading) -> None:
    """Run every rule over ``toks`` in order, adding claims to ``reading``."""
    ctx = Context(reading)
    positions: list[int] = []
    _sets(toks, reading, positions)
    for rule in RULES:
        _apply_rule(rule, toks, ctx, positions)
    _adjective_directions(toks, reading, positions)
    _frame_hints(toks, reading, positions)


def _words(text: str, reading: Reading) -> str:
    def mention(m: re.Match[str]) -> str:
        return reading.mentions[int(m.group(1))].text
    out = re.sub(r"§(\d+)", mention, text)
    return re.sub(r"\bimg\b", "image", re.sub(r"\bpat\b", "patient", out))


def _apply_rule(rule: Rule, toks: Tokens, ctx: Context, positions: list[int]) -> None:
    start = 0
    while True:
        text = toks.text
        m = rule.pattern.search(text, start)
        if m is None:
            return
        claims = rule.make(m, ctx)
        if claims is None:
            start = m.start() + 1
            continue
        first = toks.index(m.start())
        kept = [m.span(g) for g in rule.keep]
        words = _words(m.group(0), ctx.reading)
        spans = _minus(m.span(), kept)
        for s, e in spans:
            toks.consume(s, e)
        negated = _negation_before(toks, first)
        for c in claims:
            ctx.reading.claims.append(c.model_copy(update={"words": words,
                                                           "negated": c.negated != negated}))
            positions.append(first)
        start = 0


def _minus(span: tuple[int, int], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, (s, e) = [], span
    for hs, he in sorted(h for h in holes if h[0] >= 0):  # a group that did not match: -1
        if hs > s:
            out.append((s, hs - 1))
        s = he + 1
    if s < e:
        out.append((s, e))
    return [(a, b) for a, b in out if b > a]


def _negation_before(toks: Tokens, first: int) -> bool:
    """Is the claim at token ``first`` negated ("not on the left", "isn't round")?"""
    k = first - 1
    while k >= 0 and toks.toks[k] in vocab.LEAD_WORDS | vocab.HEDGES:
        k -= 1
    if k >= 0 and toks.toks[k] in _NOT:
        toks.toks[k] = "~"
        return True
    return False


def _sets(toks: Tokens, reading: Reading, positions: list[int]) -> None:
    """"the larger of the two polyps", "which of the lesions", "of the three nuclei, the ...":
    the mention names the set the target is chosen from. The word before "of" (past "one")
    must be a comparison or "which"; a bare "left"/"right" only with a count ("the left of the
    two polyps"), since "left of the liver" is a relation."""
    for m in list(_SET.finditer(toks.text)):
        first = toks.index(m.start())
        k = first - 1
        while k >= 0 and toks.toks[k] in ("one", "ones"):
            k -= 1
        before = toks.toks[k] if k >= 0 else ""
        at_start = k < 0 or before in (",", ".", ":", "?", "!")
        setter = before in _SETTERS and (before not in ("left", "right") or m.group("n")
                                         or k < first - 1)
        if not (setter or (at_start and m.group(0).startswith(("of ", "among ")))):
            continue
        mention = reading.mentions[int(m.group("set")[1:])]
        if mention.name.generic:
            continue
        reading.from_set = True
        reading.subjects = [mention]
        if m.group("n"):
            n = m.group("n")
            value = str(vocab.NUMBERS[n]) if n in vocab.NUMBERS else (
                "multiple" if n == "multiple" else "several")
            reading.claims.append(Claim(kind="count", value=value,
                                        scope="candidates", words=_words(m.group(0), reading)))
            positions.append(first)
        if m.group("adj"):  # "of the four round nuclei": "round" is still to be read
            toks.consume(m.start(), m.start("adj") - 1)
            toks.consume(m.start("set"), m.end())
        else:
            toks.consume(m.start(), m.end())
        return
    for m in list(_SET_UNNAMED.finditer(toks.text)):  # "the middle vertebra of the three"
        first = toks.index(m.start())
        if not (set(toks.toks[max(0, first - 4):first]) & _SETTERS):
            continue
        n = {"pair": "2", "trio": "3"}.get(m.group("n")) or str(vocab.NUMBERS[m.group("n")])
        reading.from_set = True
        reading.claims.append(Claim(kind="count", value=n, scope="candidates",
                                    words=_words(m.group(0), reading)))
        positions.append(first)
        toks.consume(m.start(), m.end())
        return


def _adjective_directions(toks: Tokens, reading: Reading, positions: list[int]) -> None:
    """A bare direction before the noun ("the upper lesion", "the anterior cyst"): the
    extreme among several candidates, a band when the target is alone of its kind."""
    t = toks.toks
    for k, tok in enumerate(t):
        if tok not in _ADJ_DIRS:
            continue
        j = k + 1
        while j < len(t) and (t[j] == "~" or (t[j].isalpha() and t[j] not in _STOP)) \
                and j - k <= 4:
            if t[j] in ("one", "ones"):
                break
            j += 1
        ahead = t[j] if j < len(t) else ""
        consumed_after = j > k + 1 and all(x == "~" for x in t[k + 1:j])
        if not (ahead.startswith("§") or ahead in ("one", "ones")
                or (consumed_after and ahead in ("", ",", ".", "?", "!", ":"))):
            continue
        value = VERTICAL.get(tok) or vocab.PATIENT_DIR_WORDS.get(tok, tok)
        frame = ("patient" if tok in vocab.PATIENT_DIR_WORDS or tok in ("medial", "lateral")
                 else "none" if tok in ("left", "right") else "image")
        t[k] = "~"
        reading.claims.append(Claim(kind="ordinal", value=value, frame=frame,
                                    degree="absolute", words=tok))
        positions.append(k)


_STOP = frozenset({"of", "in", "on", "to", "than", "and", "or", "at", "from", "with", "is",
                   "are", "that", "which", "the", "a", "an"})


def _frame_hints(toks: Tokens, reading: Reading, positions: list[int]) -> None:
    """"the leftmost polyp in this image": a frame named after a frameless left/right claim
    applies to it."""
    hints = [toks.index(m.start()) for m in _DANGLING_FRAME.finditer(toks.text)]
    if not hints:
        return
    for i, (c, at) in enumerate(zip(list(reading.claims), positions, strict=False)):
        bare_adjective = c.kind == "ordinal" and c.degree == "absolute"  # "the left kidney"
        if (c.frame == "none" and c.kind in ("position", "ordinal", "relation")
                and not bare_adjective and any(h > at for h in hints)):
            reading.claims[i] = c.model_copy(update={"frame": "image"})
