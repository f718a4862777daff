"""Edge lines kept as one coordinate array: geometries are made only for the edges asked for.

A router needs the lines of a route's edges (its GeoJSON, maps, lane books), never all 75,000
at once; building every edge's LineString when a snapshot is read took a tenth of a warm
``cargorisk route``. The coordinates and offsets are shapely's ragged-array form.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely


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
        starts = self.offsets[ids]
        counts = self.offsets[ids + 1] - starts
        ends = np.cumsum(counts)
        points = np.arange(ends[-1]) + np.repeat(starts - (ends - counts), counts)
        offsets = np.concatenate([[0], ends])
        return shapely.from_ragged_array(shapely.GeometryType.LINESTRING, self.coords[points], (offsets,))
