"""DICOM CT/MR series paired with a label volume.

Patient identifiers from the DICOM header are used only to derive a salted pseudonym; a
case id that would contain them is replaced by that pseudonym.
"""

from __future__ import annotations

from pathlib import Path

from medground.config import BuildConfig, DicomSource
from medground.io.dicom import load_dicom_series
from medground.sources.base import CaseRef, Source, VolumeCase, load_label_names
from medground.sources.volumes import load_volume, make_volume_case


class DicomSeriesSource(Source):
    def __init__(self, src: DicomSource, cfg: BuildConfig) -> None:
        super().__init__(cfg)
        self.src = src
        self.root = src.root

    def case_refs(self) -> list[CaseRef]:
        return [
            CaseRef(
                case_id=p.case or Path(p.series).name,
                files=(("series", str(self.root / p.series)), ("label", str(self.root / p.label))),
                extra=(("label_names_key", p.label_names_key),) if p.label_names_key else (),
            )
            for p in self.src.pairs
        ]

    def load(self, ref: CaseRef) -> VolumeCase:
        series = load_dicom_series(ref.file("series"))
        label = load_volume(ref.file("label"))
        key = ref.option("label_names_key") or self.src.label_names_key
        names = load_label_names(self.src.label_names, self.root, key)
        patient_key = series.patient_key or ref.case_id
        case = make_volume_case(
            self, ref, series.volume, label, names, self.src.modality or series.modality, patient_key
        )
        if _contains_identifier(ref.case_id, series.patient_key):
            case.info.case_id = case.info.patient_id
        return case


def _contains_identifier(case_id: str, patient_key: str) -> bool:
    """True when a token of the patient key (ID or name part) appears in the case id."""
    tokens = [t for t in patient_key.replace("^", " ").replace("|", " ").split() if len(t) >= 3]
    low = case_id.lower()
    return any(t.lower() in low for t in tokens)
