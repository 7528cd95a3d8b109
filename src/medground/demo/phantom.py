"""A deterministic synthetic abdominal CT phantom with a real voxel-to-world affine.

The anatomy is built in canonical RAS+ voxel space (axis 0 towards the patient's Right,
axis 1 Anterior, axis 2 Superior; world origin near the centre of the volume) and then
reoriented to any requested axcodes with the affine adjusted so world coordinates stay
the same. Labels use TotalSegmentator names (plus liver lesions and a left renal cyst);
where structures touch, the later-painted label wins. ``write_phantom_dataset`` writes an
MSD / nnU-Net style folder of such cases with byte-reproducible ``.nii.gz`` files; it is
the data behind ``medground demo``.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import nibabel
import numpy as np
from nibabel import orientations
from numpy.typing import NDArray
from scipy import ndimage

# nibabel ships py.typed but leaves these functions unannotated; call them through Any so
# strict mypy (disallow untyped calls) is satisfied without per-line ignores
nib: Any = nibabel
ornt: Any = orientations

LABELS: Final[dict[int, str]] = {
    1: "liver",
    2: "spleen",
    3: "kidney_right",
    4: "kidney_left",
    5: "vertebra",
    6: "aorta",
    7: "lesion",
    8: "gallbladder",
    9: "pancreas",
    10: "stomach",
    11: "adrenal_gland_right",
    12: "adrenal_gland_left",
    13: "iliopsoas_right",
    14: "iliopsoas_left",
    15: "inferior_vena_cava",
    16: "kidney_cyst_left",
}
LIVER, SPLEEN, KIDNEY_R, KIDNEY_L, VERTEBRA, AORTA, LESION = range(1, 8)
GALLBLADDER, PANCREAS, STOMACH, ADRENAL_R, ADRENAL_L, ILIOPSOAS_R, ILIOPSOAS_L = range(8, 15)
IVC, KIDNEY_CYST_L = 15, 16

_AXIS_OF: Final = {"R": 0, "L": 0, "A": 1, "P": 1, "S": 2, "I": 2}

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Point = tuple[float, float, float]


@dataclass
class Phantom:
    """One synthetic CT case: HU image, label map and voxel->world (RAS+, mm) affine."""

    image: NDArray[np.int16]
    label: NDArray[np.uint8]
    affine: NDArray[np.float64]
    labels: dict[int, str]


def _check_axcodes(orientation: str) -> tuple[str, str, str]:
    codes = orientation.upper()
    if len(codes) != 3 or any(c not in _AXIS_OF for c in codes):
        raise ValueError(f"orientation must be 3 letters from R/L, A/P, S/I, got {orientation!r}")
    if sorted(_AXIS_OF[c] for c in codes) != [0, 1, 2]:
        raise ValueError(f"orientation {orientation!r} names the same axis twice")
    return codes[0], codes[1], codes[2]


class _Grid:
    """Open (broadcastable) world coordinate grids of the canonical RAS volume, in mm."""

    def __init__(self, shape: tuple[int, int, int], spacing: tuple[float, float, float]):
        self.shape = shape
        self.spacing = spacing
        self.origin = [-(n - 1) / 2.0 * s for n, s in zip(shape, spacing, strict=True)]
        nx, ny, nz = shape
        self.x = (self.origin[0] + np.arange(nx) * spacing[0]).reshape(nx, 1, 1)
        self.y = (self.origin[1] + np.arange(ny) * spacing[1]).reshape(1, ny, 1)
        self.z = (self.origin[2] + np.arange(nz) * spacing[2]).reshape(1, 1, nz)
        # half extents of the field of view and of the body outline
        self.hx, self.hy, self.hz = (n * s / 2.0 for n, s in zip(shape, spacing, strict=True))
        self.bx, self.by = 0.9 * self.hx, 0.82 * self.hy

    def at(self, fx: float, fy: float, fz: float) -> Point:
        """World point (mm) from fractions of the body half-widths (bx, by) and of hz."""
        return (fx * self.bx, fy * self.by, fz * self.hz)

    def affine(self) -> FloatArray:
        aff = np.diag([*self.spacing, 1.0]).astype(np.float64)
        aff[:3, 3] = self.origin
        return aff

    def blob(
        self,
        rng: np.random.Generator,
        centre: tuple[float, float, float],
        semi: tuple[float, float, float | None],
        irregularity: float = 0.08,
    ) -> BoolArray:
        """Ellipsoid (or, with ``semi[2] is None``, an S-I cylinder) with a smooth wobbly edge."""
        qx = (self.x - centre[0]) / semi[0]
        qy = (self.y - centre[1]) / semi[1]
        if semi[2] is None:
            r2 = qx**2 + qy**2
            qz = (self.z - centre[2]) / 80.0  # the outline drifts slowly along the cylinder
        else:
            qz = (self.z - centre[2]) / semi[2]
            r2 = qx**2 + qy**2 + qz**2
        wobble = _wobble(rng, (qx, qy, qz), irregularity)
        return np.asarray(r2 < (1.0 + wobble) ** 2, dtype=bool)

    def tube(
        self,
        rng: np.random.Generator,
        points: Sequence[Point],
        radii: Sequence[float],
        irregularity: float = 0.06,
        squash: Point = (1.0, 1.0, 1.0),
    ) -> BoolArray:
        """Chain of rounded cones through ``points`` (mm) with per-point ``radii`` (mm).

        Distances are measured in coordinates divided by ``squash``: a squash of 3 along S-I
        makes each segment a plate three times taller than it is thick.
        """
        p, r, s = (np.asarray(v, dtype=np.float64) for v in (points, radii, squash))
        reach = (1.0 + irregularity) * float(r.max()) * s
        lo = np.floor((p.min(axis=0) - reach - self.origin) / self.spacing).astype(int)
        hi = np.ceil((p.max(axis=0) + reach - self.origin) / self.spacing).astype(int) + 1
        box = tuple(slice(max(0, int(a)), max(0, int(b))) for a, b in zip(lo, hi, strict=True))
        x, y, z = self.x[box[0]], self.y[:, box[1]], self.z[:, :, box[2]]
        q = p / s
        ratio: FloatArray | float = np.inf
        for a, b, ra, rb in zip(q[:-1], q[1:], r[:-1], r[1:], strict=True):
            ab = b - a
            dx, dy, dz = x / s[0] - a[0], y / s[1] - a[1], z / s[2] - a[2]
            t = np.clip((dx * ab[0] + dy * ab[1] + dz * ab[2]) / float(ab @ ab), 0.0, 1.0)
            d = np.sqrt((dx - t * ab[0]) ** 2 + (dy - t * ab[1]) ** 2 + (dz - t * ab[2]) ** 2)
            ratio = np.minimum(ratio, d / (ra + t * (rb - ra)))
        scale = 2.0 * float(r.mean())
        wobble = _wobble(rng, (x / scale, y / scale, z / scale), irregularity)
        out = np.zeros(self.shape, dtype=bool)
        out[box] = np.less(ratio, 1.0 + wobble)
        return out


def _wobble(
    rng: np.random.Generator, q: Sequence[NDArray[np.floating[Any]]], irregularity: float
) -> FloatArray | float:
    """Smooth random edge modulation: a few plane waves in the normalised coordinates ``q``."""
    wobble: FloatArray | float = 0.0
    n_waves = 4
    for _ in range(n_waves):
        w = rng.normal(size=3)
        w *= rng.uniform(1.5, 4.0) / np.linalg.norm(w)
        amp = irregularity * rng.uniform(0.4, 1.0) / np.sqrt(n_waves)
        wobble = wobble + amp * np.sin(
            w[0] * q[0] + w[1] * q[1] + w[2] * q[2] + rng.uniform(0, 2 * np.pi)
        )
    return wobble


@dataclass
class _Canvas:
    """HU and label volumes being painted; later paints override earlier ones."""

    hu: FloatArray
    label: NDArray[np.uint8]
    cavity: BoolArray

    def paint(self, lid: int, mask: BoolArray, value: float) -> BoolArray:
        mask &= self.cavity
        self.label[mask] = lid
        self.hu[mask] = value
        return mask


def _paint_spheres(
    rng: np.random.Generator,
    g: _Grid,
    c: _Canvas,
    host: int,
    lid: int,
    radii: Sequence[float],
    *,
    margin: float,
    gap: float,
    hu: tuple[float, float],
) -> None:
    """Paint non-overlapping round ``lid`` spheres (radii in mm, largest first) inside ``host``.

    Centres are at least ``margin`` mm deeper than their radius and ``gap`` mm apart, so each
    sphere stays wrapped in ``host``; spheres that do not fit are skipped.
    """
    depth = ndimage.distance_transform_edt(c.label == host, sampling=g.spacing)
    placed: list[tuple[Point, float]] = []
    for r in radii:
        idx = np.nonzero(depth > r + margin)
        pts = np.stack([g.origin[a] + idx[a] * g.spacing[a] for a in range(3)], axis=1)
        ok = np.ones(len(pts), dtype=bool)
        for centre, rc in placed:
            ok &= np.linalg.norm(pts - np.asarray(centre), axis=1) > r + rc + gap
        if not ok.any():
            continue
        p = pts[np.flatnonzero(ok)[rng.integers(int(ok.sum()))]]
        placed.append(((float(p[0]), float(p[1]), float(p[2])), float(r)))
    for centre, r in placed:
        mask = g.blob(rng, centre, (r, r, r), 0.05) & (c.label == host)
        c.paint(lid, mask, float(rng.uniform(*hu)))


def _upper_abdomen(
    rng: np.random.Generator, g: _Grid, c: _Canvas, liver: tuple[Point, Point]
) -> None:
    """Gallbladder under the liver, pancreas across the aorta, stomach in the left upper
    quadrant (``liver`` is the liver's centre and semi-axes, mm)."""
    bx, by, hz, at = g.bx, g.by, g.hz, g.at
    # gallbladder: a pear whose fundus pokes out of the inferior-medial-anterior liver edge
    # and whose neck lies deep in the liver (gallbladder fossa)
    (lx, ly, lz), (sx, sy, sz) = liver
    u = (-0.3 + 0.06 * float(rng.uniform(-1, 1)), 0.5, -0.81)
    fundus = (lx + u[0] * sx, ly + u[1] * sy, lz + u[2] * sz)
    neck = (fundus[0] + 0.02 * bx, fundus[1] - 0.12 * by, fundus[2] + 0.3 * hz)
    c.paint(GALLBLADDER, g.tube(rng, (fundus, neck), (0.1 * bx, 0.05 * bx), 0.05), 10.0)
    # pancreas: head right of the midline, neck/body anterior to the aorta, tail at the spleen
    zp = 0.04 * float(rng.uniform(-1, 1))
    path = (
        at(0.15, 0.02, zp - 0.28),
        at(0.03, 0.1, zp - 0.21),
        at(-0.16, 0.07, zp - 0.14),
        at(-0.36, -0.1, zp - 0.02),
    )
    c.paint(PANCREAS, g.tube(rng, path, (0.085 * bx, 0.07 * bx, 0.07 * bx, 0.055 * bx), 0.1), 45.0)
    # stomach: J shape from the fundus (under the diaphragm) down to the pylorus; the label
    # covers wall and lumen; supine, so gas floats anteriorly over the fluid
    path = (
        at(-0.33, 0.05, 0.55),
        at(-0.36, 0.3, 0.22),
        at(-0.13, 0.42, -0.02),
        at(0.06, 0.36, -0.08),
    )
    stomach = g.tube(rng, path, (0.15 * bx, 0.15 * bx, 0.1 * bx, 0.065 * bx), 0.05)
    stomach = c.paint(STOMACH, stomach, 40.0)
    lumen = ndimage.binary_erosion(stomach)
    c.hu[lumen] = 15.0
    gas_share = float(rng.uniform(0.25, 0.45))
    if lumen.any():
        level = np.quantile(np.broadcast_to(g.y, g.shape)[lumen], 1.0 - gas_share)
        c.hu[lumen & (g.y > level)] = -900.0


def _retroperitoneum(
    rng: np.random.Generator, g: _Grid, c: _Canvas, kidneys: dict[int, Point]
) -> None:
    """Adrenal glands, iliopsoas muscles and the inferior vena cava."""
    bx, by, hz = g.bx, g.by, g.hz
    for lid, kidney, fy in ((ADRENAL_R, KIDNEY_R, 0.07), (ADRENAL_L, KIDNEY_L, 0.09)):
        # a thin inverted V (limbs pointing posteriorly) capping the upper pole, medially
        kx, ky, kz = kidneys[kidney]
        out = float(np.sign(kx))  # +1 lateral on the patient's right, -1 on the left
        cx, cy, cz = kx - out * 0.15 * bx, ky + fy * by, kz + 0.55 * hz
        path = (
            (cx - out * 0.05 * bx, cy - 0.07 * by, cz - 0.05 * hz),
            (cx, cy + 0.06 * by, cz),
            (cx + out * 0.06 * bx, cy - 0.06 * by, cz + 0.03 * hz),
        )
        gland = g.tube(rng, path, (0.028 * bx,) * 3, 0.1, squash=(1.0, 1.0, 3.5))
        c.paint(lid, gland, 35.0)
    for lid, side in ((ILIOPSOAS_R, 1.0), (ILIOPSOAS_L, -1.0)):
        # psoas beside the lower lumbar spine, thickening and drifting antero-laterally
        fractions = ((0.24, -0.58, -0.45), (0.26, -0.52, -0.68), (0.31, -0.42, -1.05))
        line = [g.at(side * fx, fy, fz) for fx, fy, fz in fractions]
        c.paint(lid, g.tube(rng, line, (0.05 * bx, 0.08 * bx, 0.11 * bx), 0.06), 50.0)
    # IVC: an antero-posteriorly flattened tube right of the aorta, from the iliac confluence
    # (at the bottom of the volume) up through the back of the liver
    path = (g.at(0.14, -0.22, -0.88), g.at(0.15, -0.2, 0.0), g.at(0.19, -0.1, 1.2))
    c.paint(IVC, g.tube(rng, path, (0.09 * bx,) * 3, 0.04, squash=(1.0, 0.65, 1.0)), 150.0)


def _canonical_phantom(
    seed: int, g: _Grid, n_lesions: int | None
) -> tuple[NDArray[np.int16], NDArray[np.uint8]]:
    rng = np.random.default_rng(seed)
    bx, by, hz = g.bx, g.by, g.hz

    def jit(v: float, scale: float) -> float:  # small per-seed anatomical variation
        return v + scale * float(rng.uniform(-1.0, 1.0))

    hu = np.full(g.shape, -1000.0)
    label = np.zeros(g.shape, dtype=np.uint8)

    body = g.blob(rng, (0.0, 0.0, 0.0), (bx, by, None), 0.03)
    wall = g.blob(rng, (0.0, 0.0, 0.0), (0.93 * bx, 0.92 * by, None), 0.03)
    cavity = g.blob(rng, (0.0, 0.0, 0.0), (0.85 * bx, 0.83 * by, None), 0.03)
    hu[body] = -100.0  # subcutaneous fat
    hu[wall] = 40.0  # abdominal wall muscle
    hu[cavity] = -70.0  # visceral fat
    for side in (-1.0, 1.0):  # paraspinal muscles
        muscle = g.blob(rng, (side * 0.2 * bx, -0.78 * by, 0.0), (0.14 * bx, 0.13 * by, None))
        hu[muscle] = 45.0
    c = _Canvas(hu, label, cavity)

    zl = jit(0.3, 0.08) * hz
    liver = ((jit(0.42, 0.03) * bx, 0.15 * by, zl), (0.45 * bx, 0.6 * by, 0.6 * hz))
    c.paint(LIVER, g.blob(rng, *liver), 60.0)
    c.paint(
        SPLEEN,
        g.blob(
            rng, (-0.55 * bx, -0.3 * by, jit(0.38, 0.08) * hz), (0.17 * bx, 0.3 * by, 0.35 * hz)
        ),
        50.0,
    )
    kidneys: dict[int, Point] = {}
    for lid, side, zc in ((KIDNEY_R, 1.0, -0.28), (KIDNEY_L, -1.0, -0.1)):
        kc = kidneys[lid] = (side * 0.4 * bx, -0.5 * by, jit(zc, 0.06) * hz)
        # nephrographic phase (the aorta is enhanced too): cortex ~150 HU, medulla ~120 HU,
        # against which simple cysts (~5 HU) stand out as on a real contrast CT
        kidney = c.paint(lid, g.blob(rng, kc, (0.19 * bx, 0.2 * by, 0.45 * hz)), 150.0)
        hu[kidney & g.blob(rng, kc, (0.1 * bx, 0.1 * by, 0.3 * hz), 0.1)] = 120.0  # medulla
    vy = -0.58 * by
    spine = g.blob(rng, (0.0, vy, 0.0), (0.17 * bx, 0.22 * by, None), 0.03)
    spine |= g.blob(rng, (0.0, vy - 0.22 * by, 0.0), (0.05 * bx, 0.1 * by, None), 0.03)
    spine &= wall
    label[spine] = VERTEBRA
    hu[spine] = 700.0
    aorta = g.blob(rng, (-0.1 * bx, vy + 0.35 * by, 0.0), (0.085 * bx, 0.11 * by, None), 0.02)
    c.paint(AORTA, aorta, 200.0)
    _upper_abdomen(rng, g, c, liver)
    _retroperitoneum(rng, g, c, kidneys)

    # liver lesions of clearly different sizes, then 1-2 simple cysts in the left kidney
    n = int(rng.integers(3, 6)) if n_lesions is None else n_lesions
    depth = float(ndimage.distance_transform_edt(label == LIVER, sampling=g.spacing).max())
    r_max = min(20.0, 0.25 * depth + 8.0)
    radii = np.linspace(r_max, 7.0, n) + rng.uniform(-0.8, 0.8, size=n)
    _paint_spheres(rng, g, c, LIVER, LESION, radii.tolist(), margin=4.0, gap=8.0, hu=(5.0, 15.0))
    cysts = [0.065 * bx * rng.uniform(0.9, 1.1), 0.045 * bx * rng.uniform(0.9, 1.1)]
    cysts = cysts[: int(rng.integers(1, 3))]
    _paint_spheres(rng, g, c, KIDNEY_L, KIDNEY_CYST_L, cysts, margin=2.5, gap=4.0, hu=(2.0, 8.0))

    # partial-volume blur, then quantum noise
    hu = ndimage.gaussian_filter(hu, sigma=(0.6, 0.6, 0.45), mode="nearest")
    hu += rng.normal(0.0, 12.0, size=g.shape)
    image = np.clip(np.rint(hu), -1024, 3071).astype(np.int16)
    return image, label


def make_phantom(
    seed: int = 0,
    orientation: str = "RAS",
    shape: tuple[int, int, int] = (96, 80, 40),
    spacing: tuple[float, float, float] = (3.0, 3.0, 4.0),
    n_lesions: int | None = None,
) -> Phantom:
    """Synthetic abdominal CT in the voxel orientation ``orientation`` (nibabel axcodes).

    ``shape`` and ``spacing`` are those of the canonical RAS volume (R, A, S axes); the
    returned arrays are permuted/flipped accordingly. World coordinates (the RAS+ affine
    applied to voxel indices) do not depend on ``orientation``, and ``to_canonical`` of any
    orientation returns exactly the ``"RAS"`` arrays. ``n_lesions`` defaults to 3-5 (seeded);
    fewer are placed if they do not fit in the liver (only with small custom shapes).
    """
    codes = _check_axcodes(orientation)
    g = _Grid(
        (int(shape[0]), int(shape[1]), int(shape[2])),
        (float(spacing[0]), float(spacing[1]), float(spacing[2])),
    )
    image, label = _canonical_phantom(seed, g, n_lesions)
    affine = g.affine()
    if codes != ("R", "A", "S"):
        transform = ornt.ornt_transform(
            ornt.axcodes2ornt(("R", "A", "S")), ornt.axcodes2ornt(codes)
        )
        affine = affine @ ornt.inv_ornt_aff(transform, image.shape)
        image = np.ascontiguousarray(ornt.apply_orientation(image, transform))
        label = np.ascontiguousarray(ornt.apply_orientation(label, transform))
    return Phantom(image=image, label=label, affine=affine.astype(np.float64), labels=dict(LABELS))


def nifti_gz_bytes(data: NDArray[np.generic], affine: FloatArray, compresslevel: int = 6) -> bytes:
    """Reproducible .nii.gz bytes (no timestamp or file name in the gzip header)."""
    img = nib.Nifti1Image(data, affine)
    img.header.set_data_dtype(data.dtype)
    img.header.set_xyzt_units("mm")
    img.set_qform(affine, code=1)
    img.set_sform(affine, code=1)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=compresslevel) as gz:
        gz.write(img.to_bytes())
    return buf.getvalue()


