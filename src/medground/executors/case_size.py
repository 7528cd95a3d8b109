"""How much a case weighs before it is loaded: the bytes of its pixel data once decoded, read
from the files' headers (no pixel data is read), and the memory a worker needs to build it.

A scheduler that places cases on machines (the Ray executor) declares this per case, so that
a node runs as many cases together as its memory holds: a 2D image and a 600 MB CT volume do
not need the same share of a node. An estimate that cannot be read from a header falls back to
the file's size on disk (times a typical ratio for a compressed file): the case itself fails
later, in its worker, with its own error record, if the file is unusable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: resident memory of a worker process before its case: Python, numpy/scipy/scikit-image,
#: nibabel and the built stages (~155 MiB measured with the demo config) plus a Ray worker's
#: own share, with a margin
WORKER_BASE_BYTES = 384 * 2**20
#: peak working memory per decoded byte of a case's files: the loaded arrays, their
#: reoriented and labelled copies, slices and masks. Measured 10x on phantom volumes of 7 to
#: 56 MiB (peak RSS of a one-case build minus the RSS before it, axial + coronal); lower it
#: when the pipeline's copies shrink (the target is 4x)
WORK_PER_DECODED_BYTE = 10
#: decoded / on-disk size assumed for a compressed file whose header cannot be read
COMPRESSED_RATIO = 4
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".zip")

#: bytes per pixel of a decoded Pillow image, by mode ("1" is decoded to one byte per pixel)
_PIL_BYTES = {"1": 1, "L": 1, "P": 1, "LA": 2, "PA": 2, "RGB": 3, "YCbCr": 3, "LAB": 3,
              "HSV": 3, "RGBA": 4, "RGBX": 4, "CMYK": 4, "I": 4, "F": 4, "I;16": 2,
              "I;16B": 2, "I;16L": 2, "I;16N": 2}
#: bytes per element of an NRRD ``type`` (the spec's names and their synonyms)
_NRRD_BYTES = {"signed char": 1, "int8": 1, "int8_t": 1, "uchar": 1, "unsigned char": 1,
               "uint8": 1, "uint8_t": 1, "short": 2, "short int": 2, "signed short": 2,
               "signed short int": 2, "int16": 2, "int16_t": 2, "ushort": 2,
               "unsigned short": 2, "unsigned short int": 2, "uint16": 2, "uint16_t": 2,
               "int": 4, "signed int": 4, "int32": 4, "int32_t": 4, "uint": 4,
               "unsigned int": 4, "uint32": 4, "uint32_t": 4, "longlong": 8, "long long": 8,
               "long long int": 8, "signed long long": 8, "signed long long int": 8,
               "int64": 8, "int64_t": 8, "ulonglong": 8, "unsigned long long": 8,
               "unsigned long long int": 8, "uint64": 8, "uint64_t": 8, "float": 4,
               "double": 8}
#: bytes per element of a MetaImage (MHA / MHD) ``ElementType``
_MET_BYTES = {"MET_CHAR": 1, "MET_UCHAR": 1, "MET_SHORT": 2, "MET_USHORT": 2, "MET_INT": 4,
              "MET_UINT": 4, "MET_LONG": 4, "MET_ULONG": 4, "MET_LONG_LONG": 8,
              "MET_ULONG_LONG": 8, "MET_FLOAT": 4, "MET_DOUBLE": 8}


def decoded_bytes(path: str | Path) -> int:
    """Bytes of ``path``'s pixel data once decoded: from its header for NIfTI, NRRD,
    MetaImage and Pillow-readable rasters, the sum of the files of a folder (a DICOM series:
    uncompressed slices are about their data), else the size on disk (0 when unreadable)."""
    p = Path(path)
    name = p.name.lower()
    try:
        if p.is_dir():
            return sum(f.stat().st_size for f in p.iterdir() if f.is_file())
        from_header = _from_header(p, name)
        if from_header is not None:
            return from_header
        size = p.stat().st_size
    except Exception:  # any reader's error: an estimate never stops a build
        try:
            size = p.stat().st_size
        except OSError:
            return 0
    return size * (COMPRESSED_RATIO if name.endswith(_COMPRESSED) else 1)


def _from_header(p: Path, name: str) -> int | None:
    if name.endswith((".nii", ".nii.gz", ".hdr", ".img")):
        import nibabel

        header: Any = nibabel.load(p).header  # lazy: the header only
        return math.prod(int(n) for n in header.get_data_shape()) * int(
            header.get_data_dtype().itemsize)
    if name.endswith((".nrrd", ".nhdr")):
        import nrrd

        fields: dict[str, Any] = nrrd.read_header(str(p))
        return math.prod(int(n) for n in fields["sizes"]) * _NRRD_BYTES[str(fields["type"])]
    if name.endswith((".mha", ".mhd")):
        return _metaimage_bytes(p)
    from PIL import Image

    with Image.open(p) as im:  # reads the header; pixels are decoded on first access
        frames = int(getattr(im, "n_frames", 1))
        return im.width * im.height * _PIL_BYTES.get(im.mode, 4) * frames


def _metaimage_bytes(p: Path) -> int | None:
    """``DimSize`` x ``ElementNumberOfChannels`` x the element's bytes, from the text header
    (which ends at ``ElementDataFile``)."""
    fields: dict[str, str] = {}
    with p.open("rb") as f:
        for raw in f:
            key, _, value = raw.decode("latin-1").partition("=")
            fields[key.strip()] = value.strip()
            if key.strip() == "ElementDataFile" or len(fields) > 64:
                break
    dims = re.findall(r"\d+", fields.get("DimSize", ""))
    element = _MET_BYTES.get(fields.get("ElementType", ""))
    if not dims or element is None:
        return None
    return math.prod(int(n) for n in dims) * int(fields.get("ElementNumberOfChannels", "1")) * element


def case_memory(files: Iterable[str | Path]) -> int:
    """Memory (bytes) a worker needs to build the case made of ``files``."""
    return WORKER_BASE_BYTES + WORK_PER_DECODED_BYTE * sum(decoded_bytes(f) for f in files)
