"""The gallery: boxes drawn where the pixels are (read back from the embedded JPEG), a bounded
pick that does not depend on the order of the records, and placeholders instead of crashes."""

from __future__ import annotations

import base64
import hashlib
import io
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from report_tiny import HOSTILE_ID, KEPT, make_tiny

from medground.dataset import read_samples
from medground.report.gallery import CAP, PER_GROUP, THUMB, Picker, thumbnail
from medground.types import Sample


def _decode(uri: str) -> Image.Image:
    head, data = uri.split(",", 1)
    assert head == "data:image/jpeg;base64"
    return Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")


def _green(px: tuple[int, int, int]) -> bool:
    return px[1] > 180 and px[0] < 100


def _dark(px: tuple[int, int, int]) -> bool:
    return max(px) < 60  # the image is grey 30


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny(tmp_path_factory.mktemp("tiny"))


def test_small_image_is_enlarged_by_a_whole_factor_with_the_box_on_its_pixel_edges(
        tiny: Path) -> None:
    s1 = next(read_samples(tiny))  # 40 x 20, liver box [10, 5, 20, 15], x2/y2 exclusive
    uri, width, height, problem = thumbnail(tiny, s1)
    image = _decode(uri)
    # 192 // 40 = 4: the box covers columns 40..79 and rows 20..59 of the thumbnail
    assert (width, height, problem) == (160, 80, "") and image.size == (160, 80)
    px = image.getpixel
    assert _green(px((40, 40))) and _green(px((79, 40)))  # left and right edges
    assert _green(px((60, 20))) and _green(px((60, 59)))  # top and bottom edges
    assert _dark(px((39, 40))) and _dark(px((80, 40)))  # just outside: x2 is exclusive
    assert _dark(px((60, 19))) and _dark(px((60, 60)))
    assert _dark(px((60, 40)))  # inside: an outline, not a fill


def test_large_image_is_shrunk_to_the_thumbnail_bound(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    Image.fromarray(np.full((300, 900), 30, np.uint8)).save(tmp_path / "images" / "big.png")
    sample = Sample.from_dict({**KEPT[0], "image": "images/big.png", "width": 900,
                               "height": 300, "targets": [
                                   {**KEPT[0]["targets"][0], "box": [300, 0, 600, 300]}]})
    uri, width, height, _ = thumbnail(tmp_path, sample)
    image = _decode(uri)
    assert (width, height) == (THUMB, 64) == image.size  # 900 x 300 scaled by 192 / 900
    assert _green(image.getpixel((64, 32))) and _dark(image.getpixel((96, 32)))


@pytest.mark.parametrize("path, problem", [
    ("images/missing.png", "image file not found"),
    ("../outside.png", "the image path leaves the dataset folder"),
])
def test_unshowable_images_become_placeholders(tiny: Path, path: str, problem: str) -> None:
    (tiny.parent / "outside.png").write_bytes((tiny / "images" / "a.png").read_bytes())
    sample = Sample.from_dict({**KEPT[0], "image": path})
    uri, width, height, found = thumbnail(tiny, sample)
    assert found == problem
    assert _decode(uri).size == (width, height) == (160, 80)
    assert not _green(_decode(uri).getpixel((40, 40)))  # no box on a placeholder


def _samples(n: int, labels: int) -> list[Sample]:
    base = KEPT[0]
    return [Sample.from_dict({**base, "id": f"id{i:05d}", "targets": [
        {**base["targets"][0], "label": f"label{i % labels}"}]}) for i in range(n)]


def test_pick_is_the_smallest_hashes_whatever_the_order() -> None:
    samples = _samples(200, labels=1)  # one group per filter: each holds the same picks
    picks = []
    for seed in range(3):
        random.Random(seed).shuffle(samples)
        picker = Picker()
        for s in samples:
            picker.offer(s, None)
        picks.append([o.sample.id for o in picker.picked()])
    smallest = sorted((s.id for s in samples),
                      key=lambda i: hashlib.sha256(i.encode()).hexdigest())[:PER_GROUP]
    assert picks[0] == picks[1] == picks[2]
    assert sorted(picks[0]) == sorted(smallest)


def test_pick_is_capped_and_every_group_shows_before_any_shows_more() -> None:
    picker = Picker()
    for s in _samples(3000, labels=300):  # 300 label groups of 10 samples: 1800 candidates
        picker.offer(s, None)
    chosen = picker.picked()
    assert len(chosen) == CAP
    assert {o.sample.targets[0].label for o in chosen} == {f"label{i}" for i in range(300)}
    assert len(picker.offers) <= 2 * PER_GROUP * len(picker.groups)  # memory stays bounded


def test_rejects_are_their_own_group_with_the_reason(tiny: Path) -> None:
    from medground.report.data import gather

    cards = gather(tiny).gallery.cards
    assert sorted(c.id for c in cards) == ["r1", HOSTILE_ID, "s1", "s2", "s3", "s4"]
    rejected = {c.id: (c.stage, c.reason) for c in cards if not c.kept}
    assert rejected == {"r1": ("geometry", "BOX_OUTSIDE_IMAGE"),
                        HOSTILE_ID: ("judge", "NO_IMAGE_EVIDENCE")}
    assert next(c for c in cards if c.id == "s2").distractors == 1
