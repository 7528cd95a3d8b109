"""Is a query English text, complete, and free of leaked coordinates or ids?

Known words are an English dictionary (pyspellchecker's, offline) plus every word the template
grammar can write and the readable names of the structures in the sample, so clinical terms such
as "hypodense" or "iliopsoas" count as known.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Final

from medground.labels import readable
from medground.stages.synth import grammar, lexicon

#: share of alphabetic words that must be known for a query to count as English
MIN_KNOWN_FRACTION: Final = 0.8
#: a query may not end on these words: it was cut off
DANGLING: Final = frozenset({
    "the", "a", "an", "of", "to", "in", "on", "at", "with", "and", "or", "than", "by", "for",
    "from", "into", "near", "toward", "towards", "its", "this", "that", "which", "is", "are",
})

_WORD = re.compile(r"[^\W\d_][^\W\d_'\-]*(?:[-'][^\W\d_]+)*")
_COORD = re.compile(
    r"(\d+(\.\d+)?\s*[,;x\u00d7]\s*\d+(\.\d+)?)"  # 12, 34 | 12x34 | 0.1, 0.5
    r"|(\b[xy][12]?\s*[=:]\s*-?\d)"  # x=12, y1: 3
    r"|([\(\[]\s*-?\d)"  # (12 ... | [12 ...
    r"|(\b\d+(\.\d+)?\s*(px|pixels?)\b)"
    r"|(\b(bbox|bounding box coordinates|coordinates?)\s*[:=])",
    re.IGNORECASE,
)
_LABEL_ID = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\blabel\s*(id)?\s*\d+\b|\bid\s*[:=#]?\s*\d+\b",
                       re.IGNORECASE)
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffd]|<[^>]+>|https?://|www\.")


@functools.lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    from spellchecker import SpellChecker

    words = SpellChecker(language="en").word_frequency.keys()
    return frozenset(w.lower() for w in words)


@functools.lru_cache(maxsize=1)
def grammar_words() -> frozenset[str]:
    """Every word the template grammar and lexicon can produce."""
    texts: list[str] = [*grammar.SINGLE_WRAPPERS, *grammar.MULTI_WRAPPERS]
    texts += [p for opts in grammar.RELATION_PHRASES.values() for p in opts]
    texts += [s for opts in grammar._SETTINGS.values() for s in opts]
    texts += [p for p, _ in lexicon.phrase_table(None)]
    for frame in ({"left": "R", "right": "L", "top": "A", "bottom": "P"},
                  {"left": "A", "right": "P", "top": "S", "bottom": "I"}):
        texts += [p for p, _ in lexicon.phrase_table(frame)]
    texts += [s for opts in lexicon.NOUN_SYNONYMS.values() for s in opts]
    texts += list(lexicon.COUNT_WORDS) + list(lexicon.ALL_IMAGE_NOUNS)
    texts += ["axial coronal sagittal CT MR MRI endoscopy dermoscopy microscopy"]
    return frozenset(w.lower() for t in texts for w in _WORD.findall(t))


def words(text: str) -> list[str]:
    return [w.lower().strip("'-") for w in _WORD.findall(text)]


def name_words(labels: Iterable[str]) -> set[str]:
    """Words of the readable names (and synonyms, plurals) of some labels."""
    out: set[str] = set()
    for label in labels:
        for form in lexicon.noun_forms(label):
            out.update(words(form))
        out.update(words(readable(label)))
    return out


def unknown_words(text: str, extra: Iterable[str] = ()) -> list[str]:
    # three lookups rather than one set: a union would copy the whole dictionary per call
    dictionary, grammar_vocab = _dictionary(), grammar_words()
    extra_vocab = {w.lower() for w in extra}
    return [w for w in words(text)
            if w and w not in dictionary and w not in grammar_vocab and w not in extra_vocab]


def english_fraction(text: str, extra: Iterable[str] = ()) -> float:
    ws = [w for w in words(text) if w]
    if not ws:
        return 0.0
    return 1 - len(unknown_words(text, extra)) / len(ws)


_PLURAL_QUANTIFIERS: Final = frozenset(
    {"both", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
     "twelve", "all", "these", "several", "pair"})
_PLURAL_ENDINGS: Final = ("s", "i", "ae", "a", "es", "bowel", "spinae", "seen", "shown",
                          "visible", "image", "slice", "scan", "view", "frame", "photo", "field",
                          "section", "picture", "sides")


def _looks_plural(word: str) -> bool:
    """Loose: a final word after 'both'/'two'/'all' must be a plural noun or a participle such
    as 'seen'/'shown', or name the image ("all the lesions in the image")."""
    return word.endswith(_PLURAL_ENDINGS)


#: the only one- and two-letter words a query may end on
SHORT_FINAL: Final = frozenset({"it", "me", "us", "up", "go", "do", "so", "be", "ct", "mr"})


def truncation(text: str, extra: Iterable[str] = ()) -> str | None:
    """Why the query looks cut off, or None: it ends on a dangling word, on a fragment that is
    not a word, on a stray short token, or on the start of a longer word of its own vocabulary
    ("... the left kid" for "kidney")."""
    ws = words(text)
    if not ws:
        return "no words"
    stripped = text.strip()
    if stripped[:1].isupper() and not stripped.endswith((".", "?", "!")):
        return "a sentence without final punctuation"
    last = ws[-1]
    cues = [i for i in range(max(0, len(ws) - 5), len(ws) - 1) if ws[i] in _PLURAL_QUANTIFIERS]
    if cues and not any(_looks_plural(w) for w in ws[cues[-1] + 1:]):
        return f"{ws[cues[-1]]!r} ... {last!r}: number disagreement"
    if last in DANGLING:
        return f"ends with {last!r}"
    if len(last) <= 2 and last not in SHORT_FINAL:
        return f"ends with the fragment {last!r}"
    vocab = grammar_words() | {w.lower() for w in extra}
    if unknown_words(last, extra):
        return f"last word {last!r} is not a word"
    if last not in vocab and any(w.startswith(last) and w != last for w in vocab):
        return f"last word {last!r} is the start of a longer word"
    return None


def leaked_coordinates(text: str) -> str | None:
    m = _COORD.search(text)
    return m.group(0) if m else None


def leaked_label_id(text: str) -> str | None:
    m = _LABEL_ID.search(text)
    return m.group(0) if m else None


def bad_characters(text: str) -> str | None:
    m = _BAD_CHARS.search(text)
    if m:
        return repr(m.group(0))
    if any(ord(c) > 0x24F and not (0x2000 <= ord(c) <= 0x206F) for c in text):
        return "characters outside the Latin script"
    return None


def stray_digits(text: str, allowed_names: Iterable[str]) -> str | None:
    """Digits in the query that are not part of a structure's name (L1, 7th, C3)."""
    stripped = text
    for name in sorted(set(allowed_names), key=len, reverse=True):
        stripped = re.sub(re.escape(name), " ", stripped, flags=re.IGNORECASE)
    m = re.search(r"\d+", stripped)
    return m.group(0) if m else None
