"""The modality vocabulary: one closed list of imaging modalities, each with its synonyms.

Every modality a config names or a data file states (dataset.json ``modality`` /
``channel_names``, the DICOM Modality tag, a file-name group) is mapped to one **code** of
:data:`MODALITIES`; everything downstream (setting words, image nouns, intensity words, claim
checks, medical priors) is keyed by that code, never by the raw string. Matching ignores case
and the separators `` -_./+`` ("X-Ray", "xray" and "x ray" are one key). A value that is not a
synonym as a whole may still be read word by word when every word names the same modality
("MRI-FLAIR" -> MR).

A **family** groups sub-kinds that share what a structure can be imaged with (colonoscopy is
endoscopy, mammography is X-ray, H&E histopathology and fluorescence are microscopy): priors
accept a family, words are chosen per code.

This module is neutral: sources, synthesizers and the verifier import it; it imports nothing
of medground.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Final

#: the code of "other / unknown" (DICOM ``OT``): no modality words, no modality prior
UNKNOWN: Final = "OT"


@dataclass(frozen=True)
class Modality:
    code: str  # what samples carry in ``modality``
    name: str  # what the documentation calls it
    family: str  # code of the broader kind (itself for a top-level modality)
    synonyms: tuple[str, ...] = ()
    dicom: tuple[str, ...] = ()  # DICOM Modality (0008,0060) values


MODALITIES: Final[tuple[Modality, ...]] = (
    Modality("CT", "computed tomography", "CT",
             ("computed tomography", "CAT", "CT scan", "CTA", "CT angiography", "NCCT", "CECT",
              "contrast CT", "CBCT", "cone beam CT"), ("CT",)),
    Modality("MR", "magnetic resonance imaging", "MR",
             ("MRI", "MRT", "NMR", "magnetic resonance", "magnetic resonance imaging", "T1",
              "T2", "T1w", "T2w", "T1 weighted", "T2 weighted", "T1c", "T1ce", "T1gd",
              "T1 post", "T2*", "PD", "PDw", "FLAIR", "ADC", "DWI", "DTI", "SWI", "MRA",
              "cine", "cine MR", "STIR", "bSSFP", "TOF"), ("MR",)),
    Modality("PET", "positron emission tomography", "PET",
             ("positron emission tomography", "FDG PET", "PET/CT", "PET-CT", "PET/MR"),
             ("PT",)),
    Modality("X-ray", "projection radiography", "X-ray",
             ("xray", "X ray", "radiograph", "radiography", "radiographic", "plain film",
              "CXR", "chest X-ray", "CR", "DX", "DR", "fluoroscopy", "angiography",
              "panoramic radiograph"), ("CR", "DX", "RF", "XA", "RG", "DF", "PX", "IO")),
    Modality("mammography", "mammography (X-ray of the breast)", "X-ray",
             ("mammogram", "mammo", "digital mammography", "tomosynthesis", "DBT"),
             ("MG",)),
    Modality("ultrasound", "ultrasound (B-mode)", "ultrasound",
             ("USG", "ultrasonography", "sonography", "sonogram", "echography",
              "echocardiography", "echo", "B-mode", "IVUS"), ("US", "IVUS")),
    Modality("endoscopy", "endoscopy", "endoscopy",
             ("endoscopic", "gastroscopy", "EGD", "esophagogastroduodenoscopy",
              "capsule endoscopy", "WCE", "bronchoscopy", "cystoscopy", "laryngoscopy",
              "laparoscopy", "arthroscopy"), ("ES",)),
    Modality("colonoscopy", "colonoscopy (endoscopy of the colon)", "endoscopy",
             ("colonoscopic", "sigmoidoscopy")),
    Modality("dermoscopy", "dermoscopy", "dermoscopy",
             ("dermatoscopy", "dermoscopic", "dermatoscopic", "epiluminescence microscopy"),
             ("DMS",)),
    Modality("photo", "clinical photography", "photo",
             ("photograph", "clinical photo", "clinical photograph", "clinical photography",
              "clinical", "skin photo"), ("XC",)),
    Modality("fundus", "fundus photography", "fundus",
             ("fundus photo", "fundus photograph", "fundus photography", "fundus image",
              "color fundus", "colour fundus", "CFP", "retinal photography", "retinal image",
              "fundoscopy", "funduscopy", "ophthalmoscopy"), ("OP",)),
    Modality("OCT", "optical coherence tomography", "OCT",
             ("optical coherence tomography", "SD-OCT", "retinal OCT"), ("OPT",)),
    Modality("histopathology", "H&E histopathology (brightfield)", "microscopy",
             ("pathology", "histology", "histopathological", "histological", "H&E", "HE",
              "H and E", "HNE", "H&E stained", "hematoxylin and eosin",
              "haematoxylin and eosin", "WSI",
              "whole slide image", "whole slide imaging", "digital pathology")),
    Modality("fluorescence", "fluorescence microscopy", "microscopy",
             ("fluorescence microscopy", "fluorescent", "immunofluorescence", "IF", "DAPI",
              "Hoechst", "confocal", "confocal microscopy", "widefield fluorescence")),
    Modality("microscopy", "microscopy, unspecified (light, phase contrast, cells)",
             "microscopy",
             ("micrograph", "light microscopy", "brightfield", "bright field",
              "phase contrast", "cell imaging", "slide microscopy"),
             ("GM", "SM")),
    Modality(UNKNOWN, "other / unknown", UNKNOWN,
             ("other", "unknown", "none", "n/a", "na", "unspecified"), ("OT",)),
)

BY_CODE: Final[dict[str, Modality]] = {m.code: m for m in MODALITIES}
CODES: Final[tuple[str, ...]] = tuple(BY_CODE)

_SEPARATORS: Final = re.compile(r"[\s\-_./+]+")


def key(text: str) -> str:
    """The matching key of a modality word: lower case, separators removed."""
    return _SEPARATORS.sub("", text.strip().lower())


def _index() -> dict[str, str]:
    out: dict[str, str] = {}
    for m in MODALITIES:
        for form in (m.code, m.name, *m.synonyms, *m.dicom):
            k = key(form)
            if out.setdefault(k, m.code) != m.code:  # a word may mean one modality only
                raise AssertionError(f"{form!r} is a synonym of {out[k]} and {m.code}")
    return out


_INDEX: Final[dict[str, str]] = _index()
_DICOM: Final[dict[str, str]] = {d: m.code for m in MODALITIES for d in m.dicom}


class UnknownModalityError(ValueError):
    """A modality word outside the vocabulary; the message suggests the nearest one."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.hint = did_you_mean(value)
        extra = f" (did you mean {self.hint!r}?)" if self.hint else ""
        super().__init__(f"unknown modality {value!r}{extra}; known: {', '.join(CODES)} "
                         "and their synonyms (README: Modalities)")


