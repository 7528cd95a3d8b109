"""Parquet files in the Hugging Face Hub's layout, loadable with ``datasets`` (and any Parquet
reader), plus a dataset card.

* ``data/<split>-00000-of-00001.parquet``: one file per split (an unsplit dataset's one split
  is ``train``, see :func:`hub_split`), one row per sample. The ``image`` column is
  ``struct<bytes, path>`` with the PNG's bytes embedded (a path alone would resolve against the
  reader's working directory); ``path`` is the PNG's path inside the dataset, kept as
  provenance. The schema metadata carries the ``datasets`` features under the ``huggingface``
  key, so ``image`` decodes to a PIL image and every other column keeps its type.
* ``README.md``: the dataset card (exports/card.py), whose ``configs`` name the split files, so
  ``load_dataset(OUT)`` gives the same ``DatasetDict`` as ``load_dataset("parquet",
  data_files=...)``.

Rows are written in row groups of at most :data:`ROW_GROUP_ROWS` rows and about
:data:`ROW_GROUP_BYTES` bytes of images, each group written as soon as it is full, so memory
stays flat whatever the dataset size (the sample records are held, their images are not).
Parquet files of an earlier export to the same folder that this export does not write are
removed, so ``data_dir=OUT/data`` never mixes two exports.
"""

from __future__ import annotations

import json
import re
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from medground.errors import ConfigError
from medground.exports import Exported, ExportOptions, samples_to_export
from medground.exports.card import SplitFile, write_card
from medground.sinks.files import atomic_binary_writer
from medground.splits import UNSPLIT, Splits
from medground.types import Sample

__all__ = ["FEATURES", "ROW_GROUP_BYTES", "ROW_GROUP_ROWS", "SCHEMA", "export",
           "export_parquet", "hub_split", "split_path"]

#: rows per row group (datasets 2's PARQUET_ROW_GROUP_SIZE_FOR_IMAGE_DATASETS): a reader that
#: wants a few rows, the Hub's viewer for one, decodes one small group, not the whole file
ROW_GROUP_ROWS = 100
#: a row group is also closed once its images reach this many bytes (large PNGs)
ROW_GROUP_BYTES = 64 << 20


def _value(dtype: str) -> dict[str, Any]:
    return {"dtype": dtype, "_type": "Value"}


def _sequence(feature: dict[str, Any]) -> dict[str, Any]:
    # "Sequence" (not datasets 4's "List"): datasets 3 reads only this spelling and datasets 4+
    # reads it as List, the same list<...> Arrow type either way
    return {"feature": feature, "_type": "Sequence"}


_STR = (pa.string(), _value("string"))
_I32 = (pa.int32(), _value("int32"))
_I64 = (pa.int64(), _value("int64"))


def _list_of(column: tuple[pa.DataType, dict[str, Any]]) -> tuple[pa.DataType, dict[str, Any]]:
    return pa.list_(column[0]), _sequence(column[1])


#: column -> (Arrow type, ``datasets`` feature as ``Features.to_dict`` writes it)
_COLUMNS: dict[str, tuple[pa.DataType, dict[str, Any]]] = {
    "id": _STR,
    "image": (pa.struct([("bytes", pa.binary()), ("path", pa.string())]), {"_type": "Image"}),
    "query": _STR,
    "task": _STR,
    "split": _STR,
    "subsets": _list_of(_STR),
    "source": _STR,
    "modality": _STR,
    "plane": _STR,
    "slice": _I32,
    "case": _STR,
    "patient_id": _STR,
    "width": _I32,
    "height": _I32,
    "labels": _list_of(_STR),
    "names": _list_of(_STR),
    "instances": _list_of(_I32),
    "boxes": _list_of(_list_of(_I32)),
    "areas": _list_of(_I64),
    "masks": _list_of(_STR),
}

#: the ``datasets`` features of every file, as ``datasets.Features.to_dict`` writes them
FEATURES: dict[str, Any] = {name: feature for name, (_, feature) in _COLUMNS.items()}
#: the Arrow schema of every file, with the features under the ``huggingface`` metadata key
#: (what ``datasets.Features.from_arrow_schema`` reads)
SCHEMA: pa.Schema = pa.schema([(name, t) for name, (t, _) in _COLUMNS.items()]).with_metadata(
    {"huggingface": json.dumps({"info": {"features": FEATURES}})})

#: what each column holds, for the dataset card
COLUMN_DOCS: dict[str, str] = {
    "id": "deterministic sample id (as in samples.jsonl)",
    "image": "the PNG, bytes embedded (`path` is its path inside the medground dataset)",
    "query": "the referring expression",
    "task": "single, disambiguation (one target among look-alikes) or multi (several targets)",
    "split": "train / val / test, or all when the dataset was not split",
    "subsets": "test subsets the sample belongs to (multi_object, disambiguation, unseen_*)",
    "source": "the source data set", "modality": "imaging modality",
    "plane": "axial / coronal / sagittal for slices of volumes, image for 2D sources",
    "slice": "slice index in the reoriented volume (null for 2D sources)",
    "case": "the source case", "patient_id": "pseudonymous patient id (splits never share one)",
    "width": "image width in pixels", "height": "image height in pixels",
    "labels": "label of each target", "names": "readable name of each target",
    "instances": "instance number of each target within its label",
    "boxes": "box of each target: [x1, y1, x2, y2] pixel edges, x2/y2 exclusive",
    "areas": "mask area of each target in pixels",
    "masks": "mask of each target: compressed COCO RLE counts of size [height, width]",
}

