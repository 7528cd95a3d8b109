"""Is a query English text, complete, and free of leaked coordinates or ids?

Known words are an English dictionary (pyspellchecker's, offline) plus the claim reader's
vocabulary, imaging-setting words and the names of the structures in the sample, so clinical
terms such as "hypodense" or "iliopsoas" count as known. Nothing here comes from a synthesizer.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable
from typing import Final

from medground.claims import names as claim_names
from medground.claims.vocab import known_words
from medground.labels import plural, readable
from medground.modality import MODALITIES

#: share of alphabetic words that must be known for a query to count as English
MIN_KNOWN_FRACTION: Final = 0.8
#: a query may not end on these words: it was cut off
DANGLING: Final = frozenset({
    "the", "a", "an", "of", "to", "in", "on", "at", "with", "and", "or", "than", "by", "for",
    "from", "into", "near", "toward", "towards", "its", "this", "that", "which",
})

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
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


_DICTIONARY_LOCK = threading.Lock()


def _dictionary() -> frozenset[str]:
    """The English words, loaded once per process: the cases running at once in threads
    all ask for it on their first query, and each would load its own copy otherwise."""
    with _DICTIONARY_LOCK:
        return _load_dictionary()


@functools.lru_cache(maxsize=1)
def _load_dictionary() -> frozenset[str]:
    from spellchecker import SpellChecker

    words = SpellChecker(language="en").word_frequency.keys()
    return frozenset(map(str.lower, words))


#: words of imaging settings ("In this colonoscopy frame", "On the axial MRI") and clinical words
#: or British spellings the dictionary lacks (the words of the modality vocabulary are added)
SETTING_WORDS: Final = frozenset("""
ct mr mri cta mra pet spect colonoscopy colonoscopic endoscopy endoscopic gastroscopy dermoscopy
dermoscopic dermatoscopy dermatoscopic micrograph microscopy microscopic fluorescence histology
histopathology histological brightfield axial coronal sagittal oblique tomography tomographic
radiograph radiography ultrasound sonography sonographic fundus retinal oct weighted flair
contrast enhanced centre centres centred colour coloured tumour tumours oesophagus oedema
haemorrhage grey greyish fibre labelled hypoattenuating hyperattenuating isoattenuating
hypoechoic hyperechoic isoechoic anechoic echogenic radiolucent radiodense radiopaque multilobed
multilobulated bilobed spiculate stellate midmost sonogram mammogram mammographic mammography
radiographic histopathological micrographs
""".split())  # noqa: SIM905
#: short words a sentence may end on ("... for me.", "Where might it be?")
FUNCTION_WORDS: Final = frozenset("""
me it us up go do so be is are am was were here there now then please them they you your this
that these those one ones all both each too also out on in at by for to of off yes no see find
show mark box it's present visible
""".split())  # noqa: SIM905


@functools.lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """Words a query may use beyond the dictionary: the claim reader's and setting words."""
    out = set(known_words()) | set(SETTING_WORDS) | set(FUNCTION_WORDS)
    out |= {w for m in MODALITIES for form in (m.name, *m.synonyms) for w in words(form)
            if len(w) >= 3}  # "In this WSI tile", "On the T2-weighted image"
    out |= {w for name in claim_names.ANATOMY for w in name.split()}
    out |= {w for syn in claim_names.SYNONYMS.values() for name in syn for w in name.split()}
    return frozenset(out)


def words(text: str) -> list[str]:
    return [w.lower().strip("'-") for w in _WORD.findall(text)]


def name_words(labels: Iterable[str]) -> set[str]:
    """Words of the readable names (and synonyms, plurals) of some labels."""
    out: set[str] = set()
    for label in labels:
        out |= _label_words(label)
    return out


@functools.lru_cache(maxsize=4096)
def _label_words(label: str) -> frozenset[str]:
    out: set[str] = set()
    for form in (*claim_names.label_names(label), *claim_names.kind_names(label)):
        out.update(words(form))
        out.update(words(plural(form)))
    out.update(words(readable(label)))
    return frozenset(out)


def unknown_words(text: str, extra: Iterable[str] = ()) -> list[str]:
    # three lookups rather than one set: a union would copy the whole dictionary per call
    dictionary, grammar_vocab = _dictionary(), vocabulary()
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
                          "section", "picture", "sides", "them", "they", "total",
                          "altogether", "together", "all", "ones", "these", "those")


def _looks_plural(word: str) -> bool:
    """Loose: a final word after 'both'/'two'/'all' must be a plural noun or a participle such
    as 'seen'/'shown', or name the image ("all the lesions in the image")."""
    return word.endswith(_PLURAL_ENDINGS)


#: verbs of a relative clause that need a complement ("the cord that sits ..."), also cut to
#: the wrong person ("that sit")
_BARE_VERBS: Final = frozenset({"sit", "sits", "lie", "lies", "is", "are", "lying", "sitting",
                                "located", "situated", "found", "seen"})

#: the only one- and two-letter words a query may end on
SHORT_FINAL: Final = frozenset({"it", "me", "us", "up", "go", "do", "so", "be", "ct", "mr",
                                "is"})


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
    if len(ws) >= 2 and ws[-2] in ("that", "which", "who") and last in _BARE_VERBS:
        return f"ends with {ws[-2]!r} {last!r}: the clause stops before its complement"
    if len(last) <= 2 and last not in SHORT_FINAL:
        return f"ends with the fragment {last!r}"
    vocab = vocabulary() | {w.lower() for w in extra}
    if unknown_words(last, extra):
        return f"last word {last!r} is not a word"
    # a dictionary word of four letters or more is a word, even if a longer one starts with it
    short_or_unknown = len(last) <= 3 or last not in _dictionary()
    if last not in vocab and short_or_unknown and any(w.startswith(last) and w != last
                                                      for w in vocab):
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


_DIGIT = re.compile(r"\d")


@functools.lru_cache(maxsize=256)
def _longest_first(names: frozenset[str]) -> tuple[str, ...]:
    """``names`` in lower case, longest first (ties in a fixed order): the order in which
    :func:`stray_digits` strips them (a view's samples share one set of names)."""
    return tuple(sorted({n.lower() for n in names}, key=lambda n: (-len(n), n)))


def stray_digits(text: str, allowed_names: Iterable[str]) -> str | None:
    """Digits in the query that are not part of a structure's name (L1, 7th, C3)."""
    if not _DIGIT.search(text):
        return None  # nothing to strip the names for (most queries)
    stripped = text.lower()  # names are matched regardless of case
    for name in _longest_first(frozenset(allowed_names)):
        stripped = stripped.replace(name, " ")
    m = re.search(r"\d+", stripped)
    return m.group(0) if m else None
