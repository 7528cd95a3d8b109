"""extract_regions: split, de-speck, de-duplicate and measure label layers of a view."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from medground.config import RegionsConfig
from medground.stages.regions import Regions, extract_regions, label_selected
from medground.types import Layer, View

H, W = 40, 50


def _disc(cy: int, cx: int, r: int) -> np.ndarray:
    yy, xx = np.mgrid[:H, :W]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r**2


def _box(cy: int, cx: int, r: int) -> list[int]:
    return [cx - r, cy - r, cx + r + 1, cy + r + 1]


def _view(*layers: Layer) -> View:
    return View(
        case_id="c1",
        plane="axial",
        slice_index=3,
        image=np.zeros((H, W), np.uint8),
        layers=list(layers),
    )


def _cfg(**kw: object) -> RegionsConfig:
    kw.setdefault("keep_whole", [])
    kw.setdefault("split", ["*"])  # the splitting mechanics; the rule is tested in test_structure
    kw.setdefault("min_area_fraction", 0.0)
    return RegionsConfig(**kw)  # type: ignore[arg-type]


BIG, SMALL = (12, 12, 6), (28, 38, 3)  # (cy, cx, r)
TWO_DISCS = _disc(*BIG) | _disc(*SMALL)
SPECK = np.zeros((H, W), bool)
SPECK[35, 2:4] = True  # 2 px


def test_two_discs_largest_first() -> None:
    counts: Counter[str] = Counter()
    regions = extract_regions(_view(Layer("tumour", TWO_DISCS)), _cfg(), counts)
    assert len(regions) == 2
    assert regions.label.tolist() == ["tumour", "tumour"]
    assert regions.instance.tolist() == [0, 1]
    assert regions.xyxy.tolist() == [_box(*BIG), _box(*SMALL)]
    assert regions.area.tolist() == [int(_disc(*BIG).sum()), int(_disc(*SMALL).sum())]
    np.testing.assert_allclose(regions.centroid, [[12.5, 12.5], [38.5, 28.5]])
    assert np.array_equal(regions.masks[1], _disc(*SMALL))
    assert counts["regions"] == 2


@pytest.mark.parametrize(
    ("keep_whole", "n"),
    [
        pytest.param(["tumour"], 1, id="exact"),
        pytest.param(["tum*"], 1, id="glob"),
        pytest.param(["liver", "kidney_*"], 2, id="no-match-splits"),
        pytest.param([], 2, id="empty-list-splits"),
        pytest.param(None, 2, id="countable-name-splits-by-default"),
    ],
)
def test_keep_whole(keep_whole: list[str] | None, n: int) -> None:
    cfg = RegionsConfig() if keep_whole is None else _cfg(keep_whole=keep_whole, split=[])
    regions = extract_regions(_view(Layer("tumour", TWO_DISCS)), cfg, Counter())
    assert len(regions) == n
    if n == 1:
        assert regions.xyxy.tolist() == [[6, 6, 42, 32]]
        assert regions.area.tolist() == [int(TWO_DISCS.sum())]


def test_instance_layer_not_split() -> None:
    regions = extract_regions(_view(Layer("lesion", TWO_DISCS, instance=7)), _cfg(), Counter())
    assert regions.instance.tolist() == [7]


@pytest.mark.parametrize(
    ("layers", "n_regions", "expected_counts"),
    [
        pytest.param(
            [Layer("tumour", _disc(*BIG) | SPECK)],
            1,
            {"regions_dropped/speck": 1, "regions": 1},
            id="speck-dropped",
        ),
        pytest.param(
            [Layer("tumour", SPECK)],
            0,
            {"regions_dropped/speck": 1},  # counted once (was also regions_dropped/too_small)
            id="only-speck",
        ),
        pytest.param(
            [Layer("tumour", SPECK | np.roll(SPECK, (10, 10), axis=(0, 1)))],
            0,
            {"regions_dropped/speck": 2},
            id="only-two-specks",
        ),
        pytest.param(
            [Layer("tumour", np.zeros((H, W), bool))],
            0,
            {},
            id="empty-layer-not-counted",
        ),
        pytest.param(
            [Layer("lesion", _disc(*BIG), 0), Layer("lesion", _disc(*BIG), 0)],
            1,
            {"regions_dropped/duplicate": 1, "regions": 1},
            id="duplicate-per-target",
        ),
        pytest.param(
            [Layer("lesion", _disc(*BIG), 0), Layer("lesion", _disc(*BIG), 1)],
            1,
            {"regions_dropped/duplicate": 1, "regions": 1},
            id="duplicate-other-instance-id",
        ),
        pytest.param(
            [Layer("a", _disc(*BIG)), Layer("b", _disc(*BIG))],
            2,
            {"regions": 2},
            id="same-mask-other-label-kept",
        ),
    ],
)
def test_drop_counts(layers: list[Layer], n_regions: int, expected_counts: dict[str, int]) -> None:
    counts: Counter[str] = Counter()
    regions = extract_regions(_view(*layers), _cfg(min_area_px=5), counts)
    assert len(regions) == n_regions
    assert +counts == Counter(expected_counts)


def test_min_area_fraction_applies() -> None:
    # 40 x 50 = 2000 px; fraction 0.02 -> 40 px floor: the r=3 disc (29 px) is a speck
    counts: Counter[str] = Counter()
    regions = extract_regions(_view(Layer("t", TWO_DISCS)), _cfg(min_area_fraction=0.02), counts)
    assert len(regions) == 1 and counts["regions_dropped/speck"] == 1


def test_instances_numbered_per_label() -> None:
    layers = [Layer("a", TWO_DISCS), Layer("b", _disc(*BIG)), Layer("a", _disc(20, 25, 2))]
    regions = extract_regions(_view(*layers), _cfg(), Counter())
    assert list(zip(regions.label.tolist(), regions.instance.tolist(), strict=True)) == [
        ("a", 0),
        ("a", 1),
        ("b", 0),
        ("a", 2),
    ]


LABELS = ["kidney_left", "kidney_right", "liver", "tumour"]


@pytest.mark.parametrize(
    ("include", "exclude", "selected"),
    [
        (None, [], LABELS),
        (["kidney_*"], [], ["kidney_left", "kidney_right"]),
        (None, ["*_right"], ["kidney_left", "liver", "tumour"]),
        (["kidney_*"], ["*_right"], ["kidney_left"]),
        (["liver", "tumour"], ["liver"], ["tumour"]),
        ([], [], []),
        (["Liver"], [], []),  # case-sensitive
    ],
)
def test_include_exclude(
    include: list[str] | None, exclude: list[str], selected: list[str]
) -> None:
    cfg = _cfg(include=include, exclude=exclude)
    assert [lab for lab in LABELS if label_selected(lab, cfg)] == selected
    layers = [Layer(lab, _disc(8 + 8 * i, 10 + 10 * i, 3)) for i, lab in enumerate(LABELS)]
    regions = extract_regions(_view(*layers), cfg, Counter())
    assert regions.label.tolist() == selected


def _regions(n: int, **data: np.ndarray) -> Regions:
    return Regions(
        label=np.array([f"l{i}" for i in range(n)]),
        instance=np.arange(n, dtype=np.int64),
        xyxy=np.arange(4 * n, dtype=np.int64).reshape(n, 4),
        area=np.arange(n, dtype=np.int64) + 10,
        centroid=np.zeros((n, 2)),
        masks=[np.full((2, 2), i % 2 == 0) for i in range(n)],
        data=data,
    )


@pytest.mark.parametrize(
    ("index", "labels"),
    [
        (np.array([True, False, True]), ["l0", "l2"]),
        (np.array([False, False, False]), []),
        ([2, 0], ["l2", "l0"]),
        (np.array([1], dtype=np.int64), ["l1"]),
        ([], []),
    ],
)
def test_regions_indexing(index: object, labels: list[str]) -> None:
    r = _regions(3, cue=np.array(["x", "y", "z"]))
    sub = r[index]  # type: ignore[index]
    assert sub.label.tolist() == labels
    rows = [int(lab[1:]) for lab in labels]
    assert sub.instance.tolist() == rows
    assert sub.area.tolist() == [10 + i for i in rows]
    assert sub.xyxy.shape == (len(rows), 4)
    assert sub.data["cue"].tolist() == [["x", "y", "z"][i] for i in rows]
    assert [m[0, 0] for m in sub.masks] == [i % 2 == 0 for i in rows]


def test_regions_empty() -> None:
    assert len(Regions.empty()) == 0
    assert len(Regions.empty()[np.zeros(0, bool)]) == 0


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("instance", np.zeros(2, np.int64), "instance"),
        ("area", np.zeros(4, np.int64), "area"),
        ("xyxy", np.zeros((3, 3), np.int64), "xyxy"),
        ("xyxy", np.zeros((2, 4), np.int64), "xyxy"),
        ("centroid", np.zeros((3, 3)), "centroid"),
        ("masks", [np.zeros((2, 2), bool)], "masks"),
        ("data", {"cue": np.zeros(2)}, "cue"),
    ],
)
def test_regions_validation(field: str, value: object, match: str) -> None:
    r = _regions(3)
    kwargs = {
        k: getattr(r, k) for k in ("label", "instance", "xyxy", "area", "centroid", "masks", "data")
    }
    kwargs[field] = value
    with pytest.raises(ValueError, match=match):
        Regions(**kwargs)  # type: ignore[arg-type]
