"""The modality vocabulary: every code, synonym and DICOM value maps to its code whatever the
case and separators; unknown words get a did-you-mean; the README documents every code."""

from __future__ import annotations

from pathlib import Path

import pytest

from medground import modality as m

README = Path(__file__).resolve().parents[2] / "README.md"

ALL_FORMS = [(form, mod.code) for mod in m.MODALITIES
             for form in (mod.code, mod.name, *mod.synonyms, *mod.dicom)]


@pytest.mark.parametrize(("form", "code"), ALL_FORMS, ids=[f"{f}->{c}" for f, c in ALL_FORMS])
def test_every_form_maps_to_its_code(form: str, code: str) -> None:
    assert m.canonical(form) == code
    assert m.canonical(form.upper()) == code
    assert m.canonical(f"  {form.lower()} ") == code


@pytest.mark.parametrize(("value", "code"), [
    # the cases
    ("histopathology", "histopathology"), ("pathology", "histopathology"),
    ("histology", "histopathology"), ("H&E", "histopathology"), ("HE", "histopathology"),
    ("WSI", "histopathology"), ("microscopy", "microscopy"), ("fluorescence", "fluorescence"),
    # MR sequences
    ("MRI", "MR"), ("MRT", "MR"), ("T1", "MR"), ("T2", "MR"), ("FLAIR", "MR"), ("T1w", "MR"),
    ("T2w", "MR"), ("ADC", "MR"), ("DWI", "MR"), ("t1gd", "MR"), ("T2-weighted", "MR"),
    # separators and case
    ("X-Ray", "X-ray"), ("xray", "X-ray"), ("x ray", "X-ray"), ("X_RAY", "X-ray"),
    ("ct", "CT"), ("Ct Scan", "CT"),
    # word by word, every word the same modality
    ("MRI-FLAIR", "MR"), ("T2 FLAIR", "MR"), ("brightfield microscopy", "microscopy"),
    # sub-kinds keep their code, their family is the broader kind
    ("colonoscopy", "colonoscopy"), ("gastroscopy", "endoscopy"), ("mammogram", "mammography"),
    ("dermatoscopy", "dermoscopy"), ("retinal photography", "fundus"), ("US", "ultrasound"),
    ("PT", "PET"), ("PET/CT", "PET"), ("OT", "OT"), ("unknown", "OT"),
])
def test_synonyms(value: str, code: str) -> None:
    assert m.canonical(value) == code


@pytest.mark.parametrize(("code", "family"), [
    ("colonoscopy", "endoscopy"), ("endoscopy", "endoscopy"), ("mammography", "X-ray"),
    ("histopathology", "microscopy"), ("fluorescence", "microscopy"), ("CT", "CT"),
    ("nonsense", "OT"),
])
def test_families(code: str, family: str) -> None:
    assert m.family(code) == family


@pytest.mark.parametrize(("value", "hint"), [
    ("histopathalogy", "histopathology"), ("flourescence", "fluorescence"),
    ("ultrasond", "ultrasound"), ("dermoscpy", "dermoscopy"), ("colonscopy", "colonoscopy"),
])
def test_unknown_word_is_an_error_with_a_hint(value: str, hint: str) -> None:
    with pytest.raises(m.UnknownModalityError) as info:
        m.canonical(value)
    assert info.value.hint == hint
    assert f"did you mean {hint!r}" in str(info.value)
    assert isinstance(info.value, ValueError)  # pydantic reports it as a config error


@pytest.mark.parametrize("value", ["PET-MRI-CT-US", "CT MR", "zscore", "noNorm", "", "   "])
def test_not_a_modality(value: str) -> None:
    assert m.lookup(value) is None
    assert m.code_of(value) == m.UNKNOWN
    with pytest.raises(m.UnknownModalityError):
        m.canonical(value)


@pytest.mark.parametrize(("tag", "code"), [
    ("CT", "CT"), ("MR", "MR"), ("CR", "X-ray"), ("DX", "X-ray"), ("XA", "X-ray"),
    ("RF", "X-ray"), ("MG", "mammography"), ("US", "ultrasound"), ("PT", "PET"),
    ("ES", "endoscopy"), ("OP", "fundus"), ("OPT", "OCT"), ("XC", "photo"), ("SM", "microscopy"),
    ("DMS", "dermoscopy"), ("OT", "OT"), ("", "OT"), (" ct ", "CT"), ("NM", None),
    ("SEG", None),
])
def test_dicom_modality_tag(tag: str, code: str | None) -> None:
    assert m.from_dicom(tag) == code


def test_resolve_through_a_map_then_the_vocabulary() -> None:
    mapping = {"MRI-FLAIR": "MR", "Scope": "endoscopy"}
    assert m.resolve("MRI-FLAIR", mapping) == ("MR", None)
    assert m.resolve("scope", mapping) == ("endoscopy", None)  # case-insensitive key
    assert m.resolve("X-Ray", mapping) == ("X-ray", None)  # not in the map: the synonyms
    code, why = m.resolve("Xrey", mapping)
    assert code is None and why is not None
    assert "'Xrey'" in why and "did you mean" in why and "modality_map" in why


def test_no_word_means_two_modalities() -> None:
    keys: dict[str, str] = {}
    for form, code in ALL_FORMS:
        assert keys.setdefault(m.key(form), code) == code, form


def test_readme_documents_every_code() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Modalities", 1)[1].split("\n## ", 1)[0]
    for mod in m.MODALITIES:
        assert f"`{mod.code}`" in section, mod.code
        for synonym in mod.synonyms[:3]:
            assert synonym in section, (mod.code, synonym)


def test_modality_module_is_neutral() -> None:
    source = Path(m.__file__).read_text(encoding="utf-8")
    assert "from medground" not in source and "import medground" not in source
