"""Splits: patient-level, stratified, held-out settings, deterministic; checked on every export."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medground.cli import app
from medground.errors import ConfigError
from medground.splits import (
    EXCLUDED,
    SplitPlan,
    Splits,
    load_splits,
    make_splits,
    write_splits,
)
from medground.types import Sample, Target

RLE = {"size": [10, 10], "counts": "0"}


def sample(sid: str, patient: str, labels: tuple[str, ...] = ("liver",), *,
           modality: str = "CT", source: str = "s1", task: str = "single") -> Sample:
    targets = [Target(label=lbl, instance=0, box=(0, 0, 2, 2), mask_rle=RLE) for lbl in labels]
    return Sample(id=sid, image=f"images/{sid}.png", width=10, height=10, source=source,
                  case=patient, patient_id=patient, modality=modality, plane="axial", slice=0,
                  task=task, targets=targets, query="q")


def corpus() -> list[Sample]:
    """40 patients of 5 samples each: 2 sources x 2 modalities, a rare label on 4 patients."""
    out = []
    for p in range(40):
        source, modality = ("s1", "s2")[p % 2], ("CT", "MRI")[(p // 2) % 2]
        for k in range(5):
            labels = ("tumour",) if p in (3, 11, 19, 27) and k == 0 else ("liver",)
            if k == 4:
                labels = ("liver", "kidney")
            out.append(sample(f"p{p:02d}s{k}", f"p{p:02d}", labels, modality=modality,
                              source=source, task="multi" if k == 4 else "single"))
    return out


def patients_by_split(splits: Splits, samples: list[Sample]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for s in samples:
        out[s.patient_id].add(splits.of(s.id))
    return out


def test_patient_level_and_sizes_by_ratio() -> None:
    samples = corpus()
    splits = make_splits(samples, SplitPlan(seed=1, ratios=(0.6, 0.2, 0.2)))
    assert all(len(v) == 1 for v in patients_by_split(splits, samples).values())
    sizes = Counter(splits.of(s.id) for s in samples)
    # 200 samples in whole patients of 5: 120 / 40 / 40 is reachable exactly
    assert sizes == {"train": 120, "val": 40, "test": 40}
    splits.check(samples)


def test_stratified_by_source_modality_and_rare_label() -> None:
    samples = corpus()
    splits = make_splits(samples, SplitPlan(seed=2, ratios=(0.5, 0.25, 0.25)))
    comp = splits.composition(samples)
    for split in ("train", "val", "test"):
        # each (source, modality) cell holds 10 patients: every split gets some of each
        cells = {(s.source, s.modality) for s in samples if splits.of(s.id) == split}
        assert len(cells) == 4, (split, cells)
    # the rare label (4 patients) reaches train, val and test: 2 / 1 / 1
    assert [comp[s]["label"].get("tumour", 0) for s in ("train", "val", "test")] == [2, 1, 1]
    assert comp["train"]["size"] == {"samples": 100, "patients": 20}


def test_sizes_by_count() -> None:
    samples = corpus()
    splits = make_splits(samples, SplitPlan(seed=0, val=15, test=30))
    sizes = Counter(splits.of(s.id) for s in samples)
    assert sizes == {"train": 155, "val": 15, "test": 30}
    with pytest.raises(ConfigError, match="more than the 200"):
        make_splits(samples, SplitPlan(val=150, test=100))
    with pytest.raises(ConfigError, match="both"):
        SplitPlan(val=10)


def test_deterministic_for_a_seed_and_seed_matters() -> None:
    samples = corpus()
    a = make_splits(samples, SplitPlan(seed=7)).by_sample
    assert a == make_splits(list(reversed(samples)), SplitPlan(seed=7)).by_sample
    assert any(a != make_splits(samples, SplitPlan(seed=s)).by_sample for s in range(1, 4))


def test_held_out_source_goes_to_test_whole() -> None:
    samples = corpus()
    splits = make_splits(samples, SplitPlan(seed=0, held_out_sources=("s2",)))
    assert {splits.of(s.id) for s in samples if s.source == "s2"} == {"test"}
    assert splits.subsets["unseen_source"] == {s.id for s in samples if s.source == "s2"}
    rest = Counter(splits.of(s.id) for s in samples if s.source == "s1")
    assert rest == {"train": 80, "val": 10, "test": 10}  # the others split 0.8/0.1/0.1
    splits.check(samples)


def test_held_out_label_only_in_test_patients_never_split() -> None:
    samples = corpus()
    splits = make_splits(samples, SplitPlan(seed=0, held_out_labels=("kidney",)))
    for s in samples:
        split = splits.of(s.id)
        if "kidney" in {t.label for t in s.targets}:
            assert split in ("test", EXCLUDED)
        else:
            assert split != EXCLUDED
    kept = splits.select(samples)
    assert all(len(v) == 1 for v in patients_by_split(splits, kept).values())
    test_kidney = {s.id for s in samples if splits.of(s.id) == "test"
                   and "kidney" in {t.label for t in s.targets}}
    assert test_kidney and splits.subsets["unseen_label"] == test_kidney
    excluded = [s for s in samples if splits.of(s.id) == EXCLUDED]
    assert len(excluded) == 40 - len(test_kidney)
    splits.check(samples)
    with pytest.raises(ConfigError, match="did you mean 'kidney'"):
        make_splits(samples, SplitPlan(held_out_labels=("kidny",)))


def test_test_subsets() -> None:
    samples = [*corpus(), sample("d1", "p99", task="disambiguation")]
    splits = make_splits(samples, SplitPlan(seed=0, ratios=(0, 0, 1)))
    assert splits.subsets["multi_object"] == {s.id for s in samples if len(s.targets) > 1}
    assert splits.subsets["disambiguation"] == {"d1"}


def test_round_trip_and_check_catches_stale_or_edited_files(tmp_path: Path) -> None:
    samples = corpus()
    splits = make_splits(samples, SplitPlan(seed=4, held_out_labels=("tumour",)))
    # the 4 patients with the held-out label fit in test (4 x 4 kept samples <= 10 % of 196)
    assert {splits.of(s.id) for s in samples if s.targets[0].label == "tumour"} == {"test"}
    assert len(splits.subsets["unseen_label"]) == 4
    write_splits(tmp_path, splits, samples)
    back = load_splits(tmp_path)
    assert dict(back.by_sample) == dict(splits.by_sample)
    assert back.subsets == splits.subsets and back.plan == splits.plan
    back.check(samples)
    with pytest.raises(ConfigError, match="has no split"):
        back.check([*samples, sample("new", "p77")])
    d = json.loads((tmp_path / "splits.json").read_text())
    first = next(s for s in samples if d["samples"][s.id] == "train")
    sibling = next(s for s in samples if s.patient_id == first.patient_id and s.id != first.id
                   and d["samples"][s.id] == "train")
    d["samples"][sibling.id] = "test"
    (tmp_path / "splits.json").write_text(json.dumps(d))
    with pytest.raises(ConfigError, match=f"patient {first.patient_id} is in both"):
        load_splits(tmp_path).check(samples)
    rare = next(s for s in samples if "tumour" in {t.label for t in s.targets}
                and d["samples"][s.id] == "test")
    d = json.loads(json.dumps(splits.to_dict(samples)))
    for s in samples:  # move the rare sample's whole patient to train: still one split each
        if s.patient_id == rare.patient_id:
            d["samples"][s.id] = "train"
    (tmp_path / "splits.json").write_text(json.dumps(d))
    with pytest.raises(ConfigError, match="held-out label"):
        load_splits(tmp_path).check(samples)


def test_unsplit_dataset_is_all_and_select_filters(tmp_path: Path) -> None:
    samples = corpus()
    none = load_splits(tmp_path)
    assert none.of("anything") == "all" and none.names() == ("all",)
    assert len(none.select(samples)) == len(samples)
    splits = make_splits(samples, SplitPlan(seed=0))
    assert {s.id for s in splits.select(samples, ["test"])} == {
        s.id for s in samples if splits.of(s.id) == "test"}
    with pytest.raises(ConfigError, match="unknown split"):
        splits.select(samples, ["dev"])
    (tmp_path / "splits.json").write_text("{not json")
    with pytest.raises(ConfigError, match="not a medground splits file"):
        load_splits(tmp_path)


def test_cli_split_writes_file(tmp_path: Path) -> None:
    with (tmp_path / "samples.jsonl").open("w") as fh:
        for s in corpus():
            fh.write(json.dumps(s.to_dict()) + "\n")
    result = CliRunner().invoke(app, ["split", str(tmp_path), "--seed", "3",
                                      "--hold-out-modality", "MRI"])
    assert result.exit_code == 0, result.output
    d = json.loads((tmp_path / "splits.json").read_text())
    assert d["plan"]["held_out_modalities"] == ["MRI"]
    assert {v for k, v in d["samples"].items() if k.startswith(("p02", "p03"))} == {"test"}
    bad = CliRunner().invoke(app, ["split", str(tmp_path), "--ratios", "0.8,0.2"])
    assert bad.exit_code != 0 and "three numbers" in bad.output
