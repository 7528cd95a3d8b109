"""A deterministic, TotalSegmentator-sized synthetic CT for speed and memory benchmarks.

``big_ct`` draws a body (an elliptical cylinder of soft tissue under a fat layer, in air) and
``n_labels`` labelled structures inside it: ellipsoids of log-normally spread sizes (a tenth of
them thin plates), curved tubes (torus arcs, which fall apart into several pieces on a slice,
as vessels do) and a few nested findings (``lesion_*``, one to three blobs painted strictly
inside a parent organ's voxels). Intensities are HU-like per structure kind, with noise. Sizes
are scaled until the labelled share of the volume is ``foreground`` (within about 1 %).

It is built for speed, not realism: every shape is evaluated only inside its own bounding box,
and the image is composed one slab of slices at a time so that generation stays near the bytes
of the result. ``write_big_ct`` writes an MSD folder (``imagesTr``, ``labelsTr``,
``dataset.json``) that ``medground build`` reads with :func:`big_ct_config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from medground.config import BuildConfig, parse_config
from medground.demo.phantom import nifti_gz_bytes, write_dataset_json

#: gzip level of the written volumes: 1 keeps writing 80 M voxels quick, and reading speed
#: barely depends on the level
FAST = 1

Shape3 = tuple[int, int, int]
Spacing3 = tuple[float, float, float]
FloatArray = NDArray[np.float64]

AIR, FAT, BODY = -1000, -100, 10
#: structures whose name takes the patient's side when they lie off the midline
PAIRED: Final = ("kidney", "lung", "muscle", "gland", "rib", "femur", "hip", "lobe",
                 "iliopsoas", "gluteus")
SINGLE: Final = ("liver", "spleen", "pancreas", "stomach", "bladder", "heart", "prostate",
                 "colon", "duodenum", "esophagus", "thyroid", "gallbladder", "uterus", "trachea",
                 "sacrum", "sternum", "vertebra")
TUBES: Final = ("vessel", "artery", "vein", "duct")
BONES: Final = frozenset({"rib", "femur", "hip", "sacrum", "sternum", "vertebra"})
_SLAB: Final = 32  # slices composed at a time: bounds the float work of the image


@dataclass(frozen=True)
class Shape:
    """One painted shape, in mm from the corner voxel's centre. ``radii`` are the ellipsoid
    semi-axes along the columns of ``rotation``; for a tube (``arc`` > 0) ``radii`` is (major
    radius, tube radius, unused) and the arc lies in the plane of the first two columns."""

    label: int
    centre: FloatArray
    radii: FloatArray
    rotation: FloatArray
    arc: float = 0.0
    parent: int = 0  # painted only over this label's voxels (a nested finding)


def big_ct(
    shape: Shape3 = (512, 512, 300),
    n_labels: int = 100,
    foreground: float = 0.11,
    seed: int = 0,
    spacing: Spacing3 = (0.8, 0.8, 1.5),
) -> tuple[NDArray[np.int16], NDArray[np.uint8], FloatArray]:
    """(image in HU, label map with ids 1..n_labels, RAS affine centred on the volume)."""
    image, labels, affine, _ = _generate(shape, n_labels, foreground, seed, spacing)
    return image, labels, affine


def label_names(n_labels: int = 100) -> dict[int, str]:
    """Anatomy-like names, fixed by the label id alone (so every volume of a folder shares one
    dataset.json): the ellipsoids organs, every third one a paired organ with the patient's side
    (the generator puts it on that side), then the tubes vessels, the nested findings lesions."""
    n_blob, n_tube, _ = _counts(n_labels)
    names: dict[int, str] = {}
    for v in range(1, n_labels + 1):
        if v > n_blob + n_tube:
            names[v] = f"lesion_{v}"
        elif v > n_blob:
            names[v] = f"{TUBES[v % len(TUBES)]}_{v}"
        elif _side(v):
            names[v] = f"{PAIRED[v % len(PAIRED)]}_{_side(v)}_{v}"
        else:
            names[v] = f"{SINGLE[v % len(SINGLE)]}_{v}"
    return names


def _counts(n_labels: int) -> tuple[int, int, int]:
    """(ellipsoids, tubes, nested findings) among ``n_labels``."""
    n_child = max(1, n_labels // 16) if n_labels >= 3 else 0
    n_tube = max(1, n_labels // 10) if n_labels >= 2 else 0
    return n_labels - n_child - n_tube, n_tube, n_child


def _side(label: int) -> str:
    """The patient side in the name of ellipsoid ``label``, or "" for an unpaired one."""
    return "" if label % 3 else ("left" if label % 2 else "right")


def _generate(
    shape: Shape3, n_labels: int, foreground: float, seed: int, spacing: Spacing3
) -> tuple[NDArray[np.int16], NDArray[np.uint8], FloatArray, dict[int, str]]:
    if not 1 <= n_labels <= 255:
        raise ValueError(f"n_labels must be 1..255 (uint8 labels), got {n_labels}")
    if not 0.0 < foreground < 0.3:
        raise ValueError(f"foreground must be in (0, 0.3), got {foreground}")
    rng = np.random.default_rng(seed)
    shapes = _layout(rng, shape, spacing, n_labels, foreground)
    body = _body_section(shape)
    labels = np.zeros(shape, dtype=np.uint8)
    scale, target = 1.0, foreground * labels.size
    for _ in range(6):  # overlaps and the body's edge eat some volume: grow until it fits
        labels[...] = 0
        for s in shapes:
            _paint(labels, s, scale, spacing, body)
        share = np.count_nonzero(labels) / target
        if abs(share - 1.0) < 0.01:
            break
        scale *= share ** (-1.0 / 3.0)
    names = label_names(n_labels)
    image = _compose(rng, labels, body, _intensities(rng, names))
    return image, labels, _affine(shape, spacing), names


def _layout(rng: np.random.Generator, shape: Shape3, spacing: Spacing3, n_labels: int,
            foreground: float) -> list[Shape]:
    """Where every structure goes, before scaling: ellipsoids, then tubes, then nested
    findings (painted in that order, larger ellipsoids first, so small ones stay visible)."""
    extent = np.asarray(shape, dtype=np.float64) * np.asarray(spacing)
    semi = _body_semi_axes(extent)
    n_blob, n_tube, n_child = _counts(n_labels)
    budget = foreground * float(np.prod(extent))  # mm^3 of foreground
    tube_r = max(1.6 * max(spacing), 0.006 * float(extent.max()))
    majors = rng.uniform(0.25, 0.6, n_tube) * float(semi.min())
    arcs = rng.uniform(0.6 * np.pi, 1.7 * np.pi, n_tube)
    tube_volume = float((np.pi * tube_r**2 * majors * arcs).sum())
    weights = np.sort(rng.lognormal(0.0, 1.0, n_blob))[::-1]
    volumes = weights / weights.sum() * max(budget - tube_volume, 0.5 * budget)
    shapes: list[Shape] = []
    for i, vol in enumerate(volumes):
        r_eq = (3.0 * vol / (4.0 * np.pi)) ** (1.0 / 3.0)
        aspect = rng.uniform(0.6, 1.6, 3)
        if rng.random() < 0.1:  # a thin plate (a muscle sheet, a diaphragm-like band)
            aspect[2] = rng.uniform(0.12, 0.2)
        radii = r_eq * aspect / np.prod(aspect) ** (1.0 / 3.0)
        centre = _inside(rng, extent, semi, float(radii.max()))
        side = _side(i + 1)
        if side:  # RAS: a larger axis-0 coordinate is further to the patient's Right
            off = max(abs(centre[0] - extent[0] / 2), 0.1 * semi[0])
            centre[0] = extent[0] / 2 + (off if side == "right" else -off)
        shapes.append(Shape(i + 1, centre, radii, _rotation(rng)))
    for j in range(n_tube):
        reach = float(majors[j]) + tube_r
        shapes.append(Shape(n_blob + j + 1, _inside(rng, extent, semi, reach),
                            np.array([majors[j], tube_r, tube_r]), _rotation(rng),
                            arc=float(arcs[j])))
    parents = shapes[: max(1, min(n_blob, 12))]  # the largest organs hold the findings
    for k in range(n_child):
        for _ in range(int(rng.integers(1, 4))):  # one to three blobs of the same finding
            parent = parents[int(rng.integers(len(parents)))]
            offset = parent.rotation @ (parent.radii * _in_ball(rng, 0.45))
            radii = parent.radii.min() * rng.uniform(0.15, 0.3) * rng.uniform(0.8, 1.25, 3)
            shapes.append(Shape(n_blob + n_tube + k + 1, parent.centre + offset, radii,
                                _rotation(rng), parent=parent.label))
    return shapes


def _paint(labels: NDArray[np.uint8], s: Shape, scale: float, spacing: Spacing3,
           body: NDArray[np.bool_]) -> None:
    """Write ``s.label`` into the voxels of the shape (grown by ``scale``), box by box."""
    radii = s.radii * scale
    if s.arc:  # the tube's reach: the circle in its plane plus the tube radius off it
        reach = radii[0] + radii[1]
        half = np.sqrt(reach**2 * (s.rotation[:, 0] ** 2 + s.rotation[:, 1] ** 2)
                       + radii[1] ** 2 * s.rotation[:, 2] ** 2)
    else:
        half = np.sqrt(((s.rotation * radii) ** 2).sum(axis=1))
    step, centre = np.asarray(spacing), s.centre
    lo = np.maximum(np.floor((centre - half) / step).astype(int), 0)
    hi = np.minimum(np.ceil((centre + half) / step).astype(int) + 1, labels.shape)
    if np.any(hi <= lo):
        return
    axes = [((np.arange(lo[d], hi[d]) * step[d] - centre[d]).astype(np.float32))
            for d in range(3)]
    dx, dy, dz = axes[0][:, None, None], axes[1][None, :, None], axes[2][None, None, :]
    rot = [[np.float32(r) for r in row] for row in s.rotation]  # keep the box in float32
    local = [rot[0][k] * dx + rot[1][k] * dy + rot[2][k] * dz for k in range(3)]
    if s.arc:
        rho = np.sqrt(local[0] ** 2 + local[1] ** 2)
        angle = np.mod(np.arctan2(local[1], local[0]), 2 * np.pi)
        inside = ((rho - radii[0]) ** 2 + local[2] ** 2 <= radii[1] ** 2) & (angle <= s.arc)
    else:
        inside = sum((local[k] / np.float32(radii[k])) ** 2 for k in range(3)) <= 1.0
    box = labels[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
    inside &= body[lo[0]:hi[0], lo[1]:hi[1], None]
    if s.parent:
        inside &= box == s.parent
    box[inside] = s.label


def _compose(rng: np.random.Generator, labels: NDArray[np.uint8], body: NDArray[np.bool_],
             hu: NDArray[np.int16]) -> NDArray[np.int16]:
    """The image, a slab of slices at a time: air, fat rim, soft tissue, each structure's HU,
    plus noise (the sum of two uniform draws: about 13 HU, cheap to draw)."""
    shape = labels.shape
    rim = _body_section(shape, inner=True)
    base = np.where(body, np.where(rim, BODY, FAT), AIR).astype(np.int16)
    image = np.empty(shape, dtype=np.int16)
    for z0 in range(0, shape[2], _SLAB):
        lab = labels[:, :, z0:z0 + _SLAB]
        n = lab.size
        noise = (np.frombuffer(rng.bytes(n), np.int8) >> 3).astype(np.int16)
        noise += np.frombuffer(rng.bytes(n), np.int8) >> 3
        slab = np.where(lab > 0, hu[lab], base[:, :, None])
        slab += noise.reshape(lab.shape) * body[:, :, None]
        image[:, :, z0:z0 + _SLAB] = slab
    return image


def _intensities(rng: np.random.Generator, names: dict[int, str]) -> NDArray[np.int16]:
    """Mean HU per label id: bone bright, contrast-filled tubes bright, findings darker than
    organs, organs spread over soft-tissue values."""
    hu = np.zeros(256, dtype=np.int16)
    for v, name in names.items():
        word = name.split("_")[0]
        if word in BONES:
            hu[v] = rng.integers(350, 900)
        elif word in TUBES:
            hu[v] = rng.integers(150, 300)
        elif word == "lesion":
            hu[v] = rng.integers(-5, 25)
        else:
            hu[v] = rng.integers(30, 90)
    return hu


def _body_semi_axes(extent: FloatArray) -> FloatArray:
    return np.array([0.42 * extent[0], 0.32 * extent[1]])


def _body_section(shape: tuple[int, ...], inner: bool = False) -> NDArray[np.bool_]:
    """The body's axial cross-section (the same on every slice), or the part of it inside the
    fat rim; in voxel units, so it holds for any isotropic scaling of the grid."""
    x = (np.arange(shape[0]) + 0.5) / shape[0] - 0.5
    y = (np.arange(shape[1]) + 0.5) / shape[1] - 0.52
    a, b = (0.42, 0.32) if not inner else (0.42 * 0.92, 0.32 * 0.9)
    out: NDArray[np.bool_] = (x[:, None] / a) ** 2 + (y[None, :] / b) ** 2 <= 1.0
    return out


def _inside(rng: np.random.Generator, extent: FloatArray, semi: FloatArray,
            reach: float) -> FloatArray:
    """A centre (mm) inside the body, as far from its outline and the ends as ``reach`` allows."""
    room = np.clip(1.0 - reach / semi, 0.15, 1.0)
    u = _in_disc(rng) * room
    z_room = max(extent[2] / 2 - reach, 0.15 * extent[2])
    return np.array([extent[0] / 2 + u[0] * semi[0], extent[1] * 0.52 + u[1] * semi[1],
                     extent[2] / 2 + rng.uniform(-1, 1) * z_room])


def _in_disc(rng: np.random.Generator) -> FloatArray:
    r, t = np.sqrt(rng.random()), rng.uniform(0, 2 * np.pi)
    return np.array([r * np.cos(t), r * np.sin(t)])


def _in_ball(rng: np.random.Generator, radius: float) -> FloatArray:
    v = rng.normal(size=3)
    return np.asarray(v / np.linalg.norm(v) * radius * rng.random() ** (1 / 3), dtype=np.float64)


def _rotation(rng: np.random.Generator) -> FloatArray:
    """A uniformly random rotation matrix (from a normalised quaternion)."""
    q = rng.normal(size=4)
    w, x, y, z = (float(c) for c in q / np.linalg.norm(q))
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def _affine(shape: Shape3, spacing: Spacing3) -> FloatArray:
    """RAS+ voxel-to-world with the volume's centre at the world origin."""
    affine = np.diag([*spacing, 1.0])
    affine[:3, 3] = -(np.asarray(shape) - 1) / 2.0 * np.asarray(spacing)
    return affine


