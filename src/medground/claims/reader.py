"""Read free English into claims, independently of any synthesizer.

``read(query, labels)`` names the structures of the view that the query mentions (longest name
first, :mod:`medground.claims.names`), then applies the phrase rules of :mod:`.rules` in order;
each rule consumes the words it understood and emits :class:`~medground.claims.types.Claim`
records. What is left decides the rest:

- the mentions no rule used as a reference are the subject ("the lesion"; "the liver and the
  spleen" is a subject of two); generic heads ("structure") give way to a named structure;
- a word of :data:`~medground.claims.vocab.TRIGGERS` (a position, size, shape, count,
  intensity or relation word) or a negation the reader cannot scope makes the query
  unverifiable: it is reported in ``Reading.unverifiable``, never ignored.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from medground.claims import vocab
from medground.claims.names import Name, NameTable
from medground.claims.text import normalize
from medground.claims.types import Claim

_IMAGE = re.compile(r"(?<![a-z'§])(?:" + "|".join(
    re.escape(n) for n in sorted(vocab.IMAGE_NOUNS, key=len, reverse=True)) + r")(?![a-z])")
_PATIENT = re.compile(r"(?<![a-z'§])(?:" + "|".join(vocab.PATIENT_NOUNS) + r")(?![a-z])")
_MENTION = re.compile(r"§(\d+)")
#: class nouns that are also verbs of a query ("spot the lesion")
_VERB_NOUNS = frozenset({"spot", "spots", "focus", "mass"})


@dataclass(frozen=True)
class Mention:
    """A structure named in the query: the words, what they name, and where (token index)."""

    text: str
    name: Name
    index: int


@dataclass
class Reading:
    """What the reader understood of a query."""

    text: str  # the normalised query, mentions and frames marked
    mentions: list[Mention]
    subjects: list[Mention] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    unverifiable: list[str] = field(default_factory=list)
    #: the subject is one member of a named set ("the larger of the two polyps")
    from_set: bool = False
    #: the names of the view's structures the query was read with
    table: NameTable | None = None

    @property
    def subject_labels(self) -> frozenset[str]:
        return frozenset(lb for m in self.subjects for lb in m.name.labels)

    @property
    def plural(self) -> bool:
        """Does the query ask for several structures? ("the kidneys", "each kidney")"""
        if self.from_set:
            return False
        if len(self.subjects) > 1:
            return True
        if any(c.kind == "count" and c.scope == "targets" and c.value != "1"
               for c in self.claims):
            return True
        if any(c.each and c.value == "inside" for c in self.claims):
            return True  # "the cyst in each kidney": one per kidney
        return bool(self.subjects) and self.subjects[0].name.number == "plural"

    def reference(self, text: str) -> Name | None:
        """What a name in the query names (a mention with that text, or the view's table)."""
        found = next((m.name for m in self.mentions if m.text == text), None)
        if found is None and self.table is not None:
            found = self.table.get(text)
        return found


class Tokens:
    """The query as tokens; rules consume tokens by turning them into ``~``."""

    def __init__(self, text: str) -> None:
        self.toks = text.split()

    @property
    def text(self) -> str:
        return " ".join(self.toks)

    def index(self, char: int) -> int:
        """Token index of a character offset into :attr:`text`."""
        return self.text.count(" ", 0, char)

    def consume(self, start: int, end: int) -> tuple[int, int]:
        """Consume the tokens covering characters ``[start, end)``; returns token indices."""
        i, j = self.index(start), self.index(end - 1) + 1
        for k in range(i, j):
            self.toks[k] = "~"
        return i, j


_DETERMINER_NEXT = re.compile(r" (?:the|a|an|all|both|each|every|any|this|that)\b")


def mark(query: str, table: NameTable) -> tuple[str, list[Mention]]:
    """The normalised query with ``§N`` for each structure mention, ``img`` and ``pat``."""
    text = normalize(query)
    mentions: list[Mention] = []

    parts: list[str] = []
    done = 0
    for start, end in table.spans(text):
        name = text[start:end]
        parts.append(text[done:start])
        done = end
        if name in _VERB_NOUNS and _DETERMINER_NEXT.match(text, end):
            parts.append(name)  # "spot the vertebra": the verb
            continue
        mentions.append(Mention(text=name, name=table[name], index=-1))
        parts.append(f"§{len(mentions) - 1}")
    text = "".join(parts) + text[done:]
    text = _IMAGE.sub("img", text)
    text = _PATIENT.sub("pat", text).replace("pat 's pat", "pat")  # the patient's body
    text = re.sub(r"(?<!\S)pat 's (?=§)", "", text)  # "the patient's right kidney": a name
    for i, tok in enumerate(text.split()):  # where each mention stands, as a token index
        if m := _MENTION.fullmatch(tok):
            k = int(m.group(1))
            mentions[k] = dataclasses.replace(mentions[k], index=i)
    return text, mentions


def read(query: str, labels: Iterable[str] | NameTable) -> Reading:
    """Claims of ``query`` about the structures of a view with these ``labels``."""
    from medground.claims import rules  # the rule table needs the types defined here

    table = labels if isinstance(labels, NameTable) else NameTable.of(labels)
    text, mentions = mark(query, table)
    reading = Reading(text=text, mentions=mentions, table=table)
    toks = Tokens(text)
    rules.apply(toks, reading)
    _subjects(toks, reading)
    _leftovers(toks, reading)
    return reading


def _subjects(toks: Tokens, reading: Reading) -> None:
    """Mentions not consumed as references are the subject; "and" joins several."""
    found = [reading.mentions[int(tok[1:])] for tok in toks.toks if _MENTION.fullmatch(tok)]
    for mention in found:
        toks.toks[mention.index] = "~"
    named = [m for m in found if not m.name.generic]
    left = named or found[:1]
    if reading.from_set and not reading.subjects:  # "the middle vertebra of the three"
        reading.subjects = left[:1]
        return
    if reading.from_set:  # "the larger of the two polyps": the set is the subject's noun
        same = reading.subject_labels
        extra = [m for m in named if m.name.labels != same]
        if extra:
            reading.unverifiable.append(
                "a structure besides the set chosen from: "
                + ", ".join(repr(m.text) for m in extra))
        return
    if len(left) > 1:
        joined = all(_joined(toks.toks, a.index, b.index) for a, b in itertools.pairwise(left))
        if not joined:
            reading.unverifiable.append(
                "several structures named as the target: "
                + ", ".join(repr(m.text) for m in left))
            left = left[:1]
    reading.subjects = left
    if len(left) == 1 and left[0].name.bilateral:  # "the left and right kidneys": two
        reading.claims.append(Claim(kind="count", value="2", words=left[0].text))


def _joined(toks: list[str], i: int, j: int) -> bool:
    between = [t for t in toks[i + 1:j] if t not in ("~", "the", "a", "an")]
    return between in (["and"], [","], [",", "and"], ["as", "well", "as"], ["plus"],
                       ["together", "with"], ["along", "with"], ["and", "also"])


#: words of structure names that say nothing on their own
_NAME_GLUE = frozenset({"of", "the", "at", "and", "level", "a", "an", "to", "in", "on", "with",
                        "for", "by", "or"})


def _leftovers(toks: Tokens, reading: Reading) -> None:
    name_words = (reading.table.label_words - vocab.known_words() - _NAME_GLUE
                  if reading.table is not None else frozenset())
    for k, tok in enumerate(toks.toks):
        if tok in vocab.NEGATIONS:
            reading.unverifiable.append(f"negation {tok!r} the reader cannot scope")
        elif tok in vocab.TRIGGERS:
            context = " ".join(t for t in toks.toks[max(0, k - 2):k + 3] if t != "~")
            reading.unverifiable.append(f"{tok!r} (in '{context}')")
        elif tok in name_words:  # "the left paraspinal large muscle": a name broken up
            reading.unverifiable.append(f"{tok!r}: part of a structure's name the reader "
                                        "could not match")
        elif tok == "pat":
            context = " ".join(t for t in toks.toks[max(0, k - 3):k + 2] if t != "~")
            reading.unverifiable.append(
                f"a patient-frame phrase the reader cannot read (in '{context}')")
        elif tok.endswith("most") and len(tok) > 4 and tok not in ("almost", "utmost"):
            reading.unverifiable.append(f"{tok!r}")
        elif _MENTION.fullmatch(tok):
            m = reading.mentions[int(tok[1:])]
            reading.unverifiable.append(f"the structure {m.text!r} in an unread phrase")
