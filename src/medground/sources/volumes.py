"""3D label volumes: MSD / nnU-Net folders (dataset.json), image globs, or explicit pairs.

NIfTI is read with nibabel, NRRD (.nrrd / .nhdr / .seg.nrrd) with pynrrd, both core; MHA / MHD
and any other extension through SimpleITK (the ``itk`` extra).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from medground import modality as vocabulary
from medground.config import BuildConfig, VolumePair, VolumeSource
from medground.errors import CaseError
from medground.io.guard import check_finite
from medground.io.nifti import load_nifti
from medground.io.nrrd import load_nrrd
from medground.io.volume import (
    Volume,
    check_same_grid,
    compact_label_ids,
    present_ids_and_boxes,
    zero_ids,
)
from medground.sources.base import (
    EXPLICIT,
    CaseRef,
    Source,
    VolumeCase,
    load_label_names,
    parse_label_mapping,
    relative,
)
from medground.types import CaseInfo

_NIFTI = (".nii.gz", ".nii")
_NRRD = (".seg.nrrd", ".nrrd", ".nhdr")
_ITK = (".mha", ".mhd")
# longest first, so that `case1.seg.nrrd` loses `.seg.nrrd`, not only `.nrrd`
_VOLUME_EXTENSIONS = tuple(sorted((*_NIFTI, *_NRRD, *_ITK), key=len, reverse=True))


def volume_stem(path: str | Path) -> str:
    name = Path(path).name
    for ext in _VOLUME_EXTENSIONS:
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return Path(path).stem


def load_volume(path: str | Path, channel: int | None = None, root: Path | None = None) -> Volume:
    """Read any supported volume by its extension: NIfTI and NRRD with the core install,
    anything else (MHA / MHD, ...) through SimpleITK (``medground[itk]``). The data file a
    detached header (.nhdr, .mhd) names must lie inside ``root`` (default: the header's)."""
    name = str(path).lower()
    if name.endswith(_NIFTI):
        return load_nifti(path, channel=channel)
    if name.endswith(_NRRD):
        return load_nrrd(path, channel=channel, root=root)
    from medground.io.itk import load_itk

    return load_itk(path, root=root)


class VolumePairs(Source):
    def __init__(self, src: VolumeSource, cfg: BuildConfig) -> None:
        super().__init__(cfg)
        self.src = src
        self.dataset: dict[str, Any] = {}
        if src.dataset_json:
            path = self.root / src.dataset_json
            try:
                self.dataset = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise CaseError(path, f"cannot read dataset.json: {exc}", code="BAD_DATASET_JSON") from exc
        self._names_cache: dict[str, dict[int, str] | None] = {}

    # --- discovery -------------------------------------------------------------------------
    def case_refs(self) -> list[CaseRef]:
        src = self.src
        if src.pairs:
            return [
                CaseRef(
                    case_id=p.case or volume_stem(p.image),
                    files=(("image", str(self.root / p.image)), ("label", str(self.root / p.label))),
                    extra=(("pair", str(i)), (EXPLICIT, "1")),
                )
                for i, p in enumerate(src.pairs)
            ]
        if src.images:
            if not src.labels:
                raise CaseError(None, "`images` needs `labels` (e.g. 'labelsTr/{case}.nii.gz')")
            refs = []
            for img in sorted(p for p in self.root.glob(src.images) if p.is_file()):
                case = re.sub(r"_\d{4}$", "", volume_stem(img))  # nnU-Net channel suffix
                label = self.root / src.labels.format(case=case, stem=volume_stem(img))
                refs.append(CaseRef(case_id=case, files=(("image", str(img)), ("label", str(label)))))
            return refs
        if self.dataset:
            return self._dataset_refs()
        raise CaseError(None, "volume source needs `pairs`, `images` + `labels`, or `dataset_json`")

    def _dataset_refs(self) -> list[CaseRef]:
        training = self.dataset.get("training")
        if isinstance(training, list) and training:  # MSD
            refs = []
            for item in training:
                image = self.root / str(item["image"])
                label = self.root / str(item["label"])
                refs.append(CaseRef(volume_stem(image), (("image", str(image)), ("label", str(label)))))
            return refs
        ending = str(self.dataset.get("file_ending", ".nii.gz"))  # nnU-Net v2
        refs = []
        for label in sorted((self.root / "labelsTr").glob(f"*{ending}")):
            case = label.name[: -len(ending)]
            image = self.root / "imagesTr" / f"{case}_0000{ending}"
            refs.append(CaseRef(case, (("image", str(image)), ("label", str(label)))))
        return refs

    # --- loading ---------------------------------------------------------------------------
    def _pair(self, ref: CaseRef) -> VolumePair | None:
        index = ref.option("pair")
        return self.src.pairs[int(index)] if index is not None and self.src.pairs else None

    def label_names(self, ref: CaseRef) -> dict[int, str] | None:
        pair = self._pair(ref)
        key = (pair.label_names_key if pair else None) or self.src.label_names_key
        spec = pair.label_names if pair is not None and pair.label_names is not None else self.src.label_names
        cache_key = f"{ref.option('pair') if pair and pair.label_names is not None else ''}|{key}"
        if cache_key not in self._names_cache:
            if spec is not None:
                names = load_label_names(spec, self.root, key)
            elif "labels" in self.dataset:
                names = parse_label_mapping(self.dataset["labels"], self.root / str(self.src.dataset_json))
            else:
                names = None
            self._names_cache[cache_key] = names
        return self._names_cache[cache_key]

    def modality(self, ref: CaseRef) -> tuple[str, CaseError | None]:
        """The case's modality code: the config's (already a code), else dataset.json's
        ``modality`` / ``channel_names`` for the channel, mapped through the vocabulary. A value
        outside it is the unknown modality (OT) with a non-fatal issue."""
        pair = self._pair(ref)
        explicit = (pair.modality if pair else None) or self.src.modality
        if explicit:
            return explicit, None
        for key in ("modality", "channel_names"):
            entry = self.dataset.get(key)
            if isinstance(entry, dict) and entry:
                value = str(entry.get(str(self.src.channel or 0), next(iter(entry.values()))))
                code, why = vocabulary.resolve(value)
                if code is not None:
                    return code, None
                return vocabulary.UNKNOWN, CaseError(
                    str(self.src.dataset_json),
                    f"dataset.json {key}: {why}; treated as {vocabulary.UNKNOWN} (no modality "
                    "words or priors); set `modality` in the config", code="UNKNOWN_MODALITY")
        return vocabulary.UNKNOWN, None

    def _base(self, ref: CaseRef, role: str) -> Path | None:
        """Where a detached header's data file must lie: the root, or for a file the config
        names outside it, the header's own folder."""
        return None if self.outside_by_config(ref, ref.file(role)) else self.root

    def load(self, ref: CaseRef) -> VolumeCase:
        self.check_inside_root(ref)
        image = load_volume(ref.file("image"), channel=self.src.channel, root=self._base(ref, "image"))
        label = load_volume(ref.file("label"), root=self._base(ref, "label"))
        names = self.label_names(ref)
        modality, issue = self.modality(ref)
        case = make_volume_case(self, ref, image, label, names, modality, ref.case_id)
        case.issues.extend([issue] if issue else [])
        return case


def make_volume_case(
    source: Source,
    ref: CaseRef,
    image: Volume,
    label: Volume,
    names: dict[int, str] | None,
    modality: str,
    patient_key: str,
) -> VolumeCase:
    """Canonicalise image and label, check they share a grid, name the labels.

    Memory stays near the files' own bytes: the label ids take the smallest unsigned type, the
    canonical volumes are views of what the readers returned (no copy, whatever the stored
    orientation), and the ids present are found without a sorted copy."""
    root = source.root
    original = image.axcodes
    check_finite(image.data, image.path)
    ids = compact_label_ids(label.data, label.path)
    image_c = image.canonical()
    label_c = Volume(data=ids, affine=label.affine, path=label.path).canonical()
    check_same_grid(image_c, label_c)
    present, boxes = present_ids_and_boxes(label_c.data)
    used = [v for v in present if names is None or v in names]
    cap = source.cfg.regions.max_instances
    if len(used) > cap:  # each id becomes a layer of every view: refuse before making them
        raise CaseError(label.path, f"label map holds {len(used)} label ids and "
                        f"regions.max_instances is {cap}; the case is refused (raise "
                        "regions.max_instances if the ids are right)", code="TOO_MANY_LABELS")
    issues = []
    if names is None:
        names = {v: f"label_{v}" for v in present}
    unknown = [v for v in present if v not in names]
    if unknown:
        issues.append(
            CaseError(
                relative(label.path, root),
                f"unknown label id(s) {', '.join(map(str, unknown[:10]))} not in label_names; skipped",
                code="UNKNOWN_LABEL_ID",
            )
        )
        label_c.data = zero_ids(label_c.data, unknown)
    if not image.oriented:  # the image is what is displayed: its header says where the patient is
        shown = relative(image.path, root)
        issues.append(
            CaseError(
                shown,
                f"the header of {shown} gives no patient orientation (NIfTI: sform_code and "
                "qform_code are both 0; NRRD: no patient space); its views get no patient frame "
                "(frame: null) and patient-side claims are withheld",
                code="NO_ORIENTATION",
            )
        )
    info = CaseInfo(
        case_id=ref.case_id,
        source=source.name,
        modality=modality,
        patient_id=source.pseudonym(patient_key),
        files=[relative(p, root) for _, p in ref.files],
    )
    return VolumeCase(
        info=info,
        image=image_c,
        label=label_c,
        label_names={v: names[v] for v in present if v in names},
        original_axcodes=original,
        issues=issues,
        label_boxes=boxes,  # the ids zeroed as unknown are never asked for
    )
