"""The Parquet export read back with Hugging Face ``datasets`` and pyarrow (not medground): images
decode to the PNGs' pixels, boxes / labels / masks equal the canonical records of
samples.jsonl, the features are the ones declared here by hand, splits load as a DatasetDict,
row groups stay bounded, and the same dataset gives the same bytes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image
from pycocotools import mask as mask_utils

from conftest import read_jsonl
from medground.build import build
from medground.dataset import read_samples
from medground.demo.run import prepare_demo
from medground.errors import ConfigError
from medground.exports import ExportOptions, exporter
from medground.exports.parquet import export_parquet
from medground.splits import SplitPlan, make_splits, write_splits

HOSTILE = "lesion: \"big\" # 1\n---\n'q' | *x* &amp;"


@dataclass(frozen=True)
class HF:
    """``datasets`` (``lib``) and the temporary cache every load goes to."""

    lib: Any
    cache: Path

    def load(self, path: str, **kwargs: Any) -> Any:
        return self.lib.load_dataset(path, cache_dir=str(self.cache), **kwargs)


@pytest.fixture(scope="module")
def hf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HF]:
    """``datasets``, offline, with its caches under a temporary folder (``cache_dir`` too, in
    case another test imported it before these variables were set)."""
    cache = tmp_path_factory.mktemp("hf")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HOME", str(cache))
        mp.setenv("HF_DATASETS_CACHE", str(cache / "datasets"))
        mp.setenv("HF_HUB_OFFLINE", "1")
        import datasets

        datasets.disable_progress_bars()
        yield HF(lib=datasets, cache=cache / "datasets")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two-case demo, unsplit."""
    out = tmp_path_factory.mktemp("demo")
    build(prepare_demo(out, n_cases=2), out)
    return out


