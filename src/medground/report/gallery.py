"""The report's gallery: a bounded, deterministic pick of samples and their thumbnails.

A 100k-sample dataset must still give a page of a few MB, and the same dataset the same page,
so the pick never depends on file order or chance:

* every filter value (each modality, label, task, and "kept" or each reject reason) is a group;
  a group keeps the :data:`PER_GROUP` samples with the smallest SHA-256 of their id (a
  uniform pseudo-random pick that any order of the records gives alike);
* the gallery takes the groups' first picks round-robin (group by group, rank by rank) until it
  holds :data:`CAP` cards, so every group is shown before any group shows more.

Thumbnails are drawn with Pillow: small images are enlarged by a whole factor (nearest
neighbour, so pixel edges stay where the box edges are), large ones shrunk to fit
:data:`THUMB` pixels, then target boxes (green) and distractor boxes (orange) are drawn on them
and the result embedded as a JPEG data URI.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw

from medground.report.figures import Card, GalleryFigure
from medground.types import Sample, Verdict

PER_GROUP = 6
CAP = 480
THUMB = 192  # longest side of a thumbnail, in pixels
JPEG_QUALITY = 85
TARGET_COLOUR = (40, 230, 90)
DISTRACTOR_COLOUR = (255, 150, 30)
DETAIL_CHARS = 240

RULE = (f"up to {PER_GROUP} samples per filter value (each modality, label, task, and kept or "
        "each reject reason): those whose SHA-256 of the sample id is smallest; the groups' "
        f"picks are taken round-robin up to {CAP} cards in all. Thumbnails are at most "
        f"{THUMB} px on their longer side.")


def sort_key(sample_id: str) -> str:
    return hashlib.sha256(sample_id.encode("utf-8")).hexdigest()


@dataclass
class _Offer:
    key: str
    sample: Sample
    failure: Verdict | None


@dataclass
class Picker:
    """Keeps, per group, the :data:`PER_GROUP` offers with the smallest :func:`sort_key`."""

    per_group: int = PER_GROUP
    cap: int = CAP
    seen: int = 0
    groups: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    offers: dict[tuple[str, str], _Offer] = field(default_factory=dict)

    def offer(self, sample: Sample, failure: Verdict | None) -> None:
        """A kept sample (``failure`` None) or a reject with its first failing verdict."""
        self.seen += 1
        key = sort_key(sample.id)
        ident = (key, sample.id if failure is None else f"{sample.id}#rejected")
        verdict = "kept" if failure is None else f"{failure.stage}/{failure.reason}"
        wanted = False
        for group in groups_of(sample, verdict):
            picks = self.groups.setdefault(group, [])
            if ident in picks:  # the same record twice (a duplicate line)
                continue
            if len(picks) < self.per_group or ident < picks[-1]:
                bisect.insort(picks, ident)
                del picks[self.per_group:]
                wanted = wanted or ident in picks
        if wanted:
            self.offers.setdefault(ident, _Offer(key, sample, failure))
        if len(self.offers) > max(4 * self.cap, 2 * self.per_group * len(self.groups)):
            self._prune()

    def _prune(self) -> None:
        """Forget the offers no group holds any more (memory stays bounded)."""
        held = {ident for picks in self.groups.values() for ident in picks}
        self.offers = {k: v for k, v in self.offers.items() if k in held}

    def picked(self) -> list[_Offer]:
        """The gallery's offers: round-robin over the groups, at most :attr:`cap`."""
        chosen: dict[tuple[str, str], None] = {}
        order = sorted(self.groups)
        for rank in range(self.per_group):
            for group in order:
                picks = self.groups[group]
                if rank < len(picks) and len(chosen) < self.cap:
                    chosen.setdefault(picks[rank])
        return [self.offers[ident] for ident in sorted(chosen)]

    def figure(self, dataset: Path) -> GalleryFigure:
        cards = tuple(card(dataset, o.sample, o.failure) for o in self.picked())
        return GalleryFigure(cards=cards, per_group=self.per_group, cap=self.cap,
                             candidates=self.seen)


