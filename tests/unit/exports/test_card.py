"""The dataset card of the Parquet export, read the way its readers read it: the YAML header with
``yaml.safe_load`` and ``huggingface_hub``'s card parser, the body with a CommonMark parser
(markdown-it-py), the split files through the card's ``configs`` with ``datasets``. Counts are
computed here from samples.jsonl and splits.json; a label full of YAML and Markdown syntax must
come back exactly as written."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml
from huggingface_hub import DatasetCard
from markdown_it import MarkdownIt
from markdown_it.token import Token

from conftest import read_jsonl
from medground.build import build
from medground.dataset import read_samples
from medground.demo.run import prepare_demo
from medground.exports import ExportOptions
from medground.exports.parquet import export_parquet
from medground.splits import SplitPlan, make_splits, write_splits

HOSTILE = "lesion: \"big\" # 1\n---\n'q' | *x* <b>&amp; `c` [l](u) \\"
CITATION = "@article{x,\n  title = {A `quoted` title},\n}\n---\n```"
#: line breaks to YAML 1.1 (PyYAML) but not to YAML 1.2 (the Hub's parser)
NAME = "demo\x85name\u2028: # x"


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two-case demo (no license, no citation, not split), exported."""
    ds = tmp_path_factory.mktemp("demo")
    build(prepare_demo(ds, n_cases=2), ds)
    export_parquet(ds, ds / "export", ExportOptions())
    return ds


