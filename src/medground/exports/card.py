"""The dataset card (``README.md``) of a Parquet export: the Hub's YAML header and a readable body.

The header is what the Hub and ``datasets`` read: ``configs`` (the file of each split, so
``load_dataset(FOLDER)`` finds them), ``dataset_info`` (features and split sizes; ``datasets``
checks the sizes when it loads), ``license``, ``task_categories``, ``tags`` and
``size_categories``; a ``medground`` block adds the box convention, the composition of each split
and the verification funnel in machine-readable form. The body says the same for people: counts
per split by source, modality, task and label, the box convention, the funnel, and each source's
license and citation ("not stated" when the build config gives none).

Labels, names and citations are user data: the header is written by ``yaml`` (a safe dumper
whose strings with line breaks are double-quoted escapes, see :class:`_CardDumper`), the body
escapes Markdown punctuation so a label renders as written, and a citation is fenced by more
backticks than it holds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from medground.sinks.files import atomic_write_text
from medground.splits import COMPOSITION_KEYS, Splits
from medground.types import Sample

__all__ = ["SplitFile", "card_text", "write_card", "yaml_features"]

#: the licenses the Hub knows by id (the rest are written as "other" in the header)
HUB_LICENSES = frozenset({
    "apache-2.0", "mit", "bsd", "bsd-2-clause", "bsd-3-clause", "cc0-1.0", "cc-by-2.0",
    "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0",
    "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0",
    "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0", "odbl", "odc-by", "pddl",
    "cdla-permissive-2.0", "cdla-sharing-1.0", "gpl-3.0", "lgpl-3.0", "agpl-3.0", "mpl-2.0",
    "openrail", "unlicense", "other", "unknown"})
NOT_STATED = "not stated"


@dataclass(frozen=True)
class SplitFile:
    """One split's Parquet file: medground's split name, the file's path in the export, rows,
    Arrow bytes and file bytes."""

    split: str
    path: str
    num_examples: int
    num_bytes: int
    file_bytes: int


# --- the YAML header --------------------------------------------------------------------------
class _CardDumper(yaml.SafeDumper):
    """``yaml.SafeDumper`` that double-quotes strings holding a line break, written as escapes.

    Plain ``safe_dump`` folds them into single-quoted multi-line scalars, where a NEL or
    LS/PS character is written raw: PyYAML reads it back as a space, YAML 1.2 parsers (the
    Hub's) not as a break at all. Escaped, every value is one line and reads the same anywhere.
    """


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    multiline = any(c in data for c in "\n\r\x85\u2028\u2029")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"' if multiline else None)


_CardDumper.add_representer(str, _represent_str)


def yaml_features(features: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``dataset_info.features`` list of a card, from ``Features.to_dict``-style features
    (``Value``, ``Image`` and ``Sequence`` only: what the export writes)."""

    def inner(feature: Mapping[str, Any]) -> dict[str, Any]:
        kind = feature["_type"]
        if kind == "Value":
            return {"dtype": feature["dtype"]}
        if kind == "Image":
            return {"dtype": "image"}
        if kind == "Sequence":
            item = inner(feature["feature"])
            return {"sequence": item["dtype"] if list(item) == ["dtype"] else item}
        raise ValueError(f"no card form for feature type {kind!r}")

    return [{"name": name, **inner(f)} for name, f in features.items()]


def _hub_license(text: str | None) -> str:
    if not text:
        return "unknown"
    slug = re.sub(r"[\s_]+", "-", text.strip().lower())
    return slug if slug in HUB_LICENSES else "other"


def _size_category(n: int) -> str:
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
              (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M")]
    return next((name for bound, name in bounds if n < bound), "n>100M")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _header(manifest: Mapping[str, Any], sources: list[dict[str, Any]],
            composition: dict[str, Any], files: Mapping[str, SplitFile],
            features: Mapping[str, Any]) -> dict[str, Any]:
    licenses = sorted({_hub_license(s["license"]) for s in sources}) or ["unknown"]
    modalities = sorted({m for c in composition.values() for m in c.get("modality", {})})
    tags = ["medical", "visual-grounding", "referring-expression-comprehension", "medground",
            *(t for t in dict.fromkeys(_slug(m) for m in modalities) if t)]
    return {
        "pretty_name": str(manifest.get("name") or "medground dataset"),
        "license": licenses[0] if len(licenses) == 1 else licenses,
        "task_categories": ["object-detection", "image-text-to-text"],
        "tags": tags,
        "size_categories": [_size_category(sum(f.num_examples for f in files.values()))],
        "configs": [{"config_name": "default",
                     "data_files": [{"split": n, "path": f.path} for n, f in files.items()]}],
        "dataset_info": {
            "features": yaml_features(features),
            "splits": [{"name": n, "num_bytes": f.num_bytes, "num_examples": f.num_examples}
                       for n, f in files.items()],
            "download_size": sum(f.file_bytes for f in files.values()),
            "dataset_size": sum(f.num_bytes for f in files.values()),
        },
        "medground": {
            "box_convention": manifest.get("box_convention", NOT_STATED),
            "composition": composition,
            "funnel": manifest.get("funnel", {}),
        },
    }


# --- the body ----------------------------------------------------------------------------------
_MD_PUNCT = re.compile(r"[\\`*\[\]<>|&#~!]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md(text: str) -> str:
    """``text`` as literal Markdown inline text (a table cell or a heading): CommonMark
    backslash-escapes for the punctuation that could start markup (an underscore inside a word
    cannot, so ``kidney_left`` stays readable), line breaks as ``<br>``."""
    escaped = _MD_PUNCT.sub(lambda m: "\\" + m.group(0), text)
    return re.sub(r"\r\n|[\n\r\x85\u2028\u2029]", "<br>", escaped)


def _table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _type_text(feature: Mapping[str, Any]) -> str:
    kind = feature["_type"]
    if kind == "Sequence":
        return f"list<{_type_text(feature['feature'])}>"
    return str(feature["dtype"]) if kind == "Value" else kind.lower()


def _composition_tables(composition: Mapping[str, Mapping[str, Mapping[str, int]]]) -> list[str]:
    splits = list(composition)
    lines: list[str] = []
    for key in COMPOSITION_KEYS:
        values = sorted({v for c in composition.values() for v in c.get(key, {})})
        rows = [[md(v), *(composition[s].get(key, {}).get(v, 0) for s in splits),
                 sum(composition[s].get(key, {}).get(v, 0) for s in splits)] for v in values]
        note = " (a sample counts once for each label among its targets)" if key == "label" else ""
        lines += [f"### Samples by {key}{note}", "", *_table([key, *splits, "total"], rows)]
    return lines


def _funnel_lines(manifest: Mapping[str, Any]) -> list[str]:
    funnel, counts = manifest.get("funnel") or {}, manifest.get("counts") or {}
    rows = [[md(str(st["stage"])), st["entered"], st["passed"],
             sum(st["rejected"].values()),
             ", ".join(f"{md(r)}: {n}" for r, n in sorted(st["rejected"].items())) or "-"]
            for st in funnel.get("stages", [])]
    if not rows:  # an older manifest: the counts still name each rejection
        reasons: dict[str, dict[str, int]] = {}
        for key, n in sorted(counts.items()):
            parts = key.split("/", 2)
            if parts[0] == "rejected" and len(parts) == 3:
                reasons.setdefault(parts[1], {})[parts[2]] = n
        rows = [[md(stage), "", "", sum(r.values()),
                 ", ".join(f"{md(k)}: {n}" for k, n in r.items())] for stage, r in reasons.items()]
    synthesized = funnel.get("synthesized", counts.get("synthesized", NOT_STATED))
    kept = funnel.get("kept", counts.get("kept", NOT_STATED))
    return [f"Queries synthesized: {synthesized}; kept: {kept}; rejected: "
            f"{counts.get('rejected', NOT_STATED)}. Each check runs on what the previous one "
            "passed; a rejected sample is kept in the build's `rejects.jsonl` with its reason.",
            "", *_table(["stage", "entered", "passed", "rejected", "reasons"], rows)]


def _fenced(text: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, text, fence, ""]


def _source_lines(sources: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for s in sources:
        lines += [f"### {md(s['name'])}", "", f"- type: {md(str(s.get('type') or NOT_STATED))}",
                  f"- license: {md(s['license']) if s['license'] else NOT_STATED}", ""]
        lines += ["Citation:", "", *_fenced(s["citation"])] if s["citation"] else \
            [f"Citation: {NOT_STATED}", ""]
    return lines


def card_text(manifest: Mapping[str, Any], sources: list[dict[str, Any]], splits: Splits,
              composition: dict[str, dict[str, dict[str, int]]], files: Mapping[str, SplitFile],
              features: Mapping[str, Any], column_docs: Mapping[str, str]) -> str:
    """The whole card: ``---``, the YAML header, ``---``, the Markdown body."""
    header = yaml.dump(_header(manifest, sources, composition, files, features),
                       Dumper=_CardDumper, sort_keys=False, allow_unicode=True, width=2**31)
    name = str(manifest.get("name") or "medground dataset")
    sizes = [[md(s), c.get("size", {}).get("samples", 0), c.get("size", {}).get("patients", 0)]
             for s, c in composition.items()]
    body = [
        f"# {md(name)}", "",
        "Referring-grounding data built by medground from medical segmentation masks: each row "
        "is one image, one query and the box of every structure the query refers to. Every "
        "query passed the checks under *Verification*; boxes are drawn around the source's "
        "masks, not by a model.", "",
        "## Loading", "", "```python", "from datasets import load_dataset", "",
        'ds = load_dataset("path/to/this/folder")  # or the Hub repo id', "```", "",
        "## Boxes", "", md(str(manifest.get("box_convention", NOT_STATED))), "",
        "`boxes` holds one `[x1, y1, x2, y2]` per target in the pixels of `image` "
        "(`x2 - x1` is the width); `masks` the targets' masks as compressed COCO RLE counts "
        "(`pycocotools.mask.decode({\"size\": [height, width], \"counts\": counts})`).", "",
        "## Columns", "",
        *_table(["column", "type", "meaning"],
                [[f"`{c}`", f"`{_type_text(f)}`", column_docs.get(c, "")] for c, f in features.items()]),
        "## Splits", "",
        "Patient-level: no patient appears in two splits." if splits.is_split else
        "The dataset was not split (`medground split` makes patient-level splits): every "
        "sample is in the one split, `train` on the Hub (`all`, the `split` column's value, is "
        "a reserved split name in `datasets`).", "",
        *_table(["split", "samples", "patients"], sizes),
        "## Composition", "", *_composition_tables(composition),
        "## Verification", "", *_funnel_lines(manifest),
        "## Sources and licenses", "",
        "The data derive from the sources below; their licenses and citations apply.", "",
        *_source_lines(sources),
    ]
    return "---\n" + header + "---\n\n" + "\n".join(body).rstrip("\n") + "\n"


def _sources(manifest: Mapping[str, Any], names: Sequence[str]) -> list[dict[str, Any]]:
    """The source(s) of the build config: name (as the samples spell it), type, license and
    citation (None when the config gives none)."""
    config = manifest.get("config") or {}
    source = config.get("source") or {}
    name = ", ".join(names) or str(config.get("name") or manifest.get("name") or "source")
    return [{"name": name, "type": source.get("type"), "license": source.get("license"),
             "citation": source.get("citation")}]


def write_card(dataset: Path, out: Path, samples: Sequence[Sample], splits: Splits,
               files: Mapping[str, SplitFile], features: Mapping[str, Any],
               column_docs: Mapping[str, str]) -> Path:
    """Write ``out/README.md`` for the exported ``samples`` (only the splits in ``files``)."""
    path = dataset / "manifest.json"
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) \
        if path.is_file() else {}
    written = {f.split for f in files.values()}
    composition = {s: c for s, c in splits.composition(samples).items() if s in written}
    sources = _sources(manifest, sorted({s.source for s in samples}))
    card = out / "README.md"
    atomic_write_text(card, card_text(manifest, sources, splits, composition, files, features,
                                      column_docs))
    return card