def groups_of(sample: Sample, verdict: str) -> Iterable[tuple[str, str]]:
    yield ("modality", sample.modality)
    for label in sorted({t.label for t in sample.targets}):
        yield ("label", label)
    yield ("task", sample.task)
    yield ("verdict", verdict)


def card(dataset: Path, sample: Sample, failure: Verdict | None) -> Card:
    uri, width, height, problem = thumbnail(dataset, sample)
    detail = failure.detail if failure else ""
    if len(detail) > DETAIL_CHARS:
        detail = detail[:DETAIL_CHARS] + "..."
    return Card(
        id=sample.id, image=sample.image, thumbnail=uri, width=width, height=height,
        query=sample.query, modality=sample.modality, task=sample.task,
        labels=tuple(sorted({t.label for t in sample.targets})),
        names=tuple(t.name or t.label for t in sample.targets),
        kept=failure is None,
        stage=failure.stage if failure else "", reason=failure.reason if failure else "",
        detail=detail,
        claims=tuple(c.describe() for c in sample.claims or ()),
        distractors=len(sample.distractors), image_problem=problem)


def scale_for(width: int, height: int, limit: int = THUMB) -> float:
    """A whole enlargement factor for small images, a shrinking one for large images."""
    side = max(width, height, 1)
    if side <= limit:
        return float(max(1, limit // side))
    return limit / side


def thumbnail(dataset: Path, sample: Sample) -> tuple[str, int, int, str]:
    """(data URI, width, height, problem): the image with its boxes, or a grey placeholder of
    the sample's size when the image cannot be shown (``problem`` says why)."""
    base = dataset.resolve()
    path = (base / sample.image).resolve()
    problem = ""
    image: Image.Image | None = None
    if not path.is_relative_to(base):
        problem = "the image path leaves the dataset folder"
    elif not path.is_file():
        problem = "image file not found"
    else:
        try:
            with Image.open(path) as opened:
                image = opened.convert("RGB")
        except Exception as exc:  # any unreadable file becomes a placeholder, never a crash
            problem = f"image unreadable ({type(exc).__name__})"
    if image is None:
        width, height = max(1, sample.width), max(1, sample.height)
        image = Image.new("RGB", (min(width, 4096), min(height, 4096)), (90, 90, 90))
    s = scale_for(*image.size)
    size = (max(1, round(image.width * s)), max(1, round(image.height * s)))
    resample = Image.Resampling.NEAREST if s >= 1 else Image.Resampling.LANCZOS
    image = image.resize(size, resample)
    if not problem:  # boxes are in the saved PNG's pixels; the placeholder has none
        draw = ImageDraw.Draw(image)
        line = 2 if s >= 2 else 1
        for region, colour in ([(d, DISTRACTOR_COLOUR) for d in sample.distractors]
                               + [(t, TARGET_COLOUR) for t in sample.targets]):
            draw_box(draw, region.box, s, colour, line, image.size)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, subsampling=0, optimize=True)
    uri = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return uri, image.width, image.height, problem


def draw_box(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], s: float,
             colour: tuple[int, int, int], line: int, size: tuple[int, int]) -> None:
    """The box's outline on the scaled image: pixel-edge ``x2, y2`` are exclusive, so the
    outline's last column is ``round(x2 * s) - 1`` (lines drawn inwards)."""
    x1, y1, x2, y2 = (round(v * s) for v in box)
    x1, y1 = min(max(x1, 0), size[0] - 1), min(max(y1, 0), size[1] - 1)
    x2, y2 = min(max(x2 - 1, x1), size[0] - 1), min(max(y2 - 1, y1), size[1] - 1)
    draw.rectangle((x1, y1, x2, y2), outline=colour, width=line)
