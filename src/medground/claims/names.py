"""What a structure may be called: the reader's own name table, independent of the synthesizers.

For the labels of one view, :class:`NameTable` maps every way of naming them to the labels
meant: a label's readable name and synonyms ("left suprarenal gland" -> ``adrenal_gland_left``),
its kind without side or number ("kidney" -> both kidneys), paired forms ("the left and right
kidneys"), plurals, and generic heads ("structure" -> every region). Anatomical nouns of
structures that are not in the view are known too and name nothing, so "within the spleen" on
a view without a spleen is a false relation rather than an unknown word.
"""

from __future__ import annotations

import bisect
import fnmatch
import functools
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from medground.claims.text import normalize
from medground.labels import patient_side, plural, readable

Number = Literal["singular", "plural", "either"]

#: other names of a structure kind (a label without side or number), as people write them
SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "kidney": ("renal parenchyma",),
    "adrenal_gland": ("suprarenal gland", "adrenal", "suprarenal"),
    "inferior_vena_cava": ("ivc", "vena cava", "inferior caval vein", "caval vein"),
    "aorta": ("abdominal aorta", "aortic lumen"),
    "gallbladder": ("gall bladder",),
    "urinary_bladder": ("bladder",),
    "small_bowel": ("small intestine",),
    "colon": ("large bowel", "large intestine"),
    "esophagus": ("gullet",),
    "autochthon": ("paraspinal muscle", "erector spinae", "erector spinae muscle",
                   "autochthonous muscle", "paraspinal musculature"),
    "iliopsoas": ("iliopsoas", "psoas", "psoas muscle"),
    "polyp": ("polypoid lesion", "colonic polyp", "colon polyp", "polypoid growth",
              "polypoid mass"),
    "skin_lesion": ("pigmented lesion", "lesion", "skin lesion", "cutaneous lesion", "mole",
                    "nevus", "naevus", "melanocytic lesion"),
    "nucleus": ("cell nucleus", "nuclear profile", "cell"),
    "lesion": ("focal lesion",),
    "kidney_cyst": ("kidney cyst", "cyst"),
    "vertebrae": ("vertebral body", "vertebra"),
    "vertebra": ("vertebral body",),
    "hip": ("hipbone", "innominate bone", "pelvic bone"),
    "spinal_cord": ("cord",),
    "liver": ("hepatic parenchyma",),
    "spleen": ("splenic parenchyma",),
    "lung_upper_lobe": ("upper lobe",),
    "lung_middle_lobe": ("middle lobe",),
    "lung_lower_lobe": ("lower lobe",),
    "gm": ("gray matter",),
    "grey_matter": ("gray matter",),
    "gray_matter": ("grey matter",),
}

#: sided names that do not put the side first: ``{side}`` is "left" or "right"
SIDED: Final[dict[str, tuple[str, ...]]] = {
    "kidney_cyst": ("cyst of the {side} kidney", "{side} kidney cyst", "{side} renal cyst"),
    "lung_upper_lobe": ("upper lobe of the {side} lung", "{side} upper lobe",
                        "{side} upper lung lobe", "{side} lung upper lobe"),
    "lung_middle_lobe": ("middle lobe of the {side} lung", "{side} middle lobe"),
    "lung_lower_lobe": ("lower lobe of the {side} lung", "{side} lower lobe",
                        "{side} lower lung lobe", "{side} lung lower lobe"),
    "kidney": ("{side} renal parenchyma", "{side} kidney"),
}

#: nouns of focal findings: the head word alone names the finding ("the cyst")
FINDING_HEADS: Final = ("lesion", "cyst", "tumor", "nodule", "polyp", "mass", "metastasis",
                        "nucleus", "cell", "calcification", "hemorrhage", "stone", "calculus")

#: nouns that name any structure of the view
GENERIC_HEADS: Final = ("structure", "object", "thing", "target", "region of interest")

_FINDINGS: Final = ("*lesion*", "*polyp*", "*cyst*", "*nodule*", "*tumor*", "*tumour*",
                    "*mass*", "*metasta*", "*hemorrhage*", "*calcification*")
