"""Folders of 2D images and masks, matched by file name."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from medground import modality as vocabulary
from medground.config import BuildConfig, Folder2DSource
from medground.errors import CaseError
from medground.io.guard import check_finite
from medground.io.raster import load_image, load_mask
from medground.io.volume import as_label_array
from medground.labels import from_file_name
from medground.sources.base import (
    EXPLICIT,
    CaseRef,
    ImageCase,
    Source,
    load_file_label_names,
    load_label_names,
    relative,
)
from medground.types import CaseInfo, Layer


def _stem(path: Path) -> str:
    name = path.name
    for ext in (".nii.gz", ".ome.tif", ".ome.tiff"):
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return path.stem


class Folder2D(Source):
    def __init__(self, src: Folder2DSource, cfg: BuildConfig) -> None:
        super().__init__(cfg)
        self.src = src
        spec = src.label_names
        self.names: dict[int, str] | None = None
        #: per_target: file-name label -> name (labels come from file names, not ids)
        self.file_names: dict[str, str] = {}
        if src.mask_mode == "per_target":
            self.file_names = load_file_label_names(spec, self.root, src.label_names_key)
        else:  # the config allows only integer keys here
            ids = {int(k): v for k, v in spec.items()} if isinstance(spec, dict) else spec
            self.names = load_label_names(ids, self.root, src.label_names_key)
        self.modality_in_masks = "modality" in re.compile(
            src.target_pattern.replace("{stem}", "stem")).groupindex
        if src.mask_mode in ("binary", "instance_map") and not src.label:
            raise CaseError(None, f"mask_mode {src.mask_mode} needs `label` (the structure's name)")

    def case_refs(self) -> list[CaseRef]:
        if self.src.pairs:
            return [
                CaseRef(
                    case_id=p.case or _stem(Path(p.image)),
                    files=(("image", str(self.root / p.image)), ("mask", str(self.root / p.mask))),
                    extra=((EXPLICIT, "1"),),
                )
                for p in self.src.pairs
            ]
        if not self.src.images or not self.src.masks:
            raise CaseError(None, "folder2d needs `images` and `masks` patterns, or `pairs`")
        images = sorted(p for p in self.root.glob(self.src.images) if p.is_file())
        refs = []
        for img in images:
            stem = _stem(img)
            mask_spec = self.src.masks.format(stem=stem, name=img.name)
            if self.src.mask_mode == "per_target":
                pattern = re.compile(self.src.target_pattern.replace("{stem}", re.escape(stem)))
                masks = sorted(
                    p for p in self.root.glob(mask_spec) if p.is_file() and pattern.match(_stem(p))
                )
                files = (("image", str(img)), *(("mask", str(m)) for m in masks))
            else:
                files = (("image", str(img)), ("mask", str(self.root / mask_spec)))
            refs.append(CaseRef(case_id=stem, files=files))
        return refs

    def load(self, ref: CaseRef) -> ImageCase:
        self.check_inside_root(ref)
        image_path = ref.file("image")
        modality = self._modality(ref)
        image = load_image(image_path)
        check_finite(image, image_path)
        info = CaseInfo(
            case_id=ref.case_id,
            source=self.name,
            modality=modality,
            patient_id=self.pseudonym(ref.case_id),
            files=[relative(p, self.root) for _, p in ref.files],
        )
        shape = image.shape[:2]
        case = ImageCase(info=info, image=image, layers=[])
        masks = [p for role, p in ref.files if role == "mask"]
        for mask_path in masks:
            mask = load_mask(mask_path)
            if mask.shape != shape:
                raise CaseError(
                    mask_path,
                    f"mask shape {mask.shape[1]}x{mask.shape[0]} (WxH) does not match image "
                    f"{shape[1]}x{shape[0]} ({relative(image_path, self.root)})",
                    code="SHAPE_MISMATCH",
                )
            case.layers.extend(self._layers(mask, Path(mask_path), ref.case_id, case.issues))
        return case

    def _modality(self, ref: CaseRef) -> str:
        """The image's modality: from its file name (``modality_pattern``) or its masks' names
        (a ``modality`` group in ``target_pattern``), else the configured one."""
        src = self.src
        found: dict[str, str] = {}  # value -> file it was read from
        image_path = ref.file("image")
        if src.modality_pattern is not None:
            m = re.search(src.modality_pattern, _stem(Path(image_path)))
            if m is not None and m.group("modality"):
                found[m.group("modality")] = image_path
            elif src.modality is None:
                raise CaseError(image_path, f"image name does not match modality_pattern "
                                f"{src.modality_pattern!r} and no `modality` is set",
                                code="MODALITY_NOT_IN_NAME")
        elif self.modality_in_masks:
            pattern = src.target_pattern.replace("{stem}", re.escape(ref.case_id))
            for role, path in ref.files:
                m = re.match(pattern, _stem(Path(path))) if role == "mask" else None
                if m is not None and m.group("modality"):
                    found.setdefault(m.group("modality"), path)
        codes: dict[str, str] = {}
        for value, path in found.items():
            code, why = vocabulary.resolve(value, src.modality_map)
            if code is None:
                raise CaseError(path, f"{why}; add it to modality_map",
                                code="UNKNOWN_MODALITY")
            codes.setdefault(code, value)
        if len(codes) > 1:
            raise CaseError(image_path, "the mask names give different modalities: "
                            + ", ".join(f"{v!r} ({c})" for c, v in codes.items()),
                            code="MODALITY_CONFLICT")
        return next(iter(codes), src.modality or vocabulary.UNKNOWN)

    def _label(self, raw: str, path: Path) -> str:
        """A label from a file name: renamed by ``label_names`` (the raw or the decoded text),
        else decoded (:func:`medground.labels.from_file_name`)."""
        decoded = from_file_name(raw)
        label = self.file_names.get(raw) or self.file_names.get(decoded) or decoded
        if not label.strip():
            raise CaseError(path, f"empty label {raw!r} in the mask name", code="BAD_NAME")
        return label

    def _layers(
        self, mask: NDArray[np.generic], path: Path, case_id: str, issues: list[CaseError]
    ) -> list[Layer]:
        mode = self.src.mask_mode
        if mode == "binary":
            return [Layer(label=str(self.src.label), mask=_binarize(mask, self.src.threshold))]
        if mode == "per_target":
            pattern = self.src.target_pattern.replace("{stem}", re.escape(case_id))
            m = re.match(pattern, _stem(path))
            if m is None:  # filtered in case_refs; defensive
                raise CaseError(path, "mask name does not match target_pattern", code="BAD_NAME")
            label = self._label(m.group("label"), path)
            instance = int(m.group("instance")) if "instance" in m.groupdict() else 0
            return [Layer(label=label, mask=_binarize(mask, self.src.threshold), instance=instance)]
        ids = as_label_array(mask, str(path))
        values = [int(v) for v in np.unique(ids) if v != 0]
        cap = self.cfg.regions.max_instances
        if len(values) > cap:  # each value becomes a full-size mask: refuse before making them
            what, code = (("instance ids", "TOO_MANY_INSTANCES") if mode == "instance_map" else
                          ("label ids", "TOO_MANY_LABELS"))
            raise CaseError(path, f"mask holds {len(values)} {what} and regions.max_instances is "
                            f"{cap}; each is a full-size mask, so the case is refused (raise "
                            "regions.max_instances if the ids are right)", code=code)
        if mode == "instance_map":
            return [Layer(label=str(self.src.label), mask=ids == v, instance=v) for v in values]
        return label_map_layers(ids, self.names, str(path), issues)


def _binarize(mask: NDArray[np.generic], threshold: float | None) -> NDArray[np.bool_]:
    if threshold is None:
        top = float(mask.max()) if mask.size else 0.0
        threshold = 0.5 if top <= 1 else 127.0 if mask.dtype == np.uint8 else top / 2
    return np.asarray(np.asarray(mask, dtype=np.float64) > threshold)


def label_map_layers(
    ids: NDArray[np.int64], names: dict[int, str] | None, path: str, issues: list[CaseError]
) -> list[Layer]:
    """One layer per label id present; ids missing from ``names`` are reported, not guessed."""
    layers = []
    values = [int(v) for v in np.unique(ids) if v != 0]
    unknown = [v for v in values if names is not None and v not in names]
    if unknown:
        hint = " (lossy JPEG masks: use mask_mode: binary)" if len(unknown) > 3 else ""
        issues.append(
            CaseError(
                path,
                f"unknown label id(s) {', '.join(map(str, unknown[:10]))}"
                f"{' ...' if len(unknown) > 10 else ''} not in label_names; skipped{hint}",
                code="UNKNOWN_LABEL_ID",
            )
        )
    for v in values:
        if v in unknown:
            continue
        name = names[v] if names is not None else f"label_{v}"
        layers.append(Layer(label=name, mask=ids == v))
    return layers