def write_phantom_dataset(
    root: Path,
    n_cases: int = 4,
    seed: int = 0,
    orientations: Sequence[str] = ("RAS", "LPS", "LAS", "PSR"),
) -> Path:
    """Write an MSD-style folder (``imagesTr/``, ``labelsTr/``, ``dataset.json``) of phantoms.

    Case ``i`` uses orientation ``orientations[i % len(orientations)]`` and seed ``seed + i``.
    Output is byte-identical for identical arguments. Returns ``root``.
    """
    if not orientations:
        raise ValueError("orientations must not be empty")
    root = Path(root)
    (root / "imagesTr").mkdir(parents=True, exist_ok=True)
    (root / "labelsTr").mkdir(parents=True, exist_ok=True)
    training: list[dict[str, str]] = []
    for i in range(n_cases):
        ph = make_phantom(seed=seed + i, orientation=orientations[i % len(orientations)])
        name = f"phantom_{i:03d}.nii.gz"
        (root / "imagesTr" / name).write_bytes(nifti_gz_bytes(ph.image, ph.affine))
        (root / "labelsTr" / name).write_bytes(nifti_gz_bytes(ph.label, ph.affine))
        training.append({"image": f"./imagesTr/{name}", "label": f"./labelsTr/{name}"})
    write_dataset_json(root, {
        "name": "medground-phantom",
        "description": "Synthetic abdominal CT phantoms (medground built-in demo data); "
        "cases are stored in different voxel orientations.",
        "reference": "generated by medground.demo.phantom",
        "licence": "CC0-1.0",
    }, LABELS, training)
    return root


def write_dataset_json(root: Path, about: dict[str, str], labels: Mapping[int, str],
                       training: list[dict[str, str]]) -> None:
    """An MSD ``dataset.json`` of CT training cases: ``about`` (name, description, ...), then
    the labels and the training list."""
    meta = {
        **about,
        "tensorImageSize": "3D",
        "modality": {"0": "CT"},
        "labels": {"0": "background", **{str(k): v for k, v in labels.items()}},
        "numTraining": len(training),
        "numTest": 0,
        "training": training,
        "test": [],
    }
    (root / "dataset.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
