"""Leak-free train / val / test splits of a built dataset (``splits.json``).

* **Patient-level**: a patient's samples all go to one split (``patient_id`` is the
  pseudonymous id every sample carries), so no test image shares a patient with training.
* **Stratified**: patients are grouped by (source, modality, their rarest label) and each group
  is dealt out so that every split gets its share of it; the shortfall of one group is carried
  to the next, so small groups still reach the small splits. Sizes are ratios of the samples or
  counts of samples (val and test; train takes the rest), met as closely as whole patients allow.
* **Unseen settings**: held-out labels, modalities and sources appear only in test. A patient
  whose samples are all held out (a held-out source, say) goes to test; the other patients are
  split by the sizes asked for, and the held-out samples of a patient that lands in train or val
  are *excluded* (in no split, never exported; listed in ``splits.json``), since moving them to
  test would put the patient in two splits. The ``unseen_*`` subsets name the held-out samples
  in test.
* **Subsets of the test split**: ``multi_object`` (samples with several targets),
  ``disambiguation`` (queries that must tell a target from look-alikes of its label) and the
  ``unseen_*`` ones.
* **Deterministic**: the same dataset, sizes and seed give the same file.

Every export calls :meth:`Splits.check`, which fails when a patient is in two splits or a sample
has no split (the dataset was rebuilt after splitting: run ``medground split`` again).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from medground.errors import ConfigError
from medground.sinks.files import atomic_write_text, dumps
from medground.types import Sample

SPLITS: tuple[str, ...] = ("train", "val", "test")
#: the split of every sample of a dataset that was never split
UNSPLIT = "all"
#: held-out samples of train/val patients: in no split, never exported
EXCLUDED = "excluded"
FILE = "splits.json"
COMPOSITION_KEYS: tuple[str, ...] = ("source", "modality", "label", "task")


@dataclass(frozen=True)
class SplitPlan:
    """How to split: sizes (``ratios`` of train/val/test, or ``val``/``test`` sample counts),
    the held-out values of the unseen settings, and the seed."""

    seed: int = 0
    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
    val: int | None = None
    test: int | None = None
    held_out_labels: tuple[str, ...] = ()
    held_out_modalities: tuple[str, ...] = ()
    held_out_sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.ratios) != 3 or any(r < 0 for r in self.ratios) or sum(self.ratios) <= 0:
            raise ConfigError(f"split ratios {self.ratios} must be three non-negative numbers "
                              "(train, val, test) with a positive sum")
        if (self.val is None) != (self.test is None):
            raise ConfigError("give both --val and --test sample counts, or neither")
        if (self.val or 0) < 0 or (self.test or 0) < 0:
            raise ConfigError("split sizes must not be negative")

    def shares(self, n: int) -> tuple[float, float, float]:
        """Fractions of ``n`` samples that train, val and test should get."""
        if self.val is not None and self.test is not None:
            if n and self.val + self.test > n:
                raise ConfigError(f"--val {self.val} + --test {self.test} is more than the "
                                  f"{n} samples that can be split")
            v, t = (self.val / n, self.test / n) if n else (0.0, 0.0)
            return (1.0 - v - t, v, t)
        total = sum(self.ratios)
        a, b, c = (r / total for r in self.ratios)
        return (a, b, c)


def _labels(sample: Sample) -> set[str]:
    return {t.label for t in sample.targets}


def _held_out(sample: Sample, plan: SplitPlan) -> list[str]:
    """The unseen settings a sample belongs to."""
    kinds = []
    if _labels(sample) & set(plan.held_out_labels):
        kinds.append("unseen_label")
    if sample.modality in plan.held_out_modalities:
        kinds.append("unseen_modality")
    if sample.source in plan.held_out_sources:
        kinds.append("unseen_source")
    return kinds


def _check_values(samples: Sequence[Sample], plan: SplitPlan) -> None:
    import difflib

    have = {"label": {t.label for s in samples for t in s.targets},
            "modality": {s.modality for s in samples}, "source": {s.source for s in samples}}
    for kind, values in (("label", plan.held_out_labels), ("modality", plan.held_out_modalities),
                         ("source", plan.held_out_sources)):
        for value in values:
            if value not in have[kind]:
                near = difflib.get_close_matches(value, sorted(have[kind]), n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise ConfigError(f"held-out {kind} {value!r} is not in the dataset{hint}")


def make_splits(samples: Sequence[Sample], plan: SplitPlan) -> Splits:
    """Assign every sample a split (see the module docstring for the rules)."""
    _check_values(samples, plan)
    by_patient: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_patient[s.patient_id].append(s)
    patient_split: dict[str, str] = {}
    free: list[str] = []
    for pid in sorted(by_patient):
        if all(_held_out(s, plan) for s in by_patient[pid]):
            patient_split[pid] = "test"
        else:
            free.append(pid)
    # what is dealt out: the samples that stay in a train/val patient's split
    kept = {pid: [s for s in by_patient[pid] if not _held_out(s, plan)] for pid in free}
    label_freq = Counter(lbl for pid in free for s in kept[pid] for lbl in _labels(s))

    def stratum(pid: str) -> tuple[str, str, str]:
        first = kept[pid][0]
        labels = {lbl for s in kept[pid] for lbl in _labels(s)}
        rarest = min(labels, key=lambda lbl: (label_freq[lbl], lbl)) if labels else ""
        return (first.source, first.modality, rarest)

    shares = plan.shares(sum(len(kept[p]) for p in free))
    rng = np.random.default_rng(plan.seed)
    want = np.zeros(3)
    have = np.zeros(3)
    # patients with some held-out samples go to test first, most held-out samples first, while
    # test stays within its share: their held-out samples are the unseen test set, and only
    # those of patients that do not fit are excluded
    mixed = [pid for pid in free if len(kept[pid]) < len(by_patient[pid])]
    test_size = shares[2] * sum(len(kept[p]) for p in free)
    mixed = [mixed[int(i)] for i in rng.permutation(len(mixed))]
    mixed.sort(key=lambda p: len(kept[p]) - len(by_patient[p]))
    for pid in mixed:
        if have[2] + len(kept[pid]) <= test_size:
            patient_split[pid] = "test"
            have[2] += len(kept[pid])
            want += np.array(shares) * len(kept[pid])
    strata: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for pid in free:
        if pid not in patient_split:
            strata[stratum(pid)].append(pid)
    for key in sorted(strata):
        pids = strata[key]
        order = rng.permutation(len(pids))
        want += np.array(shares) * sum(len(kept[p]) for p in pids)
        for i in order:
            pid = pids[int(i)]
            k = int(np.argmax(want - have))  # the split furthest below its share so far
            patient_split[pid] = SPLITS[k]
            have[k] += len(kept[pid])
    by_sample = {}
    for s in samples:
        split = patient_split[s.patient_id]
        by_sample[s.id] = EXCLUDED if split != "test" and _held_out(s, plan) else split
    subsets: dict[str, set[str]] = defaultdict(set)
    for s in samples:
        if by_sample[s.id] != "test":
            continue
        if len(s.targets) > 1:
            subsets["multi_object"].add(s.id)
        if s.task == "disambiguation":
            subsets["disambiguation"].add(s.id)
        for kind in _held_out(s, plan):
            subsets[kind].add(s.id)
    return Splits(by_sample=by_sample, plan=plan,
                  subsets={k: frozenset(v) for k, v in sorted(subsets.items())})


@dataclass(frozen=True)
class Splits:
    """Sample id -> split, the test subsets, and the plan that made them (None: not split)."""

    by_sample: Mapping[str, str] = field(default_factory=dict)
    plan: SplitPlan | None = None
    subsets: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def is_split(self) -> bool:
        return self.plan is not None

    def of(self, sample_id: str) -> str:
        if self.plan is None:
            return UNSPLIT
        try:
            return self.by_sample[sample_id]
        except KeyError:
            raise ConfigError(f"sample {sample_id} has no split in {FILE}: the dataset changed "
                              "after it was split; run `medground split` again") from None

    def select(self, samples: Iterable[Sample], only: Sequence[str] = ()) -> list[Sample]:
        """The samples an export writes: never the excluded ones; only the splits in ``only``
        when it is given (an unknown name is an error)."""
        unknown = sorted(set(only) - set(self.names()) - set(SPLITS))
        if unknown:
            raise ConfigError(f"unknown split(s) {', '.join(unknown)}; this dataset has "
                              f"{', '.join(self.names())}")
        return [s for s in samples
                if self.of(s.id) != EXCLUDED and (not only or self.of(s.id) in only)]

    def names(self) -> tuple[str, ...]:
        """The splits that have samples, in train/val/test order."""
        if self.plan is None:
            return (UNSPLIT,)
        used = set(self.by_sample.values())
        return tuple(s for s in SPLITS if s in used)

    def check(self, samples: Iterable[Sample]) -> None:
        """Fail unless every sample has a split, no patient is in two splits and no held-out
        label, modality or source is outside test (excluded samples are in no split)."""
        if self.plan is None:
            return
        seen: dict[str, str] = {}
        for s in samples:
            split = self.of(s.id)
            if split == EXCLUDED:
                continue
            if split != "test" and _held_out(s, self.plan):
                raise ConfigError(f"sample {s.id} is in {split} but holds a held-out "
                                  f"{' and '.join(k[len('unseen_'):] for k in _held_out(s, self.plan))} ({FILE} was "
                                  "edited); run `medground split` again")
            other = seen.setdefault(s.patient_id, split)
            if other != split:
                raise ConfigError(f"patient {s.patient_id} is in both {other} and {split} "
                                  f"({FILE} was edited or is stale); run `medground split` again")

    def composition(self, samples: Iterable[Sample]) -> dict[str, dict[str, dict[str, int]]]:
        """Per split: samples by source, modality, label (of each target) and task, plus
        ``size`` (``samples`` and ``patients``)."""
        out: dict[str, dict[str, Counter[str]]] = {}
        patients: dict[str, set[str]] = defaultdict(set)
        for s in samples:
            split = self.of(s.id)
            c = out.setdefault(split, {k: Counter() for k in (*COMPOSITION_KEYS, "size")})
            c["source"][s.source] += 1
            c["modality"][s.modality] += 1
            c["task"][s.task] += 1
            for lbl in sorted(_labels(s)):
                c["label"][lbl] += 1
            c["size"]["samples"] += 1
            patients[split].add(s.patient_id)
        for split, c in out.items():
            c["size"]["patients"] = len(patients[split])
        order = {name: i for i, name in enumerate((*SPLITS, UNSPLIT, EXCLUDED))}
        return {split: {k: dict(sorted(v.items())) for k, v in out[split].items()}
                for split in sorted(out, key=lambda s: order.get(s, 99))}

    def to_dict(self, samples: Sequence[Sample]) -> dict[str, Any]:
        plan = asdict(self.plan) if self.plan else None
        return {
            "version": 1,
            "plan": plan,
            "composition": self.composition(samples),
            "patients": dict(sorted({s.patient_id: self.of(s.id) for s in samples}.items())),
            "subsets": {k: sorted(v) for k, v in self.subsets.items()},
            "excluded": sorted(k for k, v in self.by_sample.items() if v == EXCLUDED),
            "samples": dict(sorted(self.by_sample.items())),
        }


def write_splits(dataset: Path, splits: Splits, samples: Sequence[Sample]) -> Path:
    path = dataset / FILE
    atomic_write_text(path, dumps(splits.to_dict(samples)) + "\n")
    return path


def load_splits(dataset: Path) -> Splits:
    """The dataset's splits; without ``splits.json`` every sample is in split ``"all"``."""
    path = dataset / FILE
    if not path.is_file():
        return Splits()
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        p = d["plan"]
        r = [float(v) for v in p["ratios"]]
        if len(r) != 3:
            raise ValueError("ratios must be three numbers")
        plan = SplitPlan(seed=int(p["seed"]), ratios=(r[0], r[1], r[2]), val=p.get("val"),
                         test=p.get("test"),
                         held_out_labels=tuple(p.get("held_out_labels", ())),
                         held_out_modalities=tuple(p.get("held_out_modalities", ())),
                         held_out_sources=tuple(p.get("held_out_sources", ())))
        by_sample = {str(k): str(v) for k, v in d["samples"].items()}
        bad = sorted(set(by_sample.values()) - {*SPLITS, EXCLUDED})
        if bad:
            raise ValueError(f"unknown split name(s) {', '.join(bad)}")
        subsets = {str(k): frozenset(map(str, v)) for k, v in d.get("subsets", {}).items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{path}: not a medground splits file ({exc}); run "
                          "`medground split` again") from exc
    return Splits(by_sample=by_sample, plan=plan, subsets=subsets)