#: nouns of a class of structures: they name every structure of the view of that class
CLASS_NOUNS: Final[dict[str, tuple[str, ...]]] = {
    "vessel": ("aorta*", "inferior_vena_cava*", "*artery*", "*vein*", "*vessel*"),
    "blood vessel": ("aorta*", "inferior_vena_cava*", "*artery*", "*vein*", "*vessel*"),
    "artery": ("aorta*", "*artery*"),
    "vein": ("inferior_vena_cava*", "*vein*"),
    "bone": ("vertebra*", "rib*", "hip*", "femur*", "sacrum*", "skull*", "humerus*",
             "scapula*", "clavicula*", "sternum*", "*bone*"),
    "gland": ("adrenal_gland*", "thyroid*", "prostate*", "*gland*"),
    "organ": ("liver", "spleen", "kidney", "kidney_left", "kidney_right", "pancreas",
              "stomach", "gallbladder", "urinary_bladder", "lung*", "heart*", "brain",
              "prostate", "uterus", "esophagus", "duodenum", "colon", "small_bowel",
              "adrenal_gland*"),
    "muscle": ("iliopsoas*", "autochthon*", "gluteus*", "*muscle*"),
    "growth": _FINDINGS, "finding": _FINDINGS, "abnormality": _FINDINGS, "spot": _FINDINGS,
    "focus": _FINDINGS, "blob": _FINDINGS, "mass": _FINDINGS,
    "spine": ("vertebra*",), "vertebral column": ("vertebra*",), "spinal column": ("vertebra*",),
}
#: class nouns that name one structure made of several regions: a reference to one is to all
COLLECTIVE: Final = frozenset({"spine", "vertebral column", "spinal column"})
#: adjectives of organs: "hepatic lesion", "the splenic outline"
ORGAN_ADJECTIVES: Final = {"liver": "hepatic", "spleen": "splenic", "kidney": "renal",
                           "pancreas": "pancreatic", "stomach": "gastric", "lung": "pulmonary",
                           "colon": "colonic", "heart": "cardiac"}
_ORGAN_PARTS: Final = ("outline", "contour", "silhouette", "parenchyma", "tissue", "shadow")

#: anatomy a query may name although the view does not hold it
ANATOMY: Final = (
    "liver", "spleen", "pancreas", "stomach", "kidney", "adrenal gland", "gallbladder", "aorta",
    "vena cava", "inferior vena cava", "vertebra", "spine", "spinal cord", "rib", "lung", "heart",
    "urinary bladder", "bladder", "bowel", "small bowel", "colon", "duodenum", "esophagus",
    "trachea", "prostate", "uterus", "femur", "hip bone", "sacrum", "brain", "skull", "muscle",
    "psoas", "iliopsoas muscle", "portal vein", "artery", "vein", "lesion", "polyp", "nodule",
    "cyst", "tumor", "mass", "nucleus", "cell", "bone", "gray matter", "white matter", "skin",
    "renal cyst", "diaphragm", "ventricle", "atrium", "optic disc", "retina", "vessel",
)

_ORDINAL_WORDS: Final = ("zeroth", "first", "second", "third", "fourth", "fifth", "sixth",
                         "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth")
_SIDE_TOKENS = re.compile(r"^(left|right|\d+|[cdtls]\d{1,2})$", re.IGNORECASE)
_LEVEL = re.compile(r"^(?P<base>[a-z_]+?)_(?P<level>[cdtls]\d{1,2})$", re.IGNORECASE)


def kind(label: str) -> str:
    """The structure a label names without side, number or level: ``rib_left_7`` -> ``rib``."""
    parts = [p for p in re.split(r"[_\s]+", label.strip().lower()) if p]
    kept = [p for p in parts if not _SIDE_TOKENS.match(p)]
    return "_".join(kept) or label.lower()


def _kind_names(k: str) -> list[str]:
    names = [readable(k), *SYNONYMS.get(k, ())]
    if k in ORGAN_ADJECTIVES:  # "the splenic outline", "the liver parenchyma"
        names += [f"{ORGAN_ADJECTIVES[k]} {part}" for part in _ORGAN_PARTS]
        names += [f"{readable(k)} {part}" for part in _ORGAN_PARTS]
    head = readable(k).split(" ")[-1]
    if head in FINDING_HEADS and head not in names:
        names.append(head)
    return names


@functools.lru_cache(maxsize=4096)
def label_names(label: str) -> tuple[str, ...]:
    """Singular names of one label (normalised), most specific first."""
    key = label.strip().lower()
    names = [readable(key)]
    k = kind(key)
    side = patient_side(key)
    number = re.search(r"_(\d+)$", key)
    level = _LEVEL.match(key)
    if side and number:  # rib_left_7: left 7th rib, seventh left rib
        n = int(number.group(1))
        base = readable(k)
        word = _ORDINAL_WORDS[n] if n < len(_ORDINAL_WORDS) else None
        ordinal = readable(f"{k}_{n}").split(" ")[0]
        names += [f"{ordinal} {side} {base}"]
        if word:
            names += [f"{side} {word} {base}", f"{word} {side} {base}"]
    elif side:
        names += [f"{side} {n}" for n in _kind_names(k)]
        names += [t.format(side=side) for t in SIDED.get(k, ())]
    elif level and not key.startswith("vertebra"):  # spinal_cord_C3
        lv, base = level.group("level").lower(), readable(level.group("base"))
        names += [f"{lv} {base}", f"{lv} segment of the {base}", f"{lv} level of the {base}",
                  f"{base} at {lv}", f"{base} at level {lv}", f"{lv} segment",
                  f"{lv} cord segment"]
    elif level:  # vertebrae_L1
        lv = level.group("level").lower()
        names += [f"{lv} vertebra", f"vertebra {lv}", f"{lv} vertebral body", lv]
    else:
        names += _kind_names(k)[1:]
    return _unique(normalize(n) for n in names)


