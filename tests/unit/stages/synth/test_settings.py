"""Setting words by modality: every phrase the grammar can write for any modality is clean
English to the format check, states no claim and leaves nothing unverifiable for the reader;
brightfield H&E is never fluorescence, fluorescence is never stained; image nouns, intensity
words and claim vocabularies are keyed by the vocabulary's codes."""

from __future__ import annotations

import random
import re

import pytest

from medground.claims import bands
from medground.claims import vocab as reader_vocab
from medground.claims.reader import read
from medground.modality import CODES, UNKNOWN
from medground.stages.cue_words import intensity_words
from medground.stages.synth import grammar
from medground.stages.synth.intent import attribute_claims
from medground.stages.synth.lexicon import IMAGE_NOUNS, Attr, Phrase, image_nouns
from medground.stages.verify import language

PLANES = ("axial", "coronal", "sagittal", "image")
#: every setting form, with two of its verbs ("spot" is also a noun); the verb does not change
#: how the setting reads
SETTING_WRAPPERS = tuple(
    w for w in dict.fromkeys((*grammar.SINGLE_WRAPPERS, *grammar.MULTI_WRAPPERS))
    if "{Setting}" in w and any(k in w for k in (" find ", " spot ", "where is", "where are")))
KNOWN = sorted(set(CODES) - {UNKNOWN})


def _settings(code: str) -> list[str]:
    out = set()
    for phrase in grammar.setting_phrases(code):
        for plane in PLANES:
            if "{plane}" in phrase and plane == "image":
                continue
            out.add(phrase.format(plane=plane))
    return sorted(out)


@pytest.mark.parametrize("code", KNOWN)
def test_every_known_modality_has_settings_and_nouns(code: str) -> None:
    assert grammar.setting_phrases(code), code
    assert code in IMAGE_NOUNS
    assert set(IMAGE_NOUNS[code]) <= set(reader_vocab.IMAGE_NOUNS)  # the reader's "img"


def test_unknown_modality_has_no_setting() -> None:
    assert grammar.setting_phrases(UNKNOWN) == ()
    assert grammar.setting("unknown", "axial", random.Random(0)) is None


@pytest.mark.parametrize("code", KNOWN)
def test_every_setting_sentence_is_clean_and_claims_nothing(code: str) -> None:
    checked = 0
    for setting in _settings(code):
        for wrapper in SETTING_WRAPPERS:
            np_text = "the lesions" if "where are" in wrapper else "the lesion"
            text = wrapper.format(Setting=setting, np=np_text, Np=np_text.capitalize())
            assert language.unknown_words(text, ["lesion", "lesions"]) == [], text
            assert language.truncation(text, ["lesion", "lesions"]) is None, text
            assert language.leaked_label_id(text) is None, text
            assert language.bad_characters(text) is None, text
            reading = read(text, ["lesion"])
            assert reading.unverifiable == [], (text, reading.unverifiable)
            assert reading.claims == [], (text, reading.claims)
            assert reading.subject_labels == {"lesion"}, text
            checked += 1
    assert checked >= 3 * len(grammar.setting_phrases(code))


@pytest.mark.parametrize(("modality", "banned"), [
    ("histopathology", ("fluoresc",)),
    ("H&E", ("fluoresc",)),
    ("pathology", ("fluoresc",)),
    ("fluorescence", ("h&e", "stain", "histolog", "histopatholog", "brightfield")),
    ("immunofluorescence", ("h&e", "stain", "histolog", "histopatholog", "brightfield")),
    ("microscopy", ("fluoresc", "h&e", "stain")),
    ("endoscopy", ("colonoscop",)),  # a gastroscopy is not a colonoscopy
    ("X-ray", ("ct", "mri", "tomograph")),
])
def test_settings_never_name_another_modality(modality: str, banned: tuple[str, ...]) -> None:
    phrases = grammar.setting_phrases(modality)
    assert phrases
    for phrase in phrases:
        for word in banned:  # at a word's start: "stain" in "H&E-stained", not "ct" in "section"
            assert not re.search(rf"(?<![a-z]){re.escape(word)}", phrase.lower()), (phrase, word)


@pytest.mark.parametrize(("modality", "expected"), [
    ("histopathology", ("H&E", "histopatholog", "histolog", "brightfield")),
    ("fluorescence", ("fluorescence",)),
    ("colonoscopy", ("colonoscopy", "endoscop")),
    ("MRI", ("MR", "magnetic resonance")),
    ("T2", ("MR", "magnetic resonance")),
    ("sonography", ("ultrasound", "sonogra")),
])
def test_settings_say_the_modality(modality: str, expected: tuple[str, ...]) -> None:
    for phrase in grammar.setting_phrases(modality):
        assert any(e in phrase for e in expected), phrase


@pytest.mark.parametrize(("modality", "words"), [
    ("CT", ("hyperdense", "hypodense")),
    ("ct", ("hyperdense", "hypodense")),
    ("MR", ("hyperintense", "hypointense")),
    ("MRI", ("hyperintense", "hypointense")),
    ("FLAIR", ("hyperintense", "hypointense")),
    ("ultrasound", ("hyperechoic", "hypoechoic")),
    ("US", ("hyperechoic", "hypoechoic")),
    ("histopathology", ("bright", "dark")),
    ("fluorescence", ("bright", "dark")),
    ("X-ray", ("bright", "dark")),
    ("OT", ("bright", "dark")),
    ("anything", ("bright", "dark")),
])
def test_intensity_words_by_code(modality: str, words: tuple[str, str]) -> None:
    assert intensity_words(modality) == words


@pytest.mark.parametrize("code", [*KNOWN, UNKNOWN])
def test_intensity_words_are_allowed_on_their_modality(code: str) -> None:
    """Each word the synthesizer writes for a modality reads back as a claim whose vocabulary
    (density, signal, echo) the claim checker accepts on that modality."""
    for word in intensity_words(code):
        reading = read(f"the {word} lesion", ["lesion"])
        assert len(reading.claims) == 1, word
        claim = reading.claims[0]
        expected = attribute_claims(Attr("intensity", word), Phrase(word, "pre", "none"), 1,
                                    None)
        assert [(c.kind, c.value, c.term) for c in expected] == [
            (claim.kind, claim.value, claim.term)]
        if claim.term:
            assert code in bands.TERM_MODALITIES[claim.term], (code, word)


def test_image_nouns_by_any_word_of_the_modality() -> None:
    assert image_nouns("MRI") == image_nouns("MR")
    assert image_nouns("pathology") == IMAGE_NOUNS["histopathology"]
    assert image_nouns("nonsense") == image_nouns("OT")