@pytest.fixture(scope="module")
def split_dataset(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same demo with splits.json (one patient in train, the other in test)."""
    out = tmp_path_factory.mktemp("split") / "ds"
    shutil.copytree(dataset, out, ignore=shutil.ignore_patterns("phantom"))
    samples = list(read_samples(out))
    write_splits(out, make_splits(samples, SplitPlan(ratios=(0.5, 0.0, 0.5))), samples)
    return out


@pytest.fixture(scope="module")
def exported(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("parquet")
    done = exporter("parquet")(dataset, out, ExportOptions())
    assert done.main_file == out / "README.md"
    assert done.counts["rows"] == len(read_jsonl(dataset / "samples.jsonl"))
    return out


def expected_features(hf: HF) -> Any:
    """What the export declares, written out by hand."""
    lib = hf.lib
    string, int32 = lib.Value("string"), lib.Value("int32")
    strings = lib.List(string)
    return lib.Features({
        "id": string, "image": lib.Image(), "query": string, "task": string, "split": string,
        "subsets": strings, "source": string, "modality": string, "plane": string,
        "slice": int32, "case": string, "patient_id": string, "width": int32, "height": int32,
        "labels": strings, "names": strings, "instances": lib.List(int32),
        "boxes": lib.List(lib.List(int32)), "areas": lib.List(lib.Value("int64")), "masks": strings,
    })


def test_load_dataset_decodes_the_pngs_and_gives_the_canonical_records(
        hf: HF, dataset: Path, exported: Path) -> None:
    records = read_jsonl(dataset / "samples.jsonl")
    ds = hf.load("parquet", data_files={"train": str(exported / "data/train-00000-of-00001.parquet")})
    assert list(ds) == ["train"]
    rows = ds["train"]
    assert rows.num_rows == len(records) > 100
    for row, rec in zip(rows, records, strict=True):
        assert row["id"] == rec["id"] and row["query"] == rec["query"]
        assert row["task"] == rec["task"] and row["split"] == "all"
        assert (row["case"], row["patient_id"], row["plane"], row["slice"]) == \
            (rec["case"], rec["patient_id"], rec["plane"], rec["slice"])
        png = Image.open(dataset / rec["image"])
        assert row["image"].size == png.size == (rec["width"], rec["height"])
        assert np.array_equal(np.asarray(row["image"]), np.asarray(png))
        targets = rec["targets"]
        assert row["labels"] == [t["label"] for t in targets]
        assert row["boxes"] == [t["box"] for t in targets]
        assert row["areas"] == [t["area"] for t in targets]
        for box, area, counts in zip(row["boxes"], row["areas"], row["masks"], strict=True):
            m = mask_utils.decode({"size": [row["height"], row["width"]],
                                   "counts": counts.encode()})
            ys, xs = np.nonzero(m)
            assert int(m.sum()) == area
            # x2 / y2 are exclusive pixel edges: one past the last mask pixel
            assert box == [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]


def test_features_are_the_declared_ones(hf: HF, exported: Path) -> None:
    path = exported / "data/train-00000-of-00001.parquet"
    assert hf.lib.Features.from_arrow_schema(pq.read_schema(path)) == expected_features(hf)
    ds = hf.load("parquet", data_files=str(path))
    assert ds["train"].features == expected_features(hf)
    image = pq.read_schema(path).field("image").type
    assert [image.field(i).name for i in range(image.num_fields)] == ["bytes", "path"]


def test_splits_load_as_a_datasetdict_with_the_patients_apart(
        hf: HF, split_dataset: Path, tmp_path: Path) -> None:
    export_parquet(split_dataset, tmp_path, ExportOptions())
    written = json.loads((split_dataset / "splits.json").read_text())
    by_sample, subsets = written["samples"], written["subsets"]
    assert subsets  # the test split has multi-target and disambiguation samples
    want: dict[str, set[str]] = {}
    for sample_id, split in by_sample.items():
        want.setdefault(split, set()).add(sample_id)
    assert set(want) == {"train", "test"}
    files = {s: str(tmp_path / f"data/{s}-00000-of-00001.parquet") for s in want}
    for ds in (hf.load("parquet", data_files=files),
               hf.load("parquet", data_dir=str(tmp_path / "data")),
               hf.load(str(tmp_path))):  # the card's configs
        assert isinstance(ds, hf.lib.DatasetDict) and set(ds) == set(want)
        for split, rows in ds.items():
            assert set(rows["id"]) == want[split]
            assert set(rows["split"]) == {split}
            for sample_id, row_subsets in zip(rows["id"], rows["subsets"], strict=True):
                assert row_subsets == sorted(k for k, ids in subsets.items() if sample_id in ids)
        assert not set(ds["train"]["patient_id"]) & set(ds["test"]["patient_id"])


def test_only_the_asked_splits_are_written(split_dataset: Path, tmp_path: Path) -> None:
    export_parquet(split_dataset, tmp_path, ExportOptions(splits=("test",)))
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["test-00000-of-00001.parquet"]
    with pytest.raises(ConfigError, match="val"):
        export_parquet(split_dataset, tmp_path, ExportOptions(splits=("val",)))  # empty split
    with pytest.raises(ConfigError, match="bogus"):
        export_parquet(split_dataset, tmp_path, ExportOptions(splits=("bogus",)))


def test_a_patient_in_two_splits_fails(split_dataset: Path, tmp_path: Path) -> None:
    broken = tmp_path / "ds"
    shutil.copytree(split_dataset, broken)
    data = json.loads((broken / "splits.json").read_text())
    records = read_jsonl(broken / "samples.jsonl")
    other = {"train": "test", "test": "train"}[data["samples"][records[0]["id"]]]
    data["samples"][records[0]["id"]] = other
    (broken / "splits.json").write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="patient"):
        export_parquet(broken, tmp_path / "out", ExportOptions())
    assert not (tmp_path / "out").exists()  # checked before anything is written


def test_row_groups_are_bounded_and_read_back_whole(hf: HF, dataset: Path, tmp_path: Path) -> None:
    export_parquet(dataset, tmp_path, ExportOptions(), rows_per_group=16)
    path = tmp_path / "data/train-00000-of-00001.parquet"
    meta = pq.ParquetFile(path).metadata
    n = len(read_jsonl(dataset / "samples.jsonl"))
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert max(sizes) <= 16 and sum(sizes) == n and len(sizes) == -(-n // 16)
    ids = hf.load("parquet", data_files=str(path))["train"]["id"]
    assert list(ids) == [r["id"] for r in read_jsonl(dataset / "samples.jsonl")]


def test_same_dataset_same_bytes_and_stale_split_files_go(
        dataset: Path, split_dataset: Path, exported: Path, tmp_path: Path) -> None:
    export_parquet(dataset, tmp_path / "again", ExportOptions())
    for rel in ("README.md", "data/train-00000-of-00001.parquet"):
        assert (tmp_path / "again" / rel).read_bytes() == (exported / rel).read_bytes()
    export_parquet(split_dataset, tmp_path / "reuse", ExportOptions())
    (tmp_path / "reuse" / "data" / "notes.parquet").write_bytes(b"not ours")
    export_parquet(dataset, tmp_path / "reuse", ExportOptions(splits=("all",)))
    assert sorted(p.name for p in (tmp_path / "reuse" / "data").iterdir()) == \
        ["notes.parquet", "train-00000-of-00001.parquet"]


def test_a_label_with_markup_and_line_breaks_round_trips(
        hf: HF, dataset: Path, tmp_path: Path) -> None:
    hostile = tmp_path / "ds"
    shutil.copytree(dataset, hostile, ignore=shutil.ignore_patterns("phantom"))
    records = read_jsonl(hostile / "samples.jsonl")
    for rec in records:
        for t in rec["targets"]:
            if t["label"] == "lesion":
                t["label"] = t["name"] = HOSTILE
    (hostile / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    export_parquet(hostile, tmp_path / "out", ExportOptions())
    rows = hf.load(str(tmp_path / "out"))["train"]
    assert list(rows["labels"]) == [[t["label"] for t in r["targets"]] for r in records]
    assert any(HOSTILE in labels for labels in rows["labels"])
