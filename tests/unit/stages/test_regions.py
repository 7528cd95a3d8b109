"""extract_regions: split, de-speck, de-duplicate and measure label layers of a view."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from medground.config import RegionsConfig
from medground.geometry.boxes import mask_to_box
from medground.geometry.components import min_component_area, remove_specks, split_components
from medground.stages.regions import Regions, extract_regions, label_selected, split_decisions
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
    with_moments = replace(r, moments=np.arange(18, dtype=np.int64).reshape(3, 6))[index]  # type: ignore[index]
    assert with_moments.moments is not None
    assert with_moments.moments[:, 0].tolist() == [6 * i for i in rows]


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
        ("moments", np.zeros((3, 5), np.int64), "moments"),
        ("moments", np.zeros((2, 6), np.int64), "moments"),
    ],
)
def test_regions_validation(field: str, value: object, match: str) -> None:
    r = _regions(3)
    kwargs = {
        k: getattr(r, k)
        for k in ("label", "instance", "xyxy", "area", "centroid", "masks", "data", "moments")
    }
    kwargs[field] = value
    with pytest.raises(ValueError, match=match):
        Regions(**kwargs)  # type: ignore[arg-type]


# --- box-based extraction equals the whole-image definition -----------------------------------


def _reference(view: View, cfg: RegionsConfig) -> tuple[list[tuple[str, int]], list[np.ndarray],
                                                        Counter[str]]:
    """extract_regions over whole-image masks: speck removal, splitting into components
    (largest first, ties by first pixel) and duplicate detection on the full masks."""
    min_area = min_component_area(H * W, cfg.min_area_px, cfg.min_area_fraction)
    counts: Counter[str] = Counter()
    rows: list[tuple[str, int]] = []
    masks: list[np.ndarray] = []
    nxt: Counter[str] = Counter()
    decisions = split_decisions(view, cfg)
    for layer in view.layers:
        cleaned, dropped = remove_specks(layer.mask, min_area, cfg.connectivity)
        counts["regions_dropped/speck"] += dropped
        if not cleaned.any():
            continue
        split = layer.instance is None and decisions[layer.label].split
        for part in split_components(cleaned, cfg.connectivity) if split else [cleaned]:
            x1, y1, x2, y2 = mask_to_box(part) or (0, 0, 0, 0)
            if min(x2 - x1, y2 - y1) < cfg.min_box_px:
                counts["regions_dropped/thin"] += 1
            elif any(lb == layer.label and np.array_equal(m, part)
                     for (lb, _), m in zip(rows, masks, strict=True)):
                counts["regions_dropped/duplicate"] += 1
            else:
                instance = layer.instance if layer.instance is not None else nxt[layer.label]
                nxt[layer.label] += layer.instance is None
                rows.append((layer.label, instance))
                masks.append(part)
    counts["regions"] += len(rows)
    return rows, masks, counts


def _edges() -> np.ndarray:
    """Components on every border and in every corner, of 1, 2 and 30 pixels."""
    m = np.zeros((H, W), bool)
    m[0, 0] = m[0, W - 1] = m[H - 1, 0] = True  # single-pixel specks in three corners
    m[H - 5:, W - 6:] = True  # a block in the fourth
    m[0, 20:22] = m[H - 1, 30:32] = True  # 2-pixel specks on the top and bottom border
    m[15:21, 0:5] = m[10:16, W - 5:] = True  # 30-pixel blocks on the left and right border
    return m


def _ties() -> np.ndarray:
    """Four 9-pixel squares: equal sizes, ordered by their first pixel in raster order."""
    m = np.zeros((H, W), bool)
    for y, x in ((20, 30), (5, 40), (5, 10), (30, 2)):
        m[y:y + 3, x:x + 3] = True
    return m


RNG = np.random.default_rng(11)
HARD_LAYERS: dict[str, list[Layer]] = {
    "borders and corners": [Layer("tumour", _edges())],
    "borders and corners, kept whole": [Layer("liver", _edges())],
    "ties by first pixel": [Layer("tumour", _ties())],
    "ring with a child in its hole": [
        Layer("organ", _disc(20, 25, 12) & ~_disc(20, 25, 6)), Layer("lesion", _disc(20, 25, 3))],
    "child over its parent (overlapping layers)": [
        Layer("liver", _disc(20, 25, 12)), Layer("tumour", _disc(18, 22, 3) | _disc(24, 30, 2))],
    "one-pixel regions": [Layer("dot", _disc(5, 5, 0)), Layer("dot", _disc(30, 40, 0), 3)],
    "duplicates and thin parts": [
        Layer("tumour", TWO_DISCS), Layer("tumour", _disc(*BIG), 0),
        Layer("tumour", _disc(*BIG)), Layer("vessel", np.eye(H, W, 5, dtype=bool))],
    "noise": [Layer("tumour", RNG.random((H, W)) < 0.45), Layer("liver", RNG.random((H, W)) < 0.3)],
    "the whole image": [Layer("body", np.ones((H, W), bool))],
}
HARD_CFGS = {
    "defaults": _cfg(split=[], keep_whole=["liver", "organ", "body"], min_area_px=5),
    "every pixel": _cfg(min_area_px=1, min_box_px=1),
    "4-connected": _cfg(connectivity=4, min_area_px=3, min_box_px=2),
}


@pytest.mark.parametrize("scene", sorted(HARD_LAYERS))
@pytest.mark.parametrize("cfg_name", sorted(HARD_CFGS))
def test_extract_regions_equals_the_whole_image_definition(scene: str, cfg_name: str) -> None:
    cfg = HARD_CFGS[cfg_name]
    view = _view(*HARD_LAYERS[scene])
    counts: Counter[str] = Counter()
    regions = extract_regions(view, cfg, counts)
    rows, masks, want_counts = _reference(view, cfg)
    assert list(zip(regions.label.tolist(), regions.instance.tolist(), strict=True)) == rows
    assert +counts == +want_counts
    for i, mask in enumerate(masks):
        np.testing.assert_array_equal(regions.masks[i], mask)
        ys, xs = np.nonzero(mask)
        assert regions.xyxy[i].tolist() == list(mask_to_box(mask) or ())
        assert int(regions.area[i]) == ys.size
        # exactly the whole-image floats, not merely close
        assert regions.centroid[i].tolist() == [float(xs.mean()) + 0.5, float(ys.mean()) + 0.5]
        # the moments the shape measures reuse: sums over the pixels, in the box's coordinates
        x1, y1 = regions.xyxy[i, :2].tolist()
        r, c = ys - y1, xs - x1
        assert regions.moments is not None
        assert regions.moments[i].tolist() == [
            ys.size, int(r.sum()), int(c.sum()), int((r * r).sum()), int((c * c).sum()),
            int((r * c).sum())]


def test_hard_layers_by_hand() -> None:
    """The border scene worked out: 3 one-pixel and 2 two-pixel specks dropped (min 5 px),
    then the 30-pixel blocks (left, right, the 5 x 6 corner block), largest first, ties by the
    first pixel: the right block starts on row 10, the left on row 15, the corner on row 35."""
    counts: Counter[str] = Counter()
    regions = extract_regions(_view(Layer("tumour", _edges())), _cfg(min_area_px=5), counts)
    assert counts["regions_dropped/speck"] == 5
    assert regions.xyxy.tolist() == [[W - 5, 10, W, 16], [0, 15, 5, 21], [W - 6, H - 5, W, H]]