@functools.lru_cache(maxsize=4096)
def kind_names(label: str) -> tuple[str, ...]:
    """Singular names of a label's kind, when it differs from the label (both kidneys)."""
    key = label.strip().lower()
    k = kind(key)
    if k == key:
        return ()
    names = _kind_names(k)
    if _LEVEL.match(key) and not key.startswith("vertebra"):
        names += [f"{readable(k)} segment", f"segment of the {readable(k)}",
                  f"{readable(k)} level"]
    return _unique(normalize(n) for n in names)


@functools.lru_cache(maxsize=1 << 14)
def _forms(name: str) -> tuple[str, str]:
    """(singular, plural) of a name, normalised."""
    return normalize(name), normalize(plural(name))


@functools.lru_cache(maxsize=4096)
def _label_forms(label: str) -> tuple[tuple[str, str], ...]:
    """The forms of a label's own names and its kind's names, in that order."""
    return tuple(_forms(n) for n in (*label_names(label), *kind_names(label)))


@functools.lru_cache(maxsize=1024)
def _bilateral_forms(k: str) -> tuple[str, ...]:
    """Plural phrases naming both sides of a kind ("left and right kidneys")."""
    out: list[str] = []
    for n in _kind_names(k):
        many = plural(normalize(n))
        out += [f"left and right {many}", f"right and left {many}", f"{many} of both sides",
                f"{many} on both sides", f"bilateral {many}", f"paired {many}"]
    return tuple(normalize(f) for f in out)


@functools.lru_cache(maxsize=1)
@functools.lru_cache(maxsize=1)
def _anatomy_entries() -> tuple[dict[str, frozenset[str]], frozenset[str], int]:
    """The names of ``ANATOMY`` (singular and plural forms) with their numbers, their first
    characters and the longest one's length: the part every :class:`NameTable` shares."""
    numbers: dict[str, set[str]] = {}
    for noun in ANATOMY:
        singular, many = _forms(noun)
        for phrase, number in ((singular, "singular"), (many, "plural")):
            if phrase:
                numbers.setdefault(phrase, set()).add(number)
    entries = {p: frozenset(n) for p, n in numbers.items()}
    return (entries, frozenset(p[0] for p in entries),
            max((len(p) for p in entries), default=0))


@functools.lru_cache(maxsize=4096)
def _class_nouns(label: str) -> frozenset[str]:
    """The class nouns (``CLASS_NOUNS``) whose patterns match ``label``."""
    key = label.lower()
    return frozenset(noun for noun, patterns in CLASS_NOUNS.items()
                     if any(fnmatch.fnmatchcase(key, p) for p in patterns))


def _mirror(label: str) -> str | None:
    """The same structure on the patient's other side (``kidney_left`` -> ``kidney_right``)."""
    parts = re.split(r"([_\s]+)", label)
    swapped = [{"left": "right", "right": "left"}.get(p.lower(), p) for p in parts]
    out = "".join(swapped)
    return out if out != label else None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return tuple(out)


@dataclass(frozen=True)
class Name:
    """What a phrase names: labels of the view (empty for anatomy not in it), its number, and
    whether it names both sides ("the left and right kidneys")."""

    labels: frozenset[str]
    number: Number
    bilateral: bool = False
    generic: bool = False


_WORD: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_WORD_OR_APOSTROPHE: Final = _WORD | {"'"}


