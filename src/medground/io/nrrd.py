"""NRRD volumes (.nrrd, .nhdr with detached data, Slicer .seg.nrrd) through pynrrd, a core
dependency: no SimpleITK needed.

Geometry. NRRD places sample (i, j, k) at ``space origin + i*d_i + j*d_j + k*d_k``, the
``space directions`` d (one vector per spatial axis, spacing included) given in the frame that
``space`` names. The returned :class:`Volume` keeps the file's axis order (i = fastest) and gets
a RAS+ affine (nibabel convention):

- ``right-anterior-superior`` (RAS): as written; ``left-anterior-superior`` (LAS): x negated;
  ``left-posterior-superior`` (LPS: DICOM, ITK, Slicer): x and y negated. The abbreviations
  RAS / LAS / LPS are accepted too.
- No patient frame: ``scanner-xyz`` (scanner axes: where the patient lies in them depends on how
  they lay in the scanner), ``3D-right-handed`` / ``3D-left-handed``, a bare ``space dimension``,
  or no space at all (per-axis ``spacings`` / ``axis mins`` only). The grid is then placed
  exactly as SimpleITK places it (coordinates taken as LPS; without space directions the axes
  are the space's, spaced by ``spacings``, 1 mm where absent, the first sample at ``axis mins``
  plus half a spacing unless ``centerings`` says ``node``), so an image and its label still
  compare on one grid, but the Volume is ``oriented=False``: its views get no patient frame and
  no patient-side claim is made from position.
- Time-varying spaces (``...-time``, 4-D ``space dimension``) are a BAD_SHAPE error.

Axes. Spatial axes are those with a space direction (without ``space directions``: those whose
``kinds`` entry is a domain kind, or all when ``kinds`` is absent). A 2D image gets a third axis
of 1 mm along the unit normal of its two directions (along +z of a 2-D space). Other axes of
size 1 are dropped; one longer than 1 (RGB, vector, list, time) is a BAD_SHAPE error unless
``channel`` picks one of its entries, as for 4D NIfTI.

Slicer segmentations (.seg.nrrd) keep overlapping segments in layers along a leading ``list``
axis (``space directions: none ...``). A single layer is the label map. Several layers are a
BAD_SHAPE error, never silently merged or cut to the first layer: one label map cannot hold the
overlap, and every layer numbers its segments from 1, so a merge would relabel structures and
the first layer alone would drop some. The message says how to export a single label map.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nrrd
import numpy as np
from numpy.typing import NDArray

from medground.errors import CaseError
from medground.io.guard import check_file, check_inside, check_size
from medground.io.volume import Volume

# signs taking each named frame's coordinates to RAS
_TO_RAS: dict[str, tuple[float, float, float]] = {
    "right-anterior-superior": (1.0, 1.0, 1.0),
    "ras": (1.0, 1.0, 1.0),
    "left-anterior-superior": (-1.0, 1.0, 1.0),
    "las": (-1.0, 1.0, 1.0),
    "left-posterior-superior": (-1.0, -1.0, 1.0),
    "lps": (-1.0, -1.0, 1.0),
}
_LPS = _TO_RAS["lps"]
# 3-D spaces that name no patient frame: placed like ITK (as LPS), marked not oriented
_UNORIENTED = {"scanner-xyz", "3d-right-handed", "3d-left-handed"}
_TIME = {"rast", "last", "lpst"}
# `kinds` entries of a domain (sampled) axis; "time" is a domain kind but not a spatial one
_DOMAIN_KINDS = {"domain", "space", "???", "none"}
#: NRRD type name -> numpy type string (pynrrd's table; empty if a release renames it)
_TYPES: dict[str, str] = dict(getattr(nrrd.reader, "_TYPEMAP_NRRD2NUMPY", {}))


@dataclass(frozen=True)
class _Layout:
    spatial: tuple[int, ...]  # the file's spatial axes, in order
    extra: int | None  # the one non-spatial axis longer than 1, if any
    affine: NDArray[np.float64]
    oriented: bool


def load_nrrd(path: str | Path, channel: int | None = None, root: Path | None = None) -> Volume:
    """Read a 2D or 3D scalar NRRD (attached or detached header); 2D images become (x, y, 1).
    A detached data file must lie inside ``root`` (default: the header's folder)."""
    p = Path(path)
    check_file(p, "nrrd")
    with open(p, "rb") as fh:
        try:
            header: dict[str, Any] = dict(nrrd.read_header(fh))
        except Exception as exc:  # pynrrd raises NRRDError, ValueError, StopIteration, ...
            raise CaseError(
                p, f"cannot read NRRD header ({type(exc).__name__}: {exc})", code="UNREADABLE_FILE"
            ) from exc
        layout = _layout(p, header)
        _check_declared(p, header, root)
        data = _read_data(p, header, fh)
    if layout.extra is not None:
        n = data.shape[layout.extra]
        if channel is None:
            kind = _kind(header, layout.extra)
            what = (f"a time series of {n} frames" if kind.lower() == "time" else
                    f"{n} components per voxel")
            raise CaseError(
                p,
                f"{what} (axis {layout.extra}, kind '{kind}'); expected a scalar 3D image: set "
                "`channel` in the source config to pick one",
                code="BAD_SHAPE",
            )
        if not 0 <= channel < n:
            raise CaseError(p, f"channel {channel} out of range (image has {n})", code="BAD_SHAPE")
        data = np.take(data, channel, axis=layout.extra)
    # drop the size-1 non-spatial axes (a single Slicer layer, a 1-component vector axis)
    left = [a for a in range(len(header["sizes"])) if a != layout.extra]
    drop = tuple(i for i, a in enumerate(left) if a not in layout.spatial)
    if drop:
        data = np.squeeze(data, axis=drop)
    if len(layout.spatial) == 2:
        data = data[:, :, None]
    if not data.dtype.isnative:  # swapped in place when the reader's array allows it
        native = data.dtype.newbyteorder("=")
        data = (data.byteswap(inplace=True).view(native) if data.flags.writeable
                else data.astype(native))
    return Volume(data=data, affine=layout.affine, path=str(p), oriented=layout.oriented)


def _check_declared(p: Path, header: Mapping[str, Any], root: Path | None) -> None:
    """Refuse an absurd declared size, and a detached data file outside ``root``, before
    reading the data."""
    typename = _TYPES.get(str(header.get("type", "")))
    check_size(p, header["sizes"], np.dtype(typename).itemsize if typename else None)
    data_file = header.get("data file", header.get("datafile"))
    if isinstance(data_file, str) and not data_file.startswith("LIST") and "%" not in data_file:
        target = Path(data_file) if Path(data_file).is_absolute() else p.parent / data_file
        check_inside(target, root if root is not None else p.parent, shown=p)


def _read_data(p: Path, header: Mapping[str, Any], fh: Any) -> NDArray[np.generic]:
    data_file = header.get("data file", header.get("datafile"))
    multi = isinstance(data_file, str) and (
        data_file.startswith("LIST") or ("%" in data_file and len(data_file.split()) >= 4))
    if multi:  # `LIST` or `<format> <min> <max> <step>`: one file per slice
        raise CaseError(p, f"multi-file NRRD data ('data file: {data_file}') is not supported",
                        code="UNREADABLE_FILE")
    try:
        return np.asarray(nrrd.read_data(dict(header), fh, str(p)))
    except FileNotFoundError as exc:
        raise CaseError(p, f"data file {exc.filename or data_file} named by the header not found",
                        code="FILE_NOT_FOUND") from exc
    except (zlib.error, EOFError, OSError) as exc:  # bz2 raises OSError / EOFError
        raise CaseError(p, f"truncated or corrupt NRRD data ({type(exc).__name__}: {exc})",
                        code="CORRUPT_FILE") from exc
    except Exception as exc:
        text = str(exc)
        counts = re.search(r"does not equal the product of all the dimensions: (\d+)-(\d+)=", text)
        if counts:  # pynrrd's check that the data fills the header's sizes
            raise CaseError(
                p,
                f"truncated or corrupt NRRD data: sizes {[int(n) for n in header['sizes']]} "
                f"need {counts[1]} values, the data holds {counts[2]}",
                code="CORRUPT_FILE",
            ) from exc
        raise CaseError(p, f"cannot read NRRD data ({type(exc).__name__}: {text})",
                        code="UNREADABLE_FILE") from exc


def _kind(header: Mapping[str, Any], axis: int) -> str:
    kinds = header.get("kinds")
    return str(kinds[axis]) if kinds is not None and axis < len(kinds) else "unknown"


def _directions(p: Path, header: Mapping[str, Any], ndim: int) -> list[NDArray[np.float64] | None]:
    """One vector per file axis (None for a non-spatial axis), from either pynrrd representation
    of ``space directions`` (matrix with NaN rows, or a list with None entries)."""
    rows = list(header["space directions"])
    if len(rows) != ndim:
        raise CaseError(p, f"space directions give {len(rows)} vectors for {ndim} axes",
                        code="BAD_AFFINE")
    out: list[NDArray[np.float64] | None] = []
    for row in rows:
        vec = None if row is None else np.asarray(row, dtype=np.float64).ravel()
        out.append(None if vec is None or np.isnan(vec).all() else vec)
    return out


def _layout(p: Path, header: Mapping[str, Any]) -> _Layout:
    """Which axes are spatial, and the RAS+ affine of the spatial grid (before reading data)."""
    if "sizes" not in header:
        raise CaseError(p, "NRRD header has no `sizes` field", code="UNREADABLE_FILE")
    sizes = [int(s) for s in header["sizes"]]
    ndim = len(sizes)
    if "space directions" in header:
        dirs = _directions(p, header, ndim)
        spatial = tuple(a for a in range(ndim) if dirs[a] is not None)
    else:
        dirs = []
        kinds = header.get("kinds")
        spatial = tuple(a for a in range(ndim)
                        if kinds is None or str(kinds[a]).lower() in _DOMAIN_KINDS)
    others = [a for a in range(ndim) if a not in spatial and sizes[a] > 1]
    if len(spatial) not in (2, 3):
        raise CaseError(p, f"expected a 2D or 3D image, got {len(spatial)} spatial axes "
                        f"(sizes {sizes})", code="BAD_SHAPE")
    if others and _is_segmentation(p, header):
        n = sizes[others[0]]
        raise CaseError(
            p,
            f"Slicer segmentation with {n} layers (overlapping segments): one label map cannot "
            "hold them; in Slicer export the segmentation as a labelmap volume (segments that "
            "overlap must be split or made exclusive) and use that file as the label",
            code="BAD_SHAPE",
        )
    if len(others) > 1:
        raise CaseError(p, f"{len(others)} non-spatial axes longer than 1 (sizes {sizes}); "
                        "expected a scalar image", code="BAD_SHAPE")
    if "space directions" in header:
        affine, oriented = _space_affine(p, header, [dirs[a] for a in spatial])
    else:
        affine, oriented = _axis_affine(p, header, spatial)
    if not np.isfinite(affine).all() or abs(np.linalg.det(affine[:3, :3])) < 1e-12:
        raise CaseError(p, "NRRD geometry gives a singular or non-finite affine", code="BAD_AFFINE")
    affine[affine == 0.0] = 0.0  # no -0.0 in printed affines
    return _Layout(spatial=spatial, extra=others[0] if others else None, affine=affine,
                   oriented=oriented)


def _is_segmentation(p: Path, header: Mapping[str, Any]) -> bool:
    return p.name.lower().endswith(".seg.nrrd") or any(
        str(key).startswith("Segment") and str(key).endswith("_ID") for key in header
    )


def _frame(p: Path, header: Mapping[str, Any], space_dim: int) -> tuple[tuple[float, ...], bool]:
    """Signs to RAS for the header's ``space`` and whether it names the patient's frame."""
    space = header.get("space")
    if space is None:
        declared = header.get("space dimension")
        if declared is not None and int(declared) != space_dim:
            raise CaseError(p, f"space dimension {declared} but {space_dim}-vector directions",
                            code="BAD_AFFINE")
        if space_dim not in (2, 3):
            raise CaseError(p, f"{space_dim}-D space (time-varying?): expected a 2-D or 3-D one",
                            code="BAD_SHAPE")
        return _LPS[:space_dim], False
    name = str(space).strip().lower()
    if name.endswith("-time") or name in _TIME:
        raise CaseError(p, f"time-varying space '{space}': expected a 3-D image",
                        code="BAD_SHAPE")
    if name in _TO_RAS:
        signs, oriented = _TO_RAS[name], True
    elif name in _UNORIENTED:
        signs, oriented = _LPS, False
    else:
        raise CaseError(p, f"unknown NRRD space '{space}'", code="BAD_AFFINE")
    if space_dim != 3:
        raise CaseError(p, f"space '{space}' is 3-D but directions have {space_dim} components",
                        code="BAD_AFFINE")
    return signs, oriented


def _space_affine(
    p: Path, header: Mapping[str, Any], vectors: list[NDArray[np.float64] | None]
) -> tuple[NDArray[np.float64], bool]:
    cols = [v for v in vectors if v is not None]
    space_dim = len(cols[0])
    if any(len(v) != space_dim for v in cols):
        raise CaseError(p, "space directions have vectors of different lengths", code="BAD_AFFINE")
    signs, oriented = _frame(p, header, space_dim)
    origin = np.zeros(space_dim)
    if header.get("space origin") is not None:
        origin = np.asarray(header["space origin"], dtype=np.float64).ravel()
        if origin.shape != (space_dim,):
            raise CaseError(p, f"space origin has {origin.size} components, space has "
                            f"{space_dim}", code="BAD_AFFINE")
    if not (np.isfinite(origin).all() and all(np.isfinite(v).all() for v in cols)):
        raise CaseError(p, "space directions or origin are not finite", code="BAD_AFFINE")
    frame = np.eye(4)
    if space_dim == 3:
        matrix = np.column_stack(cols)
        if matrix.shape[1] == 2:  # a 2D image in 3-D space: 1 mm along the plane's normal
            normal = np.cross(matrix[:, 0], matrix[:, 1])
            length = float(np.linalg.norm(normal))
            if length < 1e-12:
                raise CaseError(p, "the two space directions are parallel", code="BAD_AFFINE")
            matrix = np.column_stack([matrix, normal / length])
        frame[:3, :3] = matrix
        frame[:3, 3] = origin
    else:  # a 2-D space: embed it with +z as the third axis, 1 mm
        frame[:2, :2] = np.column_stack(cols)
        frame[:2, 3] = origin
    return _to_ras(frame, signs), oriented


def _axis_affine(
    p: Path, header: Mapping[str, Any], spatial: tuple[int, ...]
) -> tuple[NDArray[np.float64], bool]:
    """No space directions: the grid on the space's own axes, as ITK places it; not oriented."""
    if header.get("space") is not None or header.get("space dimension") is not None:
        raise CaseError(p, "a `space` without `space directions`", code="BAD_AFFINE")
    frame = np.eye(4)
    spacings = _per_axis(header, "spacings")
    mins = _per_axis(header, "axis mins", "axismins")
    centerings = header.get("centerings")
    for row, axis in enumerate(spatial):
        spacing = spacings[axis] if axis < len(spacings) else float("nan")
        low = mins[axis] if axis < len(mins) else float("nan")
        step = spacing if np.isfinite(spacing) else 1.0
        frame[row, row] = step
        if np.isfinite(spacing) and np.isfinite(low):
            node = centerings is not None and str(centerings[axis]).lower() == "node"
            frame[row, 3] = low if node else low + 0.5 * spacing
    return _to_ras(frame, _LPS), False


def _per_axis(header: Mapping[str, Any], *names: str) -> list[float]:
    for name in names:
        if header.get(name) is not None:
            return [float(v) for v in header[name]]
    return []


def _to_ras(frame: NDArray[np.float64], signs: tuple[float, ...]) -> NDArray[np.float64]:
    flip = np.diag([*signs, *([1.0] * (4 - len(signs)))])
    out: NDArray[np.float64] = flip @ frame
    return out
