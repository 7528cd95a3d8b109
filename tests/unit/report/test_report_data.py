"""The report's figures against the tiny dataset of report_tiny.py, every number counted by hand
from the table in its docstring (never by re-running the code that counts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_tiny import HOSTILE, HOSTILE_FILE, make_tiny

from medground.errors import ConfigError
from medground.report.data import gather
from medground.report.figures import Figures, Row


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def figures(tiny: Path) -> Figures:
    return gather(tiny)


def _rows(figures: Figures, key: str) -> dict[str, tuple[int, int]]:
    dist = next(d for d in figures.distributions if d.key == key)
    return {r.value: (r.kept, r.rejected) for r in dist.rows}


def test_counts_and_funnel_come_from_the_manifest(figures: Figures) -> None:
    assert figures.name == "tiny <i>set</i>"  # raw here; render escapes it
    assert figures.kept == 4
    assert dict(figures.cases)["failed"] == 1
    assert dict(figures.counts) == {"images": 3, "kept": 4, "rejected": 4,
                                    "rejected/format/SCHEMA_INVALID": 2}
    funnel = figures.funnel
    assert funnel is not None and (funnel.synthesized, funnel.kept) == (8, 4)
    assert [(s.stage, s.entered, s.passed, s.rejected_total) for s in funnel.stages] == [
        ("format", 8, 6, 2), ("geometry", 6, 5, 1), ("priors", 5, 5, 0), ("judge", 5, 4, 1)]
    assert figures.license == "CC-BY <4.0>" and figures.citation == ""


def test_rejects_are_counted_by_their_first_failing_verdict(figures: Figures) -> None:
    r = figures.rejects
    assert (r.records, r.unreadable) == (4, 2)
    assert sorted(r.by_reason) == sorted([("geometry", "BOX_OUTSIDE_IMAGE", 1),
                                          ("judge", "NO_IMAGE_EVIDENCE", 1),
                                          ("format", "SCHEMA_INVALID", 1),
                                          ("?", "UNREADABLE_LINE", 1)])


def test_errors_keep_code_and_file_and_count_unreadable_lines(figures: Figures) -> None:
    e = figures.errors
    assert (e.records, e.fatal, e.unreadable) == (3, 1, 1)
    assert dict(e.by_code) == {"UNREADABLE_FILE": 1, "LABEL_CONFLICT": 1,
                               "UNREADABLE_RECORD": 1}
    assert [(x.case, x.code, x.file, x.fatal) for x in e.shown] == [
        ("c9", "UNREADABLE_FILE", HOSTILE_FILE, True), ("c1", "LABEL_CONFLICT", "c1.nii.gz", False)]


def test_categorical_distributions_kept_and_rejected(figures: Figures) -> None:
    assert _rows(figures, "modality") == {"CT": (3, 2), "MR": (1, 0)}
    assert _rows(figures, "task") == {"single": (2, 2), "disambiguation": (1, 0), "multi": (1, 0)}
    assert _rows(figures, "label") == {"liver": (1, 1), "lesion": (1, 0), "kidney_left": (1, 0),
                                       "kidney_right": (1, 0), HOSTILE: (1, 0), "spleen": (0, 1)}
    # most frequent first, then by value
    label = next(d for d in figures.distributions if d.key == "label")
    assert label.rows[0].value == "liver"


def test_box_sizes_per_target(figures: Figures) -> None:
    # kept targets: s1 100 px2, s2 800, s3 100 + 100, s4 1600; rejected: r1 200, r2 3072
    assert _rows(figures, "box_coco") == {"small": (4, 1), "medium": (1, 1), "large": (0, 0)}
    # shares: s1 100/800, s2 800/800, s3 100/900 twice, s4 1600/3072; r1 200/800, r2 1
    assert _rows(figures, "box_relative") == {"< 0.1 %": (0, 0), "0.1-1 %": (0, 0),
                                              "1-5 %": (0, 0), "5-20 %": (3, 0),
                                              ">= 20 %": (2, 2)}


def test_query_lengths_and_claim_kinds(figures: Figures) -> None:
    assert _rows(figures, "query_words") == {"0": (0, 0), "1-4": (2, 1), "5-8": (1, 1),
                                             "9-12": (1, 0), "13-16": (0, 0), "17-24": (0, 0),
                                             "25+": (0, 0)}
    q = figures.query_stats  # kept lengths 2, 4, 6, 9
    assert (q.samples, q.mean, q.median, q.maximum) == (4, 5.25, 5.0, 9)
    assert _rows(figures, "claims") == {"name": (2, 1), "size": (1, 0), "(not stated)": (1, 1),
                                        "(no claims)": (1, 0)}


def test_splits_of_the_kept_samples(figures: Figures) -> None:
    s = figures.splits
    assert s is not None and s.seed == 3 and s.unassigned == 0
    assert [(r.split, r.samples, r.patients) for r in s.rows] == [
        ("train", 2, 1), ("val", 1, 1), ("test", 1, 1)]
    by_modality = dict(dict(s.composition)["modality"])
    assert by_modality == {"train": (("CT", 2),), "val": (("CT", 1),), "test": (("MR", 1),)}
    assert s.subsets == (("multi_object", 1),)


def test_evaluations_with_baselines_and_a_broken_file(figures: Figures) -> None:
    broken, model = figures.evals  # sorted by file name
    assert broken.file == "broken.eval.json" and broken.problem
    assert model.split == "test" and model.coverage == 0.75
    main, *baselines = model.rows
    assert (main.name, main.is_baseline, main.n) == ("model", False, 3)
    assert dict(main.scores) == {"acc@0.5": 0.6667, "miou": 0.5, "center_acc": 1.0}
    assert main.ci95 == (("acc@0.5", 0.25, 1.0),)
    assert [(b.name, b.n, dict(b.scores), dict(b.notes)) for b in baselines] == [
        ("whole image", 3, {"acc@0.5": 0.125, "miou": 0.25}, {}),
        ("mean box per label", 3, {"acc@0.5": 0.5, "miou": 0.375}, {"fallbacks": 1.0})]
    assert model.baselines_note == "baselines fitted on the train split (2 single-target samples)"
    assert model.breakdowns[0].rows == ((HOSTILE, 1, (("acc@0.5", 1.0), ("miou", 0.9))),)


def test_warnings_name_what_does_not_add_up(tiny: Path, tmp_path: Path) -> None:
    assert gather(tiny).warnings == (
        "rejects.jsonl: 2 records are no readable sample (counted by their verdict, not shown "
        "in the gallery)",)
    other = make_tiny(tmp_path / "stale")
    lines = (other / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    extra = json.loads(lines[0]) | {"id": "s5"}
    (other / "samples.jsonl").write_text("\n".join([*lines, json.dumps(extra)]) + "\n",
                                         encoding="utf-8")
    warnings = gather(other).warnings
    assert any("funnel keeps 4 samples but samples.jsonl holds 5" in w for w in warnings)
    assert any("splits.json does not cover 1 kept samples" in w for w in warnings)


def test_a_folder_without_samples_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"samples\.jsonl is missing"):
        gather(tmp_path)


def test_a_dataset_without_manifest_splits_or_evals_still_reports(tmp_path: Path) -> None:
    root = make_tiny(tmp_path / "bare")
    for name in ("manifest.json", "splits.json", "model.eval.json", "broken.eval.json",
                 "rejects.jsonl", "errors.jsonl"):
        (root / name).unlink()
    f = gather(root)
    assert f.funnel is None and f.splits is None and f.evals == ()
    assert f.name == "bare" and f.rejects.records == 0 and f.errors.records == 0
    assert Row("CT", 3, 0) in next(d for d in f.distributions if d.key == "modality").rows
    assert f.warnings == ("manifest.json is missing: no counts or funnel",)
