"""Ring contrast of all a view's regions at once: :func:`ring_contrasts`.

Each region's window (its box grown by its ring width, clipped to the image) is placed on a
canvas (:mod:`medground.geometry.packed`; windows of similar heights together, widest rings
first), far enough apart that no ring reaches the next window (:func:`_gaps`), and the hole
filling, the disc growing and the grey sums are one array operation each for the canvas:

- hole filling: only a mask that encloses background has a hole to fill (the shape measures
  say which: ``ShapeMeasures.encloses``; without them, only one with a row of two or more
  runs can), and those few are filled on their own windows, as ``ring_contrast`` fills;
- growing by a disc whose radius differs from window to window: ``crops.grow_disc`` with
  the radius given by column (every canvas column is in one window at most, and no
  window's disc reaches another's pixels);
- sums of grey levels inside each mask and in each ring, by window: exact for a grey image
  (integers), so the contrast is the very float ``ring_contrast`` gives.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from medground.geometry.crops import SQUARE, Window, fill_holes, grow_disc, window
from medground.geometry.packed import Layout, layout
from medground.stages.cue_words import default_ring_px, ring_contrast
from medground.types import BoolArray


def ring_contrasts(image: NDArray[np.uint8], masks: Sequence[BoolArray],
                   boxes: Sequence[tuple[int, int, int, int]], areas: Sequence[int],
                   encloses: Sequence[bool] | None = None) -> list[float | None]:
    """``ring_contrast(image, masks[i], box=boxes[i], area=areas[i])``'s contrast for every
    region (None where its ring is empty), with the default ring widths. ``encloses[i]``, when
    given, says whether mask ``i`` encloses any background (``ShapeMeasures.encloses``: a
    4-connected hole; with none there is no 8-connected one either), so that only those are
    filled. A colour image's grey levels are not integers, and summed in another order they
    could differ in the last bit: there each region is measured alone."""
    if image.ndim != 2:
        alone: list[float | None] = []
        for mask, box, area in zip(masks, boxes, areas, strict=True):
            rc = ring_contrast(image, mask, box=box, area=area)
            alone.append(rc.contrast if rc else None)
        return alone
    widths = [default_ring_px(int(a)) for a in areas]
    wins: list[Window] = [window(box, w, image.shape)
                          for box, w in zip(boxes, widths, strict=True)]
    out: list[float | None] = [None] * len(masks)
    for shelf in _shelves([w[0].stop - w[0].start for w in wins]):
        shelf.sort(key=lambda i: -widths[i])  # widest rings first: see crops.grow_disc
        got = _contrasts(image, [masks[i] for i in shelf], [wins[i] for i in shelf],
                         [boxes[i] for i in shelf],
                         np.array([widths[i] for i in shelf], dtype=np.int64),
                         [int(areas[i]) for i in shelf],
                         None if encloses is None else [encloses[i] for i in shelf])
        for i, contrast in zip(shelf, got, strict=True):
            out[i] = contrast
    return out


#: a canvas holds windows at least this share of its tallest one's height (a speed setting
#: only: fewer, wider canvases against less empty space; 0.35 to 0.75 were within a few
#: percent of each other on benchmarks/regions.py)
SHELF_RATIO = 0.65


def _shelves(heights: Sequence[int]) -> list[list[int]]:
    """Window indices, tallest first, cut into canvases whose windows are all taller than
    ``SHELF_RATIO`` of the canvas's first: a canvas is as tall as its tallest window, and a
    short window beside a tall one would leave most of its columns empty."""
    shelves: list[list[int]] = []
    top = 0
    for i in sorted(range(len(heights)), key=lambda k: -heights[k]):
        if not shelves or heights[i] < SHELF_RATIO * top:
            shelves.append([])
            top = heights[i]
        shelves[-1].append(i)
    return shelves


def _contrasts(image: NDArray[np.uint8], masks: Sequence[BoolArray], wins: Sequence[Window],
               boxes: Sequence[tuple[int, int, int, int]], widths: NDArray[np.int64],
               areas: Sequence[int], encloses: Sequence[bool] | None) -> list[float | None]:
    """The contrasts of regions whose windows go on one canvas."""
    lay = layout([(w[0].stop - w[0].start, w[1].stop - w[1].start) for w in wins],
                 _gaps(wins, boxes, widths.tolist()))
    inside = np.asarray(lay.place([m[w] for m, w in zip(masks, wins, strict=True)], bool),
                        dtype=bool)
    grey = lay.place([image[w] for w in wins], image.dtype)
    filled = _fill_holes(inside, lay, encloses)
    # a gap column takes the ring width of the window on its left (the first window's, before it)
    left_tile = np.maximum.accumulate(np.maximum(lay.column_tile, 0))
    ring = grow_disc(filled, widths[left_tile])
    ring &= ~filled
    lay.clear_outside(ring)  # a ring spills into the gaps and below short windows
    ring_n = lay.tile_sums(ring)
    # the window holds the whole mask: its pixels there are its area
    inside_mean = lay.tile_sums(inside, grey) / np.asarray(areas, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        ring_mean = lay.tile_sums(ring, grey) / ring_n
    return [None if n == 0 else (float(a) - float(b)) / 255.0
            for a, b, n in zip(inside_mean.tolist(), ring_mean.tolist(), ring_n.tolist(),
                               strict=True)]


def _gaps(wins: Sequence[Window], boxes: Sequence[tuple[int, int, int, int]],
          widths: Sequence[int]) -> list[int]:
    """Columns of background before, between and after the windows, so that no ring reaches
    the next window: a mask pixel lies at least its window's margin from the window's edge
    (the ring width, less where the image edge clipped the window), and a ring of width
    ``r`` reaches ``r`` columns; between windows ``a`` and ``b`` the gap makes up what
    ``a``'s margin lacks of ``b``'s ring, and ``b``'s of ``a``'s. Nothing is needed before
    the first or after the last (the canvas ends there, as the window does)."""
    gaps = [0]
    for t in range(len(wins) - 1):
        right_margin = wins[t][1].stop - boxes[t][2]  # a's last mask column to its edge
        left_margin = boxes[t + 1][0] - wins[t + 1][1].start
        gaps.append(max(0, widths[t + 1] - right_margin, widths[t] - left_margin))
    return [*gaps, 0] if wins else [0]


def _fill_holes(mask: BoolArray, lay: Layout, encloses: Sequence[bool] | None) -> BoolArray:
    """Each window's mask with its holes (8-connected background) filled. Only a mask that
    ``encloses`` background has one; without that word, only one with a row of two or more
    runs can (``crops.one_run_per_row``). Those few are filled one by one, on their own
    windows."""
    out = mask.copy()
    if not len(lay):
        return out
    if encloses is not None:
        todo = [t for t, e in enumerate(encloses) if e]
    else:
        starts = mask.copy()
        starts[:, 1:] &= ~mask[:, :-1]
        # runs starting in each row of each window (and the gap after it, which has none)
        runs = np.add.reduceat(starts, lay.x0, axis=1, dtype=np.int32).max(axis=0)
        todo = np.flatnonzero(runs > 1).tolist()
    for t in todo:
        rows, cols = slice(0, int(lay.heights[t])), slice(int(lay.x0[t]),
                                                          int(lay.x0[t] + lay.widths[t]))
        out[rows, cols] = fill_holes(mask[rows, cols], SQUARE)
    return out
