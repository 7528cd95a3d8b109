"""Many small 2D arrays side by side on one canvas, so that a view's regions are measured with
one array operation each instead of one per region.

A view of a CT slice holds a dozen or more regions of a few thousand pixels each; measuring
them one by one costs a hundred or so small numpy calls per region, and the calls' overhead,
not the pixels, is most of the time. Placed left to right on one canvas, with ``gap``
columns of background before, between and after them, every canvas column belongs to at most
one tile (``column_tile``), so a per-pixel result is attributed to its tile by its column
alone, and a neighbourhood operation reaching at most ``gap`` pixels sideways never mixes
two tiles. Tiles start at canvas row 0 (a tile's rows are the canvas's rows); below a tile
shorter than the canvas is background outside every tile (:meth:`Layout.clear_outside`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import DTypeLike, NDArray

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Layout:
    """Where each tile goes: tile ``t`` is canvas ``[:heights[t], x0[t]:x0[t] + widths[t]]``."""

    heights: IntArray
    widths: IntArray
    x0: IntArray
    shape: tuple[int, int]  # the canvas's (rows, columns)
    column_tile: IntArray  # the tile of each canvas column, -1 in a gap

    def __len__(self) -> int:
        return int(self.heights.size)

    def place(self, arrays: Sequence[NDArray[np.generic]], dtype: DTypeLike) -> NDArray[np.generic]:
        """The canvas with ``arrays[t]`` (of shape ``(heights[t], widths[t], ...)``) in tile
        ``t`` and zeros elsewhere; trailing axes (colour channels) are kept."""
        extra = arrays[0].shape[2:] if arrays else ()
        canvas = np.zeros(self.shape + tuple(extra), dtype=dtype)
        for t, array in enumerate(arrays):
            x = int(self.x0[t])
            canvas[:array.shape[0], x:x + array.shape[1]] = array
        return canvas

    def clear_outside(self, canvas: NDArray[np.generic]) -> None:
        """Zero ``canvas`` where no tile is (the gaps, and below the tiles shorter than the
        canvas), in place: a slice per gap and short tile, instead of a mask of the canvas."""
        ends = (self.x0 + self.widths).tolist()
        starts = [*self.x0.tolist(), self.shape[1]]
        before = 0
        for t, (x, end) in enumerate(zip(starts[:-1], ends, strict=True)):
            if x > before:
                canvas[:, before:x] = 0
            if int(self.heights[t]) < self.shape[0]:
                canvas[int(self.heights[t]):, x:end] = 0
            before = end
        if starts[-1] > before:
            canvas[:, before:] = 0

    def tile_sums(self, where: NDArray[np.bool_], values: NDArray[np.generic] | None = None
                  ) -> NDArray[np.float64]:
        """Per tile, the number of ``where`` pixels, or the sum of the integer ``values`` over
        them: column sums, then the sums of each tile's columns (a tile's columns are one run,
        the gap after it adds nothing). Exact, and given as float64, which holds any integer
        below 2**53 exactly."""
        if values is None:
            columns = np.count_nonzero(where, axis=0)
        else:
            columns = (values * where).sum(axis=0, dtype=np.int64)
        if not len(self):
            return np.zeros(0)
        out: NDArray[np.float64] = np.add.reduceat(columns, self.x0).astype(np.float64)
        return out


def layout(shapes: Sequence[tuple[int, ...]], gap: int | Sequence[int]) -> Layout:
    """A :class:`Layout` for tiles of these (rows, columns, ...) shapes, ``gap`` >= 0 columns
    of background before, between and after them: one width for all, or ``len(shapes) + 1``
    widths (before the first tile, after each)."""
    n = len(shapes)
    gaps = [int(gap)] * (n + 1) if isinstance(gap, int) else [int(g) for g in gap]
    if len(gaps) != n + 1 or min(gaps) < 0:
        raise ValueError(f"need {n + 1} gaps >= 0, got {gap!r}")
    heights = np.array([int(s[0]) for s in shapes], dtype=np.int64)
    widths = np.array([int(s[1]) for s in shapes], dtype=np.int64)
    steps = np.asarray(gaps[:n], dtype=np.int64) + np.concatenate([[0], widths[:-1]])
    x0 = np.cumsum(steps).astype(np.int64)
    total = int(widths.sum()) + sum(gaps)
    column_tile = np.full(total, -1, dtype=np.int64)
    for t, (x, w) in enumerate(zip(x0.tolist(), widths.tolist(), strict=True)):
        column_tile[x:x + w] = t
    rows = int(heights.max()) if heights.size else 0
    return Layout(heights, widths, x0, (rows, total), column_tile)


def pixel_moments(masks: Sequence[NDArray[np.bool_]]) -> list[tuple[int, int, int, int, int, int]]:
    """Per mask: its pixel count and the sums of its pixels' rows, columns, squared rows,
    squared columns and row x column products (in the mask's own coordinates), exactly, all
    masks on one canvas: per column the count and the sums of rows and squared rows (one
    product with the canvas), then per mask the sums over its columns."""
    if not masks:
        return []
    lay = layout([m.shape for m in masks], gap=0)
    return canvas_moments(lay, lay.place(masks, np.float64))


def canvas_moments(lay: Layout, canvas: NDArray[np.generic]
                   ) -> list[tuple[int, int, int, int, int, int]]:
    """:func:`pixel_moments` of the masks already placed on ``canvas`` by ``lay`` (boolean or
    0 / 1 floats)."""
    row = np.arange(canvas.shape[0], dtype=np.float64)
    count, sr, srr = np.stack([np.ones_like(row), row, row * row]) @ canvas
    # a gap column's count is 0, so the column it is given to adds nothing
    local = np.arange(canvas.shape[1]) - lay.x0[np.maximum(lay.column_tile, 0)]
    # float64 sums of integers below 2**53: exact
    sums = np.add.reduceat(np.stack([count, sr, count * local, srr, count * local * local,
                                     sr * local]), lay.x0, axis=1)
    out: list[tuple[int, int, int, int, int, int]] = [
        tuple(row_) for row_ in sums.astype(np.int64).T.tolist()]
    return out
