"""Edge lines kept as one coordinate array: geometries are made only for the edges asked for.

A router needs the lines of a route's edges (its GeoJSON, maps, lane books), never all 75,000
at once; building every edge's LineString when a snapshot is read took a tenth of a warm
``cargorisk route``. The coordinates and offsets are shapely's ragged-array form.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely

if TYPE_CHECKING:
    import networkx as nx


class EdgeLines:
    """Every edge's line as coordinates and offsets; ``lines[ids]`` gives the LineStrings of
    ``ids`` (an object array, in that order), like indexing an array of geometries."""

    def __init__(self, coords: np.ndarray, offsets: np.ndarray) -> None:
        self.coords, self.offsets = coords, np.asarray(offsets, dtype=np.int64)

    @classmethod
    def of(cls, lines: Sequence[shapely.LineString]) -> EdgeLines:
        """From LineStrings (one per edge)."""
        kind, coords, offsets = shapely.to_ragged_array(np.asarray(lines, dtype=object))
        if kind != shapely.GeometryType.LINESTRING:
            msg = f"edge lines must be LineStrings, got {kind.name}"
            raise TypeError(msg)
        return cls(coords, offsets[0])

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if len(ids) == 0:
            return np.empty(0, dtype=object)
        points, ends = self.points(ids)
        offsets = np.concatenate([[0], ends])
        return shapely.from_ragged_array(shapely.GeometryType.LINESTRING, self.coords[points], (offsets,))

    def points(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of ``coords`` of the lines of ``ids`` one after another, and where each line ends."""
        starts = self.offsets[ids]
        counts = self.offsets[ids + 1] - starts
        ends = np.cumsum(counts)
        return np.arange(ends[-1]) + np.repeat(starts - (ends - counts), counts), ends

    def joined(self, ids: Sequence[int] | np.ndarray) -> shapely.LineString:
        """The lines of consecutive edges ``ids`` as one LineString, a point repeated where one
        line ends and the next begins kept once (as ``plan.join_lines`` of ``self[ids]``,
        without making each edge's line)."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if len(ids) == 0:
            return shapely.LineString()
        return line_through(self.coords[self.points(ids)[0]])


def line_through(coords: np.ndarray) -> shapely.LineString:
    """A LineString through ``coords`` (n x 2), a point repeated right after itself kept once
    (where one edge's line ends and the next begins)."""
    repeated = np.r_[False, (np.diff(coords, axis=0) == 0).all(axis=1)]
    return shapely.LineString(coords[~repeated])


def line_of(graph: nx.MultiDiGraph, edge: tuple) -> shapely.LineString:
    """An edge's geometry, or the straight line between its nodes."""
    line = graph.edges[edge].get("geometry")
    if line is None:
        line = shapely.LineString([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in edge[:2]])
    return line


class PathLines:
    """The lines of a path's edges, made on first use: a plan describes routes whose lines a
    caller may never ask for (a lane book wants one joined line, a JSON answer one per route).
    Indexes, iterates and converts like the object array ``lines[ids]``; a slice stays lazy."""

    def __init__(self, lines: EdgeLines, ids: np.ndarray) -> None:
        self.lines, self.ids = lines, np.asarray(ids, dtype=np.int64)
        self._made: np.ndarray | None = None

    def made(self) -> np.ndarray:
        """The LineStrings (an object array), made once."""
        if self._made is None:
            self._made = self.lines[self.ids]
        return self._made

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, key: int | slice) -> object:
        if isinstance(key, slice):
            return PathLines(self.lines, self.ids[key])
        return self.made()[key]

    def __iter__(self) -> Iterator[shapely.LineString]:
        return iter(self.made())

    def __array__(self, dtype: object = None, copy: bool | None = None) -> np.ndarray:
        return self.made() if dtype is None else self.made().astype(dtype)

    def joined(self) -> shapely.LineString:
        """The path as one LineString (see :meth:`EdgeLines.joined`)."""
        return self.lines.joined(self.ids)