_SHARD = re.compile(r"^[\w.]+-\d{5}-of-\d{5}\.parquet$")


def hub_split(split: str) -> str:
    """The split name on the Hub: medground's, except that an unsplit dataset's ``all`` (a
    reserved name in ``datasets``: the union of all splits) is ``train``, as the Hub calls the
    one split of an unsplit dataset; the ``split`` column still says ``all``."""
    return "train" if split == UNSPLIT else split


def split_path(split: str) -> str:
    """The file of medground split ``split`` relative to the export folder (the Hub's naming)."""
    return f"data/{hub_split(split)}-00000-of-00001.parquet"


def _row(sample: Sample, dataset: Path, split: str, subsets: list[str]) -> dict[str, Any]:
    targets = sample.targets
    try:
        png = (dataset / sample.image).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{dataset / sample.image}: the image of sample {sample.id} is "
                          "missing; rebuild the dataset") from None
    return {
        "id": sample.id,
        "image": {"bytes": png, "path": sample.image},
        "query": sample.query, "task": sample.task, "split": split, "subsets": subsets,
        "source": sample.source, "modality": sample.modality, "plane": sample.plane,
        "slice": sample.slice, "case": sample.case, "patient_id": sample.patient_id,
        "width": sample.width, "height": sample.height,
        "labels": [t.label for t in targets], "names": [t.name or t.label for t in targets],
        "instances": [t.instance for t in targets], "boxes": [list(t.box) for t in targets],
        "areas": [t.area for t in targets], "masks": [str(t.mask_rle["counts"]) for t in targets],
    }


@dataclass
class _SplitWriter:
    """One split's file: rows are buffered until a row group is full, then written."""

    writer: pq.ParquetWriter
    rows_per_group: int
    rows: list[dict[str, Any]]
    image_bytes: int = 0
    num_examples: int = 0
    num_bytes: int = 0

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        self.image_bytes += len(row["image"]["bytes"])
        if len(self.rows) >= self.rows_per_group or self.image_bytes >= ROW_GROUP_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        table = pa.Table.from_pylist(self.rows, schema=SCHEMA)
        self.writer.write_table(table, row_group_size=len(self.rows))
        self.num_examples += table.num_rows
        self.num_bytes += table.nbytes
        self.rows, self.image_bytes = [], 0


def _open(stack: ExitStack, path: Path, rows_per_group: int) -> _SplitWriter:
    fh: IO[bytes] = stack.enter_context(atomic_binary_writer(path))
    # entered after the handle, so closed (footer written) before the handle is renamed
    writer = stack.enter_context(pq.ParquetWriter(fh, SCHEMA))
    return _SplitWriter(writer=writer, rows_per_group=rows_per_group, rows=[])


def _subsets_of(splits: Splits) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in sorted(splits.subsets):
        for sample_id in splits.subsets[name]:
            out.setdefault(sample_id, []).append(name)
    return out


def export_parquet(dataset: Path, out: Path, options: ExportOptions,
                   rows_per_group: int = ROW_GROUP_ROWS) -> dict[str, SplitFile]:
    """Write the split files and the card into ``out``; returns what each split file holds, by
    its split name on the Hub."""
    splits, samples = samples_to_export(dataset, options.splits)
    names = tuple(n for n in splits.names() if not options.splits or n in options.splits)
    if not names:
        raise ConfigError(f"split(s) {', '.join(options.splits)} have no samples; this dataset "
                          f"has {', '.join(splits.names())}")
    subsets = _subsets_of(splits)
    with ExitStack() as stack:
        writers = {name: _open(stack, out / split_path(name), rows_per_group) for name in names}
        for sample in samples:
            split = splits.of(sample.id)
            writers[split].add(_row(sample, dataset, split, subsets.get(sample.id, [])))
        for w in writers.values():
            w.flush()
    files = {hub_split(name): SplitFile(split=name, path=split_path(name),
                                        num_examples=w.num_examples, num_bytes=w.num_bytes,
                                        file_bytes=(out / split_path(name)).stat().st_size)
             for name, w in writers.items()}
    written = {f.path for f in files.values()}
    for old in (out / "data").glob("*.parquet"):
        if _SHARD.match(old.name) and f"data/{old.name}" not in written:
            old.unlink()
    write_card(dataset, out, samples, splits, files, FEATURES, COLUMN_DOCS)
    return files


def export(dataset: Path, out: Path, options: ExportOptions) -> Exported:
    files = export_parquet(dataset, out, options)
    rows = sum(f.num_examples for f in files.values())
    per_split = ", ".join(f"{name} {f.num_examples}" for name, f in files.items())
    return Exported(summary=f"{rows} rows in {len(files)} Parquet file(s) ({per_split}) and "
                            "a dataset card",
                    main_file=out / "README.md",
                    counts={"rows": rows, **{f"rows/{n}": f.num_examples for n, f in files.items()}})