class NameTable:
    """Every name of the structures of one view, for greedy longest-first matching. Its
    names do not change once made (only the :class:`Name` records are made as they are
    read), so :meth:`of` shares one table among the checks of views with the same labels."""

    @classmethod
    def of(cls, labels: Iterable[str]) -> NameTable:
        """The table of these labels, made once per set of labels (every check of every
        sample of a view asks for it)."""
        key = frozenset(labels)
        with _TABLES_LOCK:  # made under the lock: threads asking for one set wait for it
            return _table(key)

    def __init__(self, labels: Iterable[str]) -> None:
        self.labels = frozenset(labels)
        entries: dict[str, tuple[set[str], set[str], bool, bool]] = {}

        def add(phrase: str, labels: Iterable[str], number: str, bilateral: bool = False,
                generic: bool = False) -> None:
            if not phrase:
                return
            got = entries.get(phrase)
            if got is None:
                got = entries[phrase] = (set(), set(), bilateral, generic)
            got[0].update(labels)
            got[1].add(number)

        def add_both(name: str, labels: Iterable[str], bilateral: bool = False,
                     generic: bool = False) -> None:
            labels = list(labels)
            singular, many = _forms(name)
            add(singular, labels, "singular", bilateral, generic)
            add(many, labels, "plural", bilateral, generic)

        kinds: dict[str, set[str]] = {}
        for label in sorted(self.labels):
            one = (label,)
            for singular, many in _label_forms(label):
                add(singular, one, "singular")
                add(many, one, "plural")
            kinds.setdefault(kind(label), set()).add(label)
        for k, members in sorted(kinds.items()):
            sides = {patient_side(m) for m in members}
            if {"left", "right"} <= sides:
                for form in _bilateral_forms(k):
                    add(form, members, "plural", bilateral=True)
        for label in sorted(self.labels):  # "the left kidney" names nothing here if only
            mirror = _mirror(label)          # the right one is in the view
            if mirror and mirror not in self.labels:
                for name in label_names(mirror):
                    add_both(name, [])
        for head in GENERIC_HEADS:  # unless a label of the view is called that
            if normalize(head) not in entries:
                add_both(head, self.labels, generic=True)
        nouns_of = {lb: _class_nouns(lb) for lb in self.labels}
        for noun in CLASS_NOUNS:
            matching = [lb for lb in self.labels if noun in nouns_of[lb]]
            if normalize(noun) not in entries or not entries[normalize(noun)][0]:
                add_both(noun, matching)
        # the anatomy's names are every table's (made once: _anatomy_entries); a phrase both
        # here and there has the numbers of both
        anatomy, anatomy_firsts, anatomy_longest = _anatomy_entries()
        for phrase, got in entries.items():
            numbers = anatomy.get(phrase)
            if numbers:
                got[1].update(numbers)
        self._entries = entries
        self._anatomy = anatomy
        self._names: dict[str, Name] = {}
        self._firsts = frozenset(p[0] for p in self._entries) | anatomy_firsts
        self._longest = max(max((len(p) for p in self._entries), default=0), anatomy_longest)

    def __contains__(self, phrase: str) -> bool:
        return phrase in self._entries or phrase in self._anatomy

    def phrases(self) -> frozenset[str]:
        """Every name the table knows, normalised."""
        return frozenset(self._entries) | frozenset(self._anatomy)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the table's names stand in a normalised ``text``, ``[start, end)``, left to
        right without overlap: at each position the longest name that starts there after a
        character that is no letter, digit or apostrophe, and ends before one that is no
        letter or digit; the scan goes on after it. (A regex alternation of the names,
        longest first, finds the same, but compiling one for every set of labels cost more
        than all the reading.)"""
        ends = [e for e in range(1, len(text) + 1) if e == len(text) or text[e] not in _WORD]
        out: list[tuple[int, int]] = []
        p, n = 0, len(text)
        while p < n:
            if (text[p] in self._firsts and (p == 0 or text[p - 1] not in _WORD_OR_APOSTROPHE)):
                lo, hi = bisect.bisect_right(ends, p), bisect.bisect_right(ends, p + self._longest)
                for e in reversed(ends[lo:hi]):
                    if text[p:e] in self:
                        out.append((p, e))
                        p = e
                        break
                else:
                    p += 1
            else:
                p += 1
        return out

    def __getitem__(self, phrase: str) -> Name:
        name = self._names.get(phrase)
        if name is None:  # made when first read: a table has hundreds, a query reads a few
            if phrase in self._entries:
                labels, numbers, bilateral, generic = self._entries[phrase]
            else:  # anatomy not in the view
                labels, numbers, bilateral, generic = set(), set(self._anatomy[phrase]), False, False
            number = "either" if len(numbers) > 1 else next(iter(numbers))
            name = self._names[phrase] = Name(frozenset(labels), number,  # type: ignore[arg-type]
                                              bilateral, generic)
        return name

    def get(self, phrase: str) -> Name | None:
        phrase = normalize(phrase)
        if phrase not in self:
            return None
        return self[phrase]

    @functools.cached_property
    def label_words(self) -> frozenset[str]:
        """Words of the names of the view's own labels, without the generic words names share
        with queries ("outline", "muscle", "spot")."""
        generic = {w for n in (*CLASS_NOUNS, *GENERIC_HEADS, *_ORGAN_PARTS) for w in n.split()}
        out = {w for lb in self.labels for n in (*label_names(lb), *kind_names(lb))
               for w in normalize(n).split()}
        return frozenset(out - generic)


_TABLES_LOCK = threading.Lock()


@functools.lru_cache(maxsize=256)
def _table(labels: frozenset[str]) -> NameTable:
    return NameTable(labels)
