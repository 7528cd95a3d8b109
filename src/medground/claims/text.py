"""Text normalisation shared by the reader and the name table: one spelling for each word.

Lower case, British spellings to American ("centre" -> "center"), hyphens between letters
become spaces ("left-hand" -> "left hand") except in ``-most`` superlatives, which are joined
("left-most", "left most" -> "leftmost"), the possessive ``'s`` is its own token, and
punctuation that separates phrases (, . ; : ? !) is kept as tokens.
"""

from __future__ import annotations

import functools
import re
from typing import Final

_SPELLING: Final = {
    "centre": "center", "centres": "centers", "centred": "centered",
    "tumour": "tumor", "tumours": "tumors", "oesophagus": "esophagus", "oedema": "edema",
    "haemorrhage": "hemorrhage", "colour": "color", "grey": "gray", "greyish": "grayish",
    "ovoidal": "ovoid", "towards": "toward", "amongst": "among", "whilst": "while",
}
_MOST = re.compile(r"\b(left|right|upper|lower|top|bottom|inner|outer|anterior|posterior|"
                   r"superior|inferior|front|hind|uttermost)\s+most\b")
_HYPHEN = re.compile(r"(?<=[a-z0-9])[-\u2010\u2011](?=[a-z])")
_QUOTES: Final = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                                "\u2013": " - ", "\u2014": " - ", "\u00a0": " "})
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|'s\b|[,.;:?!]")


@functools.lru_cache(maxsize=1 << 16)
def normalize(text: str) -> str:
    """The canonical token string of ``text`` (tokens joined by single spaces); cached: the
    name tables normalise the same names for every view."""
    t = text.translate(_QUOTES).lower()
    t = _HYPHEN.sub(" ", t)
    t = re.sub(r"(?<=[a-z])'s\b", " 's", t)  # image's -> image 's
    t = re.sub(r"(?<=s)'(?=\s|$)", "", t)  # kidneys' -> kidneys
    tokens = [_SPELLING.get(tok, tok) for tok in _TOKEN.findall(t)]
    return _MOST.sub(r"\1most", " ".join(tokens))


def tokens(text: str) -> list[str]:
    return normalize(text).split()


def query_key(text: str) -> str:
    """What makes two queries the same one: their words, without punctuation."""
    return " ".join(w for w in tokens(text) if w not in {",", ".", ";", ":", "?", "!"})
