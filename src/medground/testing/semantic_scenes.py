"""Generated data sets with known truth for every way a target can mean something else than its
query says (issue 9): 3D structures that fragment on a slice, thin trees, parent/child masks,
duplicate labels, crops without a midline, volumes without orientation, brightfield tissue, and
a per-target folder whose file names carry modality and target.

Each writer puts files under a folder, returns the build config (a dict for ``parse_config``)
and a :class:`Truth` worked out from what it drew, never from medground's code. Nothing here is
imported by the runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from medground.testing.tiles import he_tile

ViewKey = tuple[str, str, int | None]  # (case, plane, slice)


@dataclass
class Truth:
    """What is true of a generated set; a view key's counts are per structure noun."""

    counts: dict[ViewKey, dict[str, int]] = field(default_factory=dict)
    #: per case, the noun -> count to use when a view is not listed (2D images)
    case_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    side: dict[str, str] = field(default_factory=dict)  # label -> the patient's side it lies on
    no_patient_side: set[str] = field(default_factory=set)  # cases: no evidence for a side
    no_patient_frame: set[str] = field(default_factory=set)  # cases: no orientation at all
    forbidden_targets: set[str] = field(default_factory=set)  # parents, conflicting labels
    modality: dict[str, str] = field(default_factory=dict)  # case -> canonical modality
    expected_errors: dict[str, str] = field(default_factory=dict)  # case -> error code

    def count(self, case: str, plane: str, slice_: int | None, noun: str) -> int | None:
        per_view = self.counts.get((case, plane, slice_))
        if per_view is not None and noun in per_view:
            return per_view[noun]
        return self.case_counts.get(case, {}).get(noun)


@dataclass
class SceneSet:
    name: str
    config: dict[str, Any]
    truth: Truth