def lookup(value: str) -> str | None:
    """The code of a modality word, or None when it is not in the vocabulary.

    The whole value is tried first, then its words: when every word is a synonym of the same
    modality, that is it ("MRI-FLAIR", "CT scan"); mixed words ("PET-CT" is listed) are not.
    """
    k = key(value)
    if not k:
        return None
    if k in _INDEX:
        return _INDEX[k]
    words = [w for w in _SEPARATORS.split(value.strip().lower()) if w]
    codes = {_INDEX.get(w) for w in words}
    if len(words) > 1 and len(codes) == 1 and None not in codes:
        return codes.pop()
    return None


def canonical(value: str) -> str:
    """The code of a modality word; :class:`UnknownModalityError` (a ValueError) if unknown."""
    code = lookup(value)
    if code is None:
        raise UnknownModalityError(value)
    return code


def code_of(value: str | None) -> str:
    """Lenient: the code of a stored or data value, :data:`UNKNOWN` for anything else."""
    return (lookup(value) if value else None) or UNKNOWN


def family(value: str | None) -> str:
    """The family code of a modality word (``colonoscopy`` -> ``endoscopy``)."""
    return BY_CODE[code_of(value)].family


def is_unknown(value: str | None) -> bool:
    return code_of(value) == UNKNOWN


def from_dicom(tag: str | None) -> str | None:
    """The code of a DICOM Modality value (``CR``/``DX`` -> X-ray, ``PT`` -> PET); an empty
    value is :data:`UNKNOWN`, a value outside the table (``NM``, ``SEG``) None."""
    text = (tag or "").strip().upper()
    return _DICOM.get(text) if text else UNKNOWN


def did_you_mean(value: str) -> str | None:
    """The nearest code or synonym to an unknown word (difflib), as written in the table."""
    forms = {key(f): f for m in MODALITIES for f in (m.code, *m.synonyms, *m.dicom)}
    close = difflib.get_close_matches(key(value), list(forms), n=1, cutoff=0.7)
    return forms[close[0]] if close else None


def resolve(value: str, mapping: dict[str, str] | None = None) -> tuple[str | None, str | None]:
    """``(code, None)`` for a data value, through ``mapping`` (exact, then case-insensitive,
    values already codes) then the vocabulary; ``(None, why)`` when it cannot be mapped."""
    text = value.strip()
    if mapping:
        if text in mapping:
            return mapping[text], None
        folded = {k.lower(): v for k, v in mapping.items()}
        if text.lower() in folded:
            return folded[text.lower()], None
    code = lookup(text)
    if code is not None:
        return code, None
    hint = did_you_mean(text)
    extra = f" (did you mean {hint!r}?)" if hint else ""
    where = "modality_map or the modality vocabulary" if mapping else "the modality vocabulary"
    return None, f"modality {text!r} is not in {where}{extra}"