def write_big_ct(
    root: Path,
    n_volumes: int = 1,
    shape: Shape3 = (512, 512, 300),
    n_labels: int = 100,
    foreground: float = 0.11,
    seed: int = 0,
    spacing: Spacing3 = (0.8, 0.8, 1.5),
) -> Path:
    """Write an MSD folder of ``n_volumes`` big CTs (volume ``i`` from seed ``seed + i``; the
    label names depend on the id alone, so all share one dataset.json). Returns ``root``."""
    root = Path(root)
    (root / "imagesTr").mkdir(parents=True, exist_ok=True)
    (root / "labelsTr").mkdir(parents=True, exist_ok=True)
    names = label_names(n_labels)
    training = []
    for i in range(n_volumes):
        image, labels, affine, _ = _generate(shape, n_labels, foreground, seed + i, spacing)
        name = f"bigct_{i:03d}.nii.gz"
        (root / "imagesTr" / name).write_bytes(nifti_gz_bytes(image, affine, FAST))
        (root / "labelsTr" / name).write_bytes(nifti_gz_bytes(labels, affine, FAST))
        training.append({"image": f"./imagesTr/{name}", "label": f"./labelsTr/{name}"})
    write_dataset_json(root, {
        "name": "medground-big-ct",
        "description": "Synthetic TotalSegmentator-sized CTs for benchmarks "
        "(medground.testing.big_ct)",
    }, names, training)
    return root


def big_ct_config(root: Path, planes: tuple[str, ...] = ("axial", "coronal")) -> BuildConfig:
    """The issue's build config for a ``write_big_ct`` folder: the given planes, defaults
    otherwise."""
    root = Path(root).absolute()
    raw = {
        "name": "medground-big-ct",
        "source": {"type": "nifti", "root": str(root), "dataset_json": "dataset.json"},
        "slicing": {"planes": list(planes)},
    }
    return parse_config(raw, base_dir=root)
