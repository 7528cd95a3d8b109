"""DICOM CT/MR series paired with a label volume.

DICOM exports often name folders after the patient, so this source never writes a series
path anywhere: a case is named by the config's ``case`` or by a salted hash of its path, its
patient id is a salted hash of the header's PatientID/PatientName, error records name the
case's role ("series", "label") instead of the path, and the manifest redacts series paths.
A configured case name that contains a header identifier is replaced by the pseudonym.
"""

from __future__ import annotations

from pathlib import Path

from medground import modality as vocabulary
from medground.config import BuildConfig, DicomSource
from medground.errors import CaseError
from medground.io.dicom import load_dicom_series
from medground.io.guard import check_inside
from medground.sources.base import (
    EXPLICIT,
    CaseRef,
    Source,
    VolumeCase,
    load_label_names,
    relative,
)
from medground.sources.volumes import load_volume, make_volume_case


class DicomSeriesSource(Source):
    def __init__(self, src: DicomSource, cfg: BuildConfig) -> None:
        super().__init__(cfg)
        self.src = src

    def case_refs(self) -> list[CaseRef]:
        refs = []
        for p in self.src.pairs:
            refs.append(CaseRef(
                case_id=p.case or self.pseudonym(p.series, prefix="series"),
                files=(("series", str(self.root / p.series)), ("label", str(self.root / p.label))),
                extra=((EXPLICIT, "1"), *((("label_names_key", p.label_names_key),)
                                          if p.label_names_key else ())),
            ))
        return refs

    def load(self, ref: CaseRef) -> VolumeCase:
        try:
            folder = Path(ref.file("series"))
            # a folder the config names outside the root: its slices stay inside it
            base = folder if self.outside_by_config(ref, folder) else self.root
            check_inside(folder, base)
            for path in sorted(folder.iterdir()) if folder.is_dir() else ():
                check_inside(path, base)  # a slice linked in from elsewhere
            series = load_dicom_series(folder)
        except CaseError as exc:
            raise self._scrubbed(exc, ref, "series") from None
        try:
            outside = self.outside_by_config(ref, ref.file("label"))
            if not outside:
                check_inside(ref.file("label"), self.root)
            label = load_volume(ref.file("label"), root=None if outside else self.root)
            key = ref.option("label_names_key") or self.src.label_names_key
            names = load_label_names(self.src.label_names, self.root, key)
            patient_key = series.patient_key or ref.case_id
            modality = self.src.modality or vocabulary.from_dicom(series.modality)
            case = make_volume_case(self, ref, series.volume, label, names,
                                    modality or vocabulary.UNKNOWN, patient_key)
        except CaseError as exc:
            raise self._scrubbed(exc, ref, "label") from None
        if _contains_identifier(ref.case_id, series.patient_key):
            case.info.case_id = case.info.patient_id
        case.info.files = [f"{role} of {case.info.case_id}" for role, _ in ref.files]
        for issue in case.issues:
            issue.file = f"label of {case.info.case_id}"
        if modality is None:  # a Modality tag outside the vocabulary: not fatal
            case.issues.append(CaseError(
                f"series of {case.info.case_id}", f"DICOM Modality {series.modality!r} is not "
                f"in the modality vocabulary; treated as {vocabulary.UNKNOWN} (set `modality` in "
                "the config)", code="UNKNOWN_MODALITY"))
        return case

    def display_file(self, ref: CaseRef, path: str) -> str:
        """A file's role ("series of <case>"), never its path: folders may carry names."""
        role = next((r for r, p in ref.files if p == path), None)
        return f"{role} of {ref.case_id}" if role else self.redact(ref, path)

    def redact(self, ref: CaseRef, text: str) -> str:
        for role, path in ref.files:
            for form in (path, relative(path, self.root)):
                text = text.replace(form, f"<{role}>")
        return text

    def _scrubbed(self, exc: CaseError, ref: CaseRef, role: str) -> CaseError:
        """The same error without any path that may carry a patient's name."""
        return CaseError(f"{role} of {ref.case_id}", self.redact(ref, exc.message), code=exc.code)


def _contains_identifier(case_id: str, patient_key: str) -> bool:
    """True when a token of the patient key (ID or name part) appears in the case id."""
    tokens = [t for t in patient_key.replace("^", " ").replace("|", " ").split() if len(t) >= 3]
    low = case_id.lower()
    return any(t.lower() in low for t in tokens)