@pytest.fixture(scope="module")
def hostile(plain: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with the lesions renamed to :data:`HOSTILE`, the dataset to :data:`NAME`, a
    license and a citation in the manifest, and splits; exported to ``export``."""
    ds = tmp_path_factory.mktemp("hostile") / "ds"
    shutil.copytree(plain, ds, ignore=shutil.ignore_patterns("phantom", "export"))
    records = read_jsonl(ds / "samples.jsonl")
    for rec in records:
        for t in rec["targets"]:
            if t["label"] == "lesion":
                t["label"] = HOSTILE
    (ds / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    manifest = json.loads((ds / "manifest.json").read_text())
    manifest["config"]["source"].update(license="CC-BY-SA-4.0", citation=CITATION)
    manifest["name"] = NAME
    (ds / "manifest.json").write_text(json.dumps(manifest))
    samples = list(read_samples(ds))
    write_splits(ds, make_splits(samples, SplitPlan(ratios=(0.5, 0.0, 0.5))), samples)
    export_parquet(ds, ds / "export", ExportOptions())
    return ds


def header_and_body(card: Path) -> tuple[dict[str, Any], str]:
    """The YAML between the first two lines that are exactly ``---``, and the rest."""
    lines = card.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "---"
    end = lines.index("---", 1)
    header = yaml.safe_load("\n".join(lines[1:end]))
    assert header == DatasetCard.load(card).data.to_dict()  # the Hub library reads the same
    return header, "\n".join(lines[end + 1:])


def expected_composition(ds: Path) -> dict[str, dict[str, Counter[str]]]:
    """Per split: samples by source / modality / task / label, counted from the raw JSON."""
    split_file = ds / "splits.json"
    of = json.loads(split_file.read_text())["samples"] if split_file.exists() else {}
    out: dict[str, dict[str, Counter[str]]] = {}
    for rec in read_jsonl(ds / "samples.jsonl"):
        c = out.setdefault(of.get(rec["id"], "all"),
                           {k: Counter() for k in ("source", "modality", "task", "label")})
        for key in ("source", "modality", "task"):
            c[key][rec[key]] += 1
        for label in {t["label"] for t in rec["targets"]}:
            c["label"][label] += 1
    return out


def _inline_text(token: Token) -> str:
    """A rendered inline run as plain text (``<br>`` read back as a line break)."""
    parts = []
    for child in token.children or []:
        if child.type == "text":
            parts.append(child.content)
        elif child.type == "html_inline" and child.content == "<br>":
            parts.append("\n")
        else:  # emphasis, links, code spans, raw HTML: markup a label must not make
            parts.append(f"<{child.type}>")
    return "".join(parts)


def tables(body: str) -> dict[str, list[list[str]]]:
    """Each table of the body under its heading's text: rows of cell texts (header row first)."""
    out: dict[str, list[list[str]]] = {}
    heading = ""
    row: list[str] | None = None
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            heading = _inline_text(tokens[i + 1])
        elif tok.type == "tr_open":
            row = []
            out.setdefault(heading, []).append(row)
        elif tok.type == "inline" and row is not None and tokens[i - 1].type in ("td_open", "th_open"):
            row.append(_inline_text(tok))
        elif tok.type == "tr_close":
            row = None
    return out


@pytest.mark.parametrize("which", ["plain", "hostile"])
def test_header_counts_equal_the_records(which: str, request: pytest.FixtureRequest) -> None:
    ds: Path = request.getfixturevalue(which)
    header, _ = header_and_body(ds / "export" / "README.md")
    want = expected_composition(ds)
    hub = {"all": "train"}  # the reserved split name of an unsplit dataset on the Hub
    assert {s["name"]: s["num_examples"] for s in header["dataset_info"]["splits"]} == \
        {hub.get(s, s): sum(c["task"].values()) for s, c in want.items()}
    files = header["configs"][0]["data_files"]
    for entry in files:
        rows = pq.ParquetFile(ds / "export" / entry["path"]).metadata.num_rows
        assert rows == next(s["num_examples"] for s in header["dataset_info"]["splits"]
                            if s["name"] == entry["split"])
    got = header["medground"]["composition"]
    assert {s: {k: got[s][k] for k in want[s]} for s in got} == want
    assert header["size_categories"] == ["n<1K"]
    assert "medical" in header["tags"] and "ct" in header["tags"]


def test_body_tables_equal_the_records_and_the_label_renders_as_written(hostile: Path) -> None:
    _, body = header_and_body(hostile / "export" / "README.md")
    found = tables(body)
    want = expected_composition(hostile)
    assert set(want) == {"train", "test"}
    for key in ("source", "modality", "task", "label"):
        heading = next(h for h in found if h.startswith(f"Samples by {key}"))
        head, *rows = found[heading]
        splits = head[1:-1]
        assert head[0] == key and sorted(splits) == sorted(want) and head[-1] == "total"
        assert {r[0]: [int(v) for v in r[1:]] for r in rows} == {
            v: [want[s][key][v] for s in splits] + [sum(want[s][key][v] for s in splits)]
            for v in sorted({v for c in want.values() for v in c[key]})}
    assert HOSTILE in {r[0] for r in found[next(h for h in found if "label" in h)]}


def test_hostile_label_round_trips_through_the_header_and_datasets(hostile: Path,
                                                                    tmp_path: Path) -> None:
    card = hostile / "export" / "README.md"
    header, _ = header_and_body(card)
    assert HOSTILE in header["medground"]["composition"]["train"]["label"] or \
        HOSTILE in header["medground"]["composition"]["test"]["label"]
    assert header["pretty_name"] == NAME
    # written as escapes, so YAML 1.1 and 1.2 parsers read the same string
    assert not set(card.read_bytes().decode("utf-8")) & {"\x85", "\u2028", "\u2029", "\r"}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HOME", str(tmp_path))
        mp.setenv("HF_HUB_OFFLINE", "1")
        import datasets

        datasets.disable_progress_bars()
        loaded = datasets.load_dataset(str(hostile / "export"), cache_dir=str(tmp_path / "c"))
        # the card's features are the files' own (datasets reads both and checks the sizes)
        path = hostile / "export" / header["configs"][0]["data_files"][0]["path"]
        assert datasets.Features._from_yaml_list(header["dataset_info"]["features"]) == \
            datasets.Features.from_arrow_schema(pq.read_schema(path))
    assert set(loaded) == {"train", "test"}
    assert any(HOSTILE in labels for split in loaded.values() for labels in split["labels"])


def test_licenses_citations_box_convention_and_funnel(plain: Path, hostile: Path) -> None:
    manifest = json.loads((plain / "manifest.json").read_text())
    header, body = header_and_body(plain / "export" / "README.md")
    assert header["license"] == "unknown"
    assert "- license: not stated" in body and "Citation: not stated" in body
    assert header["medground"]["box_convention"] == manifest["box_convention"]
    assert manifest["box_convention"] in body
    # the funnel table against the manifest's flat counts ("rejected/<stage>/<reason>")
    rejected: dict[str, int] = Counter()
    for key, n in manifest["counts"].items():
        if key.startswith("rejected/"):
            rejected[key.split("/")[1]] += n
    head, *rows = tables(body)["Verification"]
    assert head == ["stage", "entered", "passed", "rejected", "reasons"]
    assert [r[0] for r in rows] == manifest["config"]["verify"]["stages"]
    assert {r[0]: int(r[3]) for r in rows if int(r[3])} == dict(rejected)
    assert all(int(r[1]) - int(r[2]) == int(r[3]) for r in rows)
    assert f"kept: {manifest['counts']['kept']}" in body

    header, body = header_and_body(hostile / "export" / "README.md")
    assert header["license"] == "cc-by-sa-4.0"
    assert "- license: CC-BY-SA-4.0" in body
    fences = [t for t in MarkdownIt("commonmark").parse(body) if t.type == "fence"]
    assert CITATION + "\n" in [t.content for t in fences]
