"""The evaluation results beside a dataset: every ``*.eval.json`` that ``medground eval`` wrote.

The keys are eval/score.py's: ``split``, ``counts``, ``coverage``, ``single`` (Acc@tau, mIoU,
Center_ACC), ``single_ci95`` (metric -> [low, high]), ``multi`` (precision, recall, f1), ``by``
(key -> value -> n and scores), ``subsets`` (name -> n and scores) and ``baselines``
(``fitted_on``, ``fitted_samples`` and name -> n and scores, eval/baselines.py), shown as rows
beside the model's. The reading is tolerant: a missing key leaves its table out, a number
that is not finite is left out, and a file that cannot be read is shown with the reason.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from medground.eval.baselines import NAMES as BASELINE_ORDER
from medground.eval.metrics import THRESHOLDS
from medground.report.figures import Breakdown, EvalFigure, ScoreRow

#: the metrics' column order; other numbers of a score record are notes (``fallbacks``)
METRICS: tuple[str, ...] = (*(f"acc@{t}" for t in THRESHOLDS), "miou", "center_acc")
MULTI: tuple[str, ...] = ("precision", "recall", "f1")


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _numbers(raw: Any, keys: tuple[str, ...], inside: bool) -> tuple[tuple[str, float], ...]:
    """The numbers of ``raw`` whose key is in ``keys`` (in that order), or, with ``inside``
    False, those whose key is not (sorted; ``n`` excluded)."""
    if not isinstance(raw, Mapping):
        return ()
    found = {str(k): n for k, v in raw.items() if (n := _number(v)) is not None}
    if inside:
        return tuple((k, found[k]) for k in keys if k in found)
    return tuple((k, found[k]) for k in sorted(found) if k not in keys and k != "n")


def _ci(raw: Any) -> tuple[tuple[str, float, float], ...]:
    if not isinstance(raw, Mapping):
        return ()
    out = []
    for key in (k for k in METRICS if k in raw):
        pair = raw[key]
        if isinstance(pair, list | tuple) and len(pair) == 2:
            lo, hi = _number(pair[0]), _number(pair[1])
            if lo is not None and hi is not None:
                out.append((key, lo, hi))
    return tuple(out)


def _n(raw: Any) -> int | None:
    n = _number(raw.get("n")) if isinstance(raw, Mapping) else None
    return None if n is None else int(n)


def _baselines(raw: Any) -> tuple[list[ScoreRow], str]:
    """Baseline rows (eval/baselines.py's order, others after) and what they were fitted on."""
    if not isinstance(raw, Mapping):
        return [], ""
    names = [k for k in BASELINE_ORDER if isinstance(raw.get(k), Mapping)]
    names += sorted(str(k) for k, v in raw.items()
                    if isinstance(v, Mapping) and k not in BASELINE_ORDER)
    rows = [ScoreRow(name.replace("_", " "), True, _numbers(raw[name], METRICS, True),
                     n=_n(raw[name]), notes=_numbers(raw[name], METRICS, False))
            for name in names]
    note = ""
    if "fitted_on" in raw:
        fitted = _number(raw.get("fitted_samples"))
        many = f" ({int(fitted)} single-target samples)" if fitted is not None else ""
        note = f"baselines fitted on the {raw['fitted_on']}{many}"
    return rows, note


def _groups(key: str, groups: Any) -> Breakdown | None:
    if not isinstance(groups, Mapping):
        return None
    rows = tuple((str(value), _n(g) or 0, _numbers(g, METRICS, True))
                 for value, g in sorted(groups.items(), key=lambda kv: str(kv[0]))
                 if isinstance(g, Mapping))
    return Breakdown(key, rows)


def read_eval(path: Path, label: str) -> EvalFigure:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, Mapping):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        return EvalFigure(file=label, problem=f"{type(exc).__name__}: {exc}")
    counts = raw.get("counts")
    count_pairs = tuple((str(k), int(n)) for k, v in counts.items()
                        if (n := _number(v)) is not None) if isinstance(counts, Mapping) else ()
    scored = dict(count_pairs).get("scored")
    model = ScoreRow(label.removesuffix(".eval.json"), False,
                     _numbers(raw.get("single"), METRICS, True), n=scored,
                     ci95=_ci(raw.get("single_ci95")),
                     multi=_numbers(raw.get("multi"), MULTI, True))
    baselines, note = _baselines(raw.get("baselines"))
    by = raw.get("by")
    breakdowns = [b for key in sorted(by, key=str) if (b := _groups(str(key), by[key]))] \
        if isinstance(by, Mapping) else []
    if (subsets := _groups("subset", raw.get("subsets"))) is not None and subsets.rows:
        breakdowns.append(subsets)
    return EvalFigure(file=label, split=str(raw.get("split", "")), counts=count_pairs,
                      coverage=_number(raw.get("coverage")), baselines_note=note,
                      rows=(model, *baselines), breakdowns=tuple(breakdowns))


def read_evals(dataset: Path) -> tuple[EvalFigure, ...]:
    """Every ``*.eval.json`` directly in the dataset folder, by file name."""
    return tuple(read_eval(p, p.name) for p in sorted(dataset.glob("*.eval.json")))