def _nifti(path: Path, data: NDArray[Any], affine: NDArray[np.float64],
           oriented: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    img = nib.Nifti1Image(data, affine)
    if not oriented:
        img.set_sform(affine, code=0)
        img.set_qform(affine, code=0)
    nib.save(img, str(path))


def _body(shape: tuple[int, int, int], rx: float, ry: float) -> NDArray[np.bool_]:
    """An elliptic cylinder along k centred in the (i, j) plane: the body in air."""
    ii, jj = np.mgrid[: shape[0], : shape[1]]
    cx, cy = (shape[0] - 1) / 2, (shape[1] - 1) / 2
    return np.repeat((((ii - cx) / rx) ** 2 + ((jj - cy) / ry) ** 2 <= 1)[:, :, None],
                     shape[2], axis=2)


def _ct(label: NDArray[np.uint8], body: NDArray[np.bool_], hu: dict[int, float],
        seed: int) -> NDArray[np.int16]:
    image = np.where(body, 40.0, -1000.0)
    for v, value in hu.items():
        image[label == v] = value
    image += np.random.default_rng(seed).normal(0, 4, label.shape)
    return image.astype(np.int16)


def _axial_counts(case: str, masks: dict[str, list[NDArray[np.bool_]]]) -> dict[ViewKey, dict[str, int]]:
    """Per axial slice k, how many of each noun's 3D structures the slice cuts."""
    n_k = next(iter(masks.values()))[0].shape[2]
    return {(case, "axial", k): {noun: sum(bool(m[:, :, k].any()) for m in ms)
                                 for noun, ms in masks.items()}
            for k in range(n_k)}


def fragments(root: Path) -> list[SceneSet]:
    """CT volumes: a U-shaped lesion (two fragments on most slices) and a cylinder lesion in a
    liver, and a U-shaped edema (one diffuse structure in two pieces) on the other side."""
    shape, liver_v, lesion_v, edema_v = (80, 80, 24), 1, 2, 3
    truth = Truth()
    pairs = []
    for case, seed in (("frag1", 1), ("frag2", 2)):
        body = _body(shape, 36, 30)
        label = np.zeros(shape, np.uint8)
        label[10:38, 20:60, :] = liver_v
        u = np.zeros(shape, bool)
        u[14:18, 28:34, 2:20] = True
        u[26:30, 28:34, 2:20] = True
        u[14:30, 28:34, 2:5] = True
        ii, jj = np.mgrid[: shape[0], : shape[1]]
        cyl = np.repeat((((ii - 24) ** 2 + (jj - 48 - seed) ** 2) <= 16)[:, :, None], shape[2], 2)
        cyl[:, :, :6] = False
        cyl[:, :, 18:] = False
        edema = np.zeros(shape, bool)
        edema[50:54, 30:50, 3:21] = True
        edema[62:66, 30:50, 3:21] = True
        edema[50:66, 30:50, 3:6] = True
        label[u] = lesion_v
        label[cyl] = lesion_v
        label[edema] = edema_v
        image = _ct(label, body, {liver_v: 60, lesion_v: 120, edema_v: 10}, seed)
        affine = np.diag([1.0, 1.0, 2.0, 1.0])
        _nifti(root / "imagesTr" / f"{case}_0000.nii.gz", image, affine)
        _nifti(root / "labelsTr" / f"{case}.nii.gz", label, affine)
        pairs.append(case)
        truth.counts.update(_axial_counts(case, {"lesion": [u, cyl], "edema": [edema]}))
        truth.modality[case] = "CT"
    config = {"name": "fragments", "source": {
        "type": "nifti", "root": str(root), "images": "imagesTr/*.nii.gz",
        "labels": "labelsTr/{case}.nii.gz", "modality": "CT",
        "label_names": {liver_v: "liver", lesion_v: "lesion", edema_v: "edema"}},
        "slicing": {"mode": "every_k", "every_k": 2, "min_area_px": 10}}
    return [SceneSet("fragments", config, truth)]


def _tree_mask(h: int, w: int, seed: int) -> NDArray[np.bool_]:
    """A branching vessel tree, 2-3 px wide, from the optic disc outwards, in pieces."""
    rng = np.random.default_rng(seed)
    mask = np.zeros((h, w), bool)
    yy, xx = np.mgrid[:h, :w]

    def branch(y: float, x: float, angle: float, length: float, width: float, depth: int) -> None:
        for t in np.linspace(0, length, int(length)):
            cy, cx = y + t * np.sin(angle), x + t * np.cos(angle)
            mask[(yy - cy) ** 2 + (xx - cx) ** 2 <= width ** 2] = True
        if depth > 0:
            ey, ex = y + length * np.sin(angle), x + length * np.cos(angle)
            for turn in (-0.5, 0.5):
                branch(ey, ex, angle + turn + rng.uniform(-0.1, 0.1), length * 0.7,
                       max(1.0, width * 0.8), depth - 1)

    for angle in (-1.2, 1.2, np.pi - 1.2, np.pi + 1.2):
        branch(h / 2, w / 2, angle, 40, 1.6, 2)
    # tracings stop at the optic disc and break where thin vessels fade: the one tree shows as
    # several pieces, as in real fundus annotations
    mask[(yy - h / 2) ** 2 + (xx - w / 2) ** 2 <= 12 ** 2] = False
    for _ in range(6):
        y, x = rng.integers(0, h), rng.integers(0, w)
        mask[max(0, y - 3): y + 3, max(0, x - 3): x + 3] = False
    return mask


def thin_trees(root: Path) -> list[SceneSet]:
    """Fundus-like RGB photographs with one vessel tree each, as binary masks under an anatomy
    name and under a name medground does not know."""
    truth = Truth()
    sets = []
    for label in ("retinal_vessel", "structure"):
        folder = root / label
        (folder / "images").mkdir(parents=True)
        (folder / "masks").mkdir()
        for n in range(3):
            h, w = 200, 240
            tree = _tree_mask(h, w, n)
            yy, xx = np.mgrid[:h, :w]
            fundus = ((yy - h / 2) / 95) ** 2 + ((xx - w / 2) / 115) ** 2 <= 1
            rgb = np.zeros((h, w, 3), np.float64)
            rgb[fundus] = (200, 90, 40)
            rgb[tree & fundus] = (120, 30, 20)
            rgb += np.random.default_rng(n).normal(0, 4, rgb.shape)
            case = f"{label}_{n}"
            Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(folder / "images" / f"{case}.png")
            Image.fromarray(((tree & fundus) * 255).astype(np.uint8)).save(folder / "masks" / f"{case}.png")
            truth.case_counts[case] = {"vessel": 1, "structure": 1}
            truth.modality[case] = "fundus"
        sets.append({"type": "folder2d", "root": str(folder), "images": "images/*.png",
                     "masks": "masks/{stem}.png", "mask_mode": "binary", "label": label,
                     "modality": "fundus"})
    return [SceneSet(f"thin_trees/{src['label']}", {"name": f"trees_{src['label']}", "source": src},
                     truth) for src in sets]


def _disc(h: int, w: int, cy: float, cx: float, r: float) -> NDArray[np.bool_]:
    yy, xx = np.mgrid[:h, :w]
    disc: NDArray[np.bool_] = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    return disc


def hierarchy(root: Path) -> list[SceneSet]:
    """Per-target masks with parents (kidney = left + right kidney, adrenal gland likewise) and
    two labels with one mask (lung and covid infection)."""
    truth = Truth(forbidden_targets={"kidney", "adrenal_gland", "lung", "covid_infection"})
    (root / "masks").mkdir(parents=True)
    h, w = 140, 180
    for n in range(3):
        right, left = _disc(h, w, 80, 45 + n, 16), _disc(h, w, 80, 135 - n, 15)
        ad_r, ad_l = _disc(h, w, 50, 50, 5), _disc(h, w, 50, 130, 6)
        lung = _disc(h, w, 20, 90, 12)
        spleen = _disc(h, w, 118, 90, 9)
        img = np.full((h, w), 30.0)
        for m, v in ((right, 140), (left, 150), (ad_r, 100), (ad_l, 105), (lung, 200),
                     (spleen, 115)):
            img[m] = v
        img += np.random.default_rng(n).normal(0, 3, (h, w))
        case = f"img{n}"
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(root / f"{case}.png")
        for name, m in (("kidney", left | right), ("kidney_left", left), ("kidney_right", right),
                        ("adrenal_gland", ad_l | ad_r), ("adrenal_gland_left", ad_l),
                        ("adrenal_gland_right", ad_r), ("lung", lung), ("covid_infection", lung),
                        ("spleen", spleen)):
            Image.fromarray((m * 255).astype(np.uint8)).save(root / "masks" / f"{case}_{name}_000.png")
        truth.case_counts[case] = {"kidney": 2, "adrenal gland": 2, "spleen": 1}
        truth.modality[case] = "CT"
    config = {"name": "hierarchy", "source": {
        "type": "folder2d", "root": str(root), "images": "*.png", "masks": "masks/{stem}_*.png",
        "mask_mode": "per_target", "modality": "CT"}}
    return [SceneSet("hierarchy", config, truth)]


def _sided_volume(shape: tuple[int, int, int], seed: int
                  ) -> tuple[NDArray[np.int16], NDArray[np.uint8]]:
    """A body with a cyst at large i and a nodule at small i (the affine of :func:`sides` makes
    i run toward the patient's left)."""
    body = _body(shape, shape[0] * 0.42, shape[1] * 0.36)
    label = np.zeros(shape, np.uint8)
    ii, jj = np.mgrid[: shape[0], : shape[1]]
    c = shape[0] / 2
    cyst = (ii - (c + shape[0] * 0.22)) ** 2 + (jj - shape[1] / 2) ** 2 <= 25
    nodule = (ii - (c - shape[0] * 0.2)) ** 2 + (jj - shape[1] / 2 - 4) ** 2 <= 16
    label[:, :, 4:-4][cyst] = 1
    label[:, :, 4:-4][nodule] = 2
    return _ct(label, body, {1: 0, 2: 110}, seed), label


def sides(root: Path) -> list[SceneSet]:
    """Full field-of-view volumes (sides are measurable) with one structure on each side, one
    cropped to a 30 mm strip of one side (no midline in view) and one without orientation."""
    truth = Truth(side={"cyst": "left", "nodule": "right"})
    shape = (96, 80, 16)
    affine = np.diag([-1.0, -1.0, 2.0, 1.0])  # LPS voxels: i toward the patient's left
    affine[:3, 3] = (95.0, 79.0, 0.0)
    pairs = []
    for case, seed in (("full1", 1), ("full2", 2)):
        image, label = _sided_volume(shape, seed)
        _nifti(root / f"{case}_img.nii.gz", image, affine)
        _nifti(root / f"{case}_seg.nii.gz", label, affine)
        pairs.append({"image": f"{case}_img.nii.gz", "label": f"{case}_seg.nii.gz", "case": case})
    image, label = _sided_volume(shape, 3)
    strip = slice(62, 92)  # 30 mm of the patient's left half: no midline in view
    _nifti(root / "crop_img.nii.gz", np.ascontiguousarray(image[strip]), affine)
    _nifti(root / "crop_seg.nii.gz", np.ascontiguousarray(label[strip]), affine)
    pairs.append({"image": "crop_img.nii.gz", "label": "crop_seg.nii.gz", "case": "crop"})
    truth.no_patient_side.add("crop")
    image, label = _sided_volume(shape, 4)
    _nifti(root / "noorient_img.nii.gz", image, affine, oriented=False)
    _nifti(root / "noorient_seg.nii.gz", label, affine, oriented=False)
    pairs.append({"image": "noorient_img.nii.gz", "label": "noorient_seg.nii.gz",
                  "case": "noorient"})
    truth.no_patient_side.add("noorient")
    truth.no_patient_frame.add("noorient")
    truth.expected_errors["noorient"] = "NO_ORIENTATION"
    for p in pairs:
        truth.modality[str(p["case"])] = "CT"
    config = {"name": "sides", "source": {
        "type": "nifti", "root": str(root), "pairs": pairs, "modality": "CT",
        "label_names": {1: "cyst", 2: "nodule"}},
        "slicing": {"mode": "every_k", "every_k": 3, "planes": ["axial", "coronal"]}}
    return [SceneSet("sides", config, truth)]


def brightfield(root: Path) -> list[SceneSet]:
    """H&E-like tiles with per-nucleus instance maps, declared as histopathology."""
    truth = Truth()
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for n in range(4):
        rgb, instances = he_tile(seed=n, n_nuclei=3 + n)
        case = f"tile{n}"
        Image.fromarray(rgb).save(root / "images" / f"{case}.png")
        Image.fromarray(instances).save(root / "masks" / f"{case}.png")
        truth.case_counts[case] = {"nucleus": int(instances.max())}
        truth.modality[case] = "histopathology"
    config = {"name": "brightfield", "source": {
        "type": "folder2d", "root": str(root), "images": "images/*.png", "masks": "masks/{stem}.png",
        "mask_mode": "instance_map", "label": "nucleus", "modality": "histopathology"}}
    return [SceneSet("brightfield", config, truth)]


def modality_folder(root: Path) -> list[SceneSet]:
    """A per-target folder whose mask names carry modality, site and target
    (``NN_<modality>_<site>_<target>.png``), with URL-style ``+`` for spaces in target names."""
    truth = Truth()
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    h, w = 120, 160
    scenes = [("CT", "abdomen", {"left+kidney": (70, 120, 14), "right+kidney": (70, 40, 14),
                                 "liver": (30, 45, 18)}, "CT"),
              ("MRI-FLAIR", "brain", {"lesion": (50, 70, 9)}, "MR"),
              ("X-Ray", "chest", {"heart": (70, 85, 25)}, "X-ray")]
    for n in range(6):
        raw, site, targets, code = scenes[n % 3]
        img = np.full((h, w), 25.0)
        for i, (cy, cx, r) in enumerate(targets.values()):
            img[_disc(h, w, cy, cx, r)] = 120 + 30 * i
        img += np.random.default_rng(n).normal(0, 3, (h, w))
        case = f"{n:02d}"
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(root / "images" / f"{case}.png")
        for name, (cy, cx, r) in targets.items():
            mask = (_disc(h, w, cy, cx, r) * 255).astype(np.uint8)
            Image.fromarray(mask).save(root / "masks" / f"{case}_{raw}_{site}_{name}.png")
        truth.modality[case] = code
        truth.case_counts[case] = {"kidney": 2} if code == "CT" else {}
    config = {"name": "modality_folder", "source": {
        "type": "folder2d", "root": str(root), "images": "images/*.png",
        "masks": "masks/{stem}_*.png", "mask_mode": "per_target",
        "target_pattern": "^{stem}_(?P<modality>[^_]+)_(?:[^_]+)_(?P<label>.+)$"}}
    return [SceneSet("modality_folder", config, truth)]


ALL: tuple[Callable[[Path], list[SceneSet]], ...] = (fragments, thin_trees, hierarchy, sides,
                                                     brightfield, modality_folder)
