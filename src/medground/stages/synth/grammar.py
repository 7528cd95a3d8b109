"""Surface realisation: descriptions and relations to varied, clinically worded sentences.

Noun phrase: ``the [relative pre] [shape] [intensity] NOUN [post-modifiers]``, or a frame
pattern such as "the larger of the two NOUNS" that takes the rest of the description inside.
Sentence: one of several wrappers per task, some naming the modality and plane.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from medground.claims.types import Claim
from medground.labels import plural, readable
from medground.modality import code_of
from medground.stages.synth import intent
from medground.stages.synth.describe import Description
from medground.stages.synth.lexicon import (
    NOUN_SYNONYMS,
    Attr,
    Phrase,
    absolute_phrases,
    count_word,
    relative_phrases,
)
from medground.types import Relation

_PRE_ORDER: Final = {"size": 0, "hpos": 0, "vpos": 0, "shape": 1, "intensity": 2}

_VERBS: Final = (
    "find", "locate", "show", "identify", "mark", "highlight", "box", "indicate", "detect",
    "select", "pinpoint", "spot", "outline", "point to", "point out", "localize", "frame",
    "draw a box around", "put a box on", "give the bounding box of", "return the location of",
    "delineate", "single out", "circle",
)
_OPENINGS: Final = ("", "please ", "now ", "kindly ", "carefully ", "next, ", "your task: ",
                     "first, ", "go ahead and ", "help me ", "try to ", "quickly ")
_CLOSINGS: Final = (".", ".", " for me.", ", please.", " in this {img}.", " on this {img}.",
                    " here.", " precisely.")
_QUESTIONS: Final = (
    "Where is {np}?", "Where is {np} located?", "Where exactly is {np}?", "Where is {np} seen?",
    "Where does {np} appear?", "Can you locate {np}?", "Could you find {np}?",
    "Would you mark {np}?", "Which box contains {np}?", "Which region shows {np}?",
    "Which area corresponds to {np}?", "What is the location of {np}?",
    "Where can {np} be seen?", "Can you find {np}?", "Which part shows {np}?",
    "Where would you put a box on {np}?", "{Np}: where is it?", "{Np} - where is it?",
    "Do you see {np}? Mark it.", "Is {np} visible? Box it.", "Where might {np} be?",
    "In which region is {np}?", "Which bounding box fits {np}?", "How would you box {np}?",
    "Where does {np} lie?", "Can you point out {np}?", "Which structure is {np}?",
    "Could you outline {np}?", "Where on this image is {np}?", "Would you box {np}, please?",
)
_MULTI_QUESTIONS: Final = (
    "Where are {np}?", "Where are {np} located?", "Where exactly are {np}?",
    "Where do {np} appear?", "Can you locate {np}?", "Could you find {np}?",
    "Which boxes contain {np}?", "Which regions show {np}?", "Where can {np} be seen?",
    "{Np}: where are they?", "What are the locations of {np}?", "Where do {np} lie?",
    "Can you point out {np}?", "Could you outline {np}?", "Would you box {np}, please?",
)
_MULTI_VERBS: Final = (
    "find", "locate", "show", "identify", "mark", "highlight", "box", "indicate", "detect",
    "select", "pinpoint", "outline", "point to", "localize", "draw boxes around",
    "put boxes on", "give the bounding boxes of", "return the locations of", "delineate",
)
_SETTING_FORMS: Final = ("{Setting}, {verb} {np}.", "{Setting}: {verb} {np}.",
                         "{Setting}, where is {np}?", "{Setting}, can you {verb} {np}?")
_MULTI_SETTING_FORMS: Final = ("{Setting}, {verb} {np}.", "{Setting}: {verb} {np}.",
                               "{Setting}, where are {np}?")


def _commands(verbs: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for opening in _OPENINGS:
        for verb in verbs:
            for closing in _CLOSINGS:
                if ("please" in opening and "please" in closing) or (
                        " me" in opening and " me" in closing):
                    continue
                head = f"{opening}{verb}"
                out.append(head[:1].upper() + head[1:] + " {np}" + closing)
    return tuple(out)


SINGLE_WRAPPERS: Final = ("{np}", "{Np}.", *_QUESTIONS, *_commands(_VERBS),
                          *(f.replace("{verb}", v) for f in _SETTING_FORMS for v in _VERBS[:12]))
MULTI_WRAPPERS: Final = ("{np}", "{Np}.", *_MULTI_QUESTIONS, *_commands(_MULTI_VERBS),
                         *(f.replace("{verb}", v) for f in _MULTI_SETTING_FORMS
                           for v in _MULTI_VERBS[:12]))

#: how a query may name the imaging setting, by modality code (:mod:`medground.modality`);
#: a code without an entry (OT) gets no setting sentence. Brightfield H&E is never called
#: fluorescence, and fluorescence never stained; no phrase uses a position, size or colour word.
_SETTINGS: Final[dict[str, tuple[str, ...]]] = {
    "CT": ("On this {plane} CT slice", "In this {plane} CT image", "On the CT image",
           "In the {plane} CT section", "On this CT scan slice", "In this {plane} CT view",
           "Looking at this {plane} CT", "On the {plane} computed tomography image",
           "Given this {plane} CT slice", "Viewing the {plane} CT", "From this CT section",
           "In the {plane} plane of this CT"),
    "MR": ("On this {plane} MR slice", "In this {plane} MRI image", "On the MR image",
           "In the {plane} MR section", "On this MRI slice", "Looking at this {plane} MRI",
           "On the {plane} magnetic resonance image", "Given this {plane} MR slice",
           "Viewing the {plane} MRI", "In the {plane} plane of this MRI"),
    "PET": ("On this {plane} PET slice", "In this {plane} PET image", "On the PET image",
            "Looking at this {plane} PET", "On the {plane} positron emission tomography image"),
    "X-ray": ("On this radiograph", "In this X-ray image", "On the plain radiograph",
              "Looking at this X-ray", "On this radiographic image"),
    "mammography": ("On this mammogram", "In this mammography image",
                    "Looking at this mammogram", "On the mammographic image"),
    "ultrasound": ("On this ultrasound image", "In this sonographic image",
                   "On the ultrasound frame", "Looking at this ultrasound", "In this sonogram"),
    "endoscopy": ("In this endoscopic image", "In the endoscopy frame",
                  "On this endoscopy image", "Looking at this endoscopic view"),
    "colonoscopy": ("In this colonoscopy frame", "In this endoscopic image",
                    "On this colonoscopy image", "In the endoscopy frame",
                    "Looking at this colonoscopy view"),
    "dermoscopy": ("In this dermoscopic image", "On the dermoscopy photo",
                   "In this dermatoscopy image", "Looking at this dermoscopy image",
                   "On this dermoscopic view"),
    "photo": ("In this clinical photograph", "On this clinical photo",
              "Looking at this clinical photograph"),
    "fundus": ("In this fundus photograph", "On this retinal image", "In the fundus image",
               "Looking at this fundus photo"),
    "OCT": ("In this OCT image", "On this OCT scan",
            "On the optical coherence tomography image", "Looking at this OCT section"),
    "histopathology": ("In this histopathology image", "On this H&E-stained section",
                       "In this H&E image", "On this histology slide",
                       "Looking at this histopathology field", "In this brightfield micrograph",
                       "On the stained histological section"),
    "fluorescence": ("In this fluorescence image", "In this fluorescence micrograph",
                     "On this fluorescence microscopy image", "In the fluorescence field",
                     "Looking at this fluorescence micrograph"),
    "microscopy": ("In this microscopy image", "On this micrograph", "In the microscopy field",
                   "Looking at this micrograph"),
}


def setting_phrases(modality: str) -> tuple[str, ...]:
    """Every setting phrase of a modality (any word of the vocabulary), ``{plane}`` unfilled."""
    return _SETTINGS.get(code_of(modality), ())


RELATION_PHRASES: Final[dict[str, tuple[str, ...]]] = {
    "inside": ("within the {o}", "inside the {o}", "in the {o}", "embedded in the {o}"),
    "adjacent": ("adjacent to the {o}", "next to the {o}", "bordering the {o}",
                 "abutting the {o}", "in contact with the {o}"),
    "above": ("above the {o} in the {img}", "higher than the {o} in the {img}"),
    "below": ("below the {o} in the {img}", "lower than the {o} in the {img}"),
    "left_of": ("left of the {o} in the {img}", "to the {img}'s left of the {o}"),
    "right_of": ("right of the {o} in the {img}", "to the {img}'s right of the {o}"),
    "anterior": ("anterior to the {o}", "in front of the {o}", "ventral to the {o}"),
    "posterior": ("posterior to the {o}", "behind the {o}", "dorsal to the {o}"),
    "superior": ("superior to the {o}", "cranial to the {o}"),
    "inferior": ("inferior to the {o}", "caudal to the {o}"),
    "right": ("to the patient's right of the {o}", "on the patient's right of the {o}"),
    "left": ("to the patient's left of the {o}", "on the patient's left of the {o}"),
    "medial": ("medial to the {o}", "closer to the midline than the {o}"),
    "lateral": ("lateral to the {o}", "further from the midline than the {o}"),
}


@dataclass
class Realised:
    text: str
    parts: list[str] = field(default_factory=list)  # which phrase realised each part
    has_post: bool = False
    claims: list[Claim] = field(default_factory=list)  # what the phrase states


def setting(modality: str, plane: str, rng: random.Random) -> str | None:
    options = setting_phrases(modality)
    if not options:
        return None
    if plane not in ("axial", "coronal", "sagittal"):  # 2D sources: no plane words
        options = tuple(o for o in options if "{plane}" not in o)
    return rng.choice(options).format(plane=plane)


def choose_noun(label: str, rng: random.Random) -> str:
    return rng.choice((readable(label), *NOUN_SYNONYMS.get(label, ())))


def _lateral(frame: dict[str, str] | None) -> bool:
    return bool(frame) and frame is not None and frame.get("left") in ("R", "L")


def noun_phrase(
    desc: Description, noun: str, n_rel: int, frame: dict[str, str] | None, rng: random.Random,
    extra_post: list[str] | None = None, img: str = "image", count_set: bool = True,
) -> Realised:
    """``the ... NOUN ...`` stating every attribute of ``desc`` (n_rel: candidates the relative
    attribute is compared among; ``count_set`` False: do not say how many there are)."""
    pre: list[tuple[int, str]] = []
    post: list[str] = []
    pattern = "the {pre}{noun}{post}"
    parts: list[str] = []
    claims: list[Claim] = []
    for attr in desc.attrs:
        options = (relative_phrases(attr, n_rel, frame) if attr is desc.relative
                   else absolute_phrases(attr))
        if attr.kind == "hpos" and _lateral(frame):
            # a bare "left-most" on a view with the patient's left and right names no frame
            options = [o for o in options if o.slot != "pre"]
        if not count_set:
            options = [o for o in options if o.slot != "frame"] or options
        p: Phrase = rng.choice(options)
        parts.append(f"{attr.kind}={attr.value}:{p.text}")
        claims += intent.attribute_claims(attr, p, n_rel, frame)
        if p.slot == "frame":
            word = count_word(n_rel)  # past twelve: "the largest of the nuclei"
            pattern = p.text.replace("{n} " if word is None else "{n}", word or "").replace(
                "{nouns}", "{pre}{nouns}{post}")
        elif p.slot == "pre":
            pre.append((_PRE_ORDER[attr.kind], p.text))
        else:
            post.append(p.text)
    post += extra_post or []
    pre_text = "".join(f"{t} " for _, t in sorted(pre, key=lambda x: x[0]))
    post_text = _join_post(post, rng)
    text = pattern.format(pre=pre_text, noun=noun, nouns=plural(noun), post=post_text)
    return Realised(text=" ".join(text.replace("{img}", img).split()),
                    parts=[p.replace("{img}", img) for p in parts], has_post=bool(post_text),
                    claims=claims)


#: connectives that may introduce the first post-modifier ("the aorta, located near ...")
_CONNECTIVES: Final = ("", "", "", "located ", "lying ", "seen ", "situated ", "which lies ",
                       "that sits ", "found ")


def _join_post(post: list[str], rng: random.Random) -> str:
    if not post:
        return ""
    lead = rng.choice(_CONNECTIVES)
    if lead and post[0].startswith(("furthest", "further", "closest", "closer", "nearest",
                                    "nearer", "most", "more", "higher", "lower")):
        lead = ""  # comparatives read badly after a connective
    first = f"{lead}{post[0]}"
    if len(post) == 1:
        return f" {first}"
    if len(post) == 2:
        return f" {first}, {post[1]}"
    return f" {first}, " + ", ".join(post[1:-1]) + f" and {post[-1]}"


def relation_phrase(rel: Relation, rng: random.Random, img: str = "image"
                    ) -> tuple[str, Claim]:
    """A true spatial relation to another (uniquely named) structure, in a stated frame."""
    keys = [rel.relation]
    if rel.patient is not None:  # only directions have a patient-frame twin
        keys = [rel.patient, rel.relation]
    if rel.mediolateral is not None:
        keys.append(rel.mediolateral)
    key = rng.choice(keys)
    reference = readable(rel.label)
    return (rng.choice(RELATION_PHRASES[key]).format(o=reference, img=img),
            intent.relation_claim(key, reference))


def multi_phrase(noun: str, n: int, rng: random.Random, img: str = "image",
                 side_pair: bool = False) -> tuple[str, list[Claim]]:
    """"both kidneys", "all three lesions", "the left and right adrenal glands", with the
    count each states."""
    word = count_word(n)
    options: list[tuple[str, str]] = [
        ("all of the {nouns}", "all"), ("all the {nouns} in the {img}", "all"),
        ("all visible {nouns}", "all"), ("all the {nouns} shown", "all")] if n > 2 else []
    if n == 2:
        options += [("both {nouns}", "2"), ("the two {nouns}", "2"),
                    ("both of the {nouns}", "2"), ("the two visible {nouns}", "2")]
        if side_pair:  # one on each side of the patient, named by the labels
            options += [("the left and right {nouns}", "2"), ("the paired {nouns}", "2"),
                        ("the right and left {nouns}", "2"), ("the {nouns} of both sides", "2")]
    elif word:
        options += [(f"all {word} {{nouns}}", str(n)), (f"the {word} {{nouns}}", str(n)),
                    (f"the {word} visible {{nouns}}", str(n)),
                    (f"all {word} of the {{nouns}}", str(n))]
    text, count = rng.choice(options)
    return text.format(nouns=plural(noun), img=img), [intent.count_claim(count)]


def _has_tail(wrapper: str) -> bool:
    """True for wrappers with words after the noun phrase ("Mark {np} in this image.")."""
    tail = wrapper.replace("{Np}", "{np}").split("{np}", 1)[1]
    return bool(tail.strip(" .?!")) and not tail.startswith(":")


@functools.lru_cache(maxsize=16)
def _families(wrappers: tuple[str, ...], has_post: bool, with_setting: bool
              ) -> Mapping[str, tuple[int, ...]]:
    """The wrappers' indices by family (in this order: bare, question, command, setting),
    without those that add words after the phrase when it has post-modifiers. Computed once
    per wrapper table (the tables hold some two thousand forms), shared read-only."""
    families: dict[str, list[int]] = {"bare": [], "question": [], "command": [], "setting": []}
    for i, w in enumerate(wrappers):
        if has_post and _has_tail(w):
            continue
        if "{Setting}" in w:
            if with_setting:
                families["setting"].append(i)
        elif w in ("{np}", "{Np}."):
            families["bare"].append(i)
        elif w.endswith("?"):
            families["question"].append(i)
        else:
            families["command"].append(i)
    return MappingProxyType({name: tuple(indices) for name, indices in families.items()})


def sentence(np_text: str, wrappers: tuple[str, ...], modality: str, plane: str,
             rng: random.Random, img: str = "image", has_post: bool = False) -> tuple[str, int]:
    """Wrap a noun phrase; a phrase that ends in post-modifiers gets no trailing words.

    The family (bare phrase, question, command, modality setting) is drawn first so that the
    large number of command forms does not crowd the others out.
    """
    setting_text = setting(modality, plane, rng)
    families = _families(wrappers, has_post, setting_text is not None)
    weights = {"bare": 1, "question": 3, "command": 5, "setting": 2}
    names = [f for f in families if families[f]]
    family = rng.choices(names, weights=[weights[f] for f in names])[0]
    index = rng.choice(families[family])
    text = wrappers[index].format(np=np_text, Np=np_text[:1].upper() + np_text[1:],
                                  Setting=setting_text or "", img=img)
    return text, index


def attr_list(attrs: tuple[Attr, ...]) -> list[list[str]]:
    return [[a.kind, a.value] for a in attrs]
