"""Surface realisation: descriptions and relations to varied, clinically worded sentences.

Noun phrase: ``the [relative pre] [shape] [intensity] NOUN [post-modifiers]``, or a frame
pattern such as "the larger of the two NOUNS" that takes the rest of the description inside.
Sentence: one of several wrappers per task, some naming the modality and plane.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Final

from medground.labels import readable
from medground.stages.synth.describe import Description
from medground.stages.synth.lexicon import (
    NOUN_SYNONYMS,
    Attr,
    Phrase,
    absolute_phrases,
    count_word,
    plural,
    relative_phrases,
)

_PRE_ORDER: Final = {"size": 0, "hpos": 0, "vpos": 0, "shape": 1, "intensity": 2}

SINGLE_WRAPPERS: Final = (
    "{np}", "{Np}.", "Find {np}.", "Locate {np}.", "Where is {np}?", "Show {np}.",
    "Point to {np}.", "Identify {np}.", "Mark {np} in this {img}.", "Draw a box around {np}.",
    "Please localize {np}.", "Outline {np}.", "Which region is {np}?", "Highlight {np}.",
    "Box {np}.", "Indicate {np}.", "Detect {np}.", "Give the bounding box of {np}.",
    "Return the location of {np}.", "Where can {np} be seen?", "Can you find {np}?",
    "Show me where {np} is.", "Put a box on {np}.", "Select {np}.", "Ground {np}.",
    "Localize {np} in the {img}.", "I am looking for {np}.", "Find and box {np}.",
    "Please mark {np}.", "Frame {np} with a bounding box.", "Which part shows {np}?",
    "{Np}: where is it?", "Pinpoint {np}.", "Spot {np}.", "Bound {np} with a box.",
    "{Setting}, find {np}.", "{Setting}, locate {np}.", "{Setting}: where is {np}?",
    "{Setting}, box {np}.", "{Setting}, identify {np}.", "{Setting}, please mark {np}.",
    "{Setting}, show {np}.", "{Setting}, point to {np}.", "{Setting}, highlight {np}.",
)
MULTI_WRAPPERS: Final = (
    "{np}", "{Np}.", "Find {np}.", "Locate {np}.", "Where are {np}?", "Show {np}.",
    "Mark {np}.", "Draw boxes around {np}.", "Point to {np}.", "Outline {np}.",
    "Highlight {np}.", "Box {np}.", "Detect {np}.", "Give the bounding boxes of {np}.",
    "Return the locations of {np}.", "Where can {np} be seen?", "Can you find {np}?",
    "Show me where {np} are.", "Put boxes on {np}.", "Select {np}.", "Ground {np}.",
    "Localize {np} in the {img}.", "Please mark {np}.", "Identify {np}.", "Indicate {np}.",
    "{Np}: where are they?", "Pinpoint {np}.", "Frame {np} with bounding boxes.",
    "{Setting}, find {np}.", "{Setting}, mark {np}.", "{Setting}, locate {np}.",
    "{Setting}, box {np}.", "{Setting}: where are {np}?", "{Setting}, highlight {np}.",
)

_SETTINGS: Final[dict[str, tuple[str, ...]]] = {
    "CT": ("On this {plane} CT slice", "In this {plane} CT image", "On the CT image",
           "In the {plane} CT section", "On this CT scan slice", "In this {plane} CT view",
           "Looking at this {plane} CT", "On the {plane} computed tomography image"),
    "MR": ("On this {plane} MR slice", "In this {plane} MRI image", "On the MR image",
           "In the {plane} MR section", "On this MRI slice", "Looking at this {plane} MRI",
           "On the {plane} magnetic resonance image"),
    "endoscopy": ("In this colonoscopy frame", "In this endoscopic image",
                  "On this colonoscopy image", "In the endoscopy frame",
                  "Looking at this colonoscopy view"),
    "dermoscopy": ("In this dermoscopic image", "On the dermoscopy photo",
                   "In this dermatoscopy image", "Looking at this skin image",
                   "On this dermoscopic view"),
    "microscopy": ("In this microscopy image", "In this fluorescence image",
                   "On this micrograph", "In the microscopy field", "Looking at this micrograph"),
}

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


def setting(modality: str, plane: str, rng: random.Random) -> str | None:
    options = _SETTINGS.get(modality) or _SETTINGS.get(modality.upper())
    if not options:
        return None
    choice = rng.choice(options)
    return choice.format(plane=plane if plane in ("axial", "coronal", "sagittal") else "").replace(
        "  ", " ").replace("this  ", "this ")


def choose_noun(label: str, rng: random.Random) -> str:
    return rng.choice((readable(label), *NOUN_SYNONYMS.get(label, ())))


def noun_phrase(
    desc: Description, noun: str, n_rel: int, frame: dict[str, str] | None, rng: random.Random,
    extra_post: list[str] | None = None, img: str = "image",
) -> Realised:
    """``the ... NOUN ...`` stating every attribute of ``desc`` (n_rel: candidates the relative
    attribute is compared among)."""
    pre: list[tuple[int, str]] = []
    post: list[str] = []
    pattern = "the {pre}{noun}{post}"
    parts: list[str] = []
    for attr in desc.attrs:
        options = (relative_phrases(attr, n_rel, frame) if attr is desc.relative
                   else absolute_phrases(attr))
        p: Phrase = rng.choice(options)
        parts.append(f"{attr.kind}={attr.value}:{p.text}")
        if p.slot == "frame":
            pattern = p.text.replace("{n}", count_word(n_rel) or "several").replace(
                "{nouns}", "{pre}{nouns}{post}")
        elif p.slot == "pre":
            pre.append((_PRE_ORDER[attr.kind], p.text))
        else:
            post.append(p.text)
    post += extra_post or []
    pre_text = "".join(f"{t} " for _, t in sorted(pre, key=lambda x: x[0]))
    post_text = _join_post(post)
    text = pattern.format(pre=pre_text, noun=noun, nouns=plural(noun), post=post_text)
    return Realised(text=" ".join(text.replace("{img}", img).split()),
                    parts=[p.replace("{img}", img) for p in parts], has_post=bool(post_text))


def _join_post(post: list[str]) -> str:
    if not post:
        return ""
    if len(post) == 1:
        return f" {post[0]}"
    return " " + ", ".join(post[:-1]) + f" and {post[-1]}" if len(post) > 2 else (
        f" {post[0]}, {post[1]}")


def relation_phrase(rel: dict[str, Any], rng: random.Random, img: str = "image") -> str | None:
    """A true spatial relation to another (uniquely named) structure, in a stated frame."""
    keys = [rel["relation"]]
    if rel["relation"] in ("above", "below", "left_of", "right_of") and "patient" in rel:
        keys = [rel["patient"], rel["relation"]]
    if "mediolateral" in rel:
        keys.append(rel["mediolateral"])
    key = rng.choice(keys)
    return rng.choice(RELATION_PHRASES[key]).format(o=readable(rel["label"]), img=img)


def multi_phrase(noun: str, n: int, rng: random.Random, img: str = "image") -> str:
    """"both kidneys", "all three lesions", "every nucleus in the {img}"."""
    options = ["all of the {nouns}", "all the {nouns} in the {img}", "all visible {nouns}",
               "all the {nouns} shown"] if n > 2 else []
    word = count_word(n)
    if n == 2:
        options += ["both {nouns}", "the two {nouns}", "both of the {nouns}",
                    "the two visible {nouns}"]
    elif word:
        options += [f"all {word} {{nouns}}", f"the {word} {{nouns}}",
                    f"the {word} visible {{nouns}}", f"all {word} of the {{nouns}}"]
    return rng.choice(options).format(nouns=plural(noun), img=img)


def _has_tail(wrapper: str) -> bool:
    """True for wrappers with words after the noun phrase ("Mark {np} in this image.")."""
    tail = wrapper.replace("{Np}", "{np}").split("{np}", 1)[1]
    return bool(tail.strip(" .?!")) and not tail.startswith(":")


def sentence(np_text: str, wrappers: tuple[str, ...], modality: str, plane: str,
             rng: random.Random, img: str = "image", has_post: bool = False) -> tuple[str, int]:
    """Wrap a noun phrase; a phrase that ends in post-modifiers gets no trailing words."""
    options = [i for i in range(len(wrappers)) if not (has_post and _has_tail(wrappers[i]))]
    setting_text = setting(modality, plane, rng)
    if setting_text is None:
        options = [i for i in options if "{Setting}" not in wrappers[i]]
    index = rng.choice(options)
    text = wrappers[index].format(np=np_text, Np=np_text[:1].upper() + np_text[1:],
                                  Setting=setting_text or "", img=img)
    return text, index


def attr_list(attrs: tuple[Attr, ...]) -> list[list[str]]:
    return [[a.kind, a.value] for a in attrs]
