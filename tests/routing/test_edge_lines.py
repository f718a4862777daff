"""EdgeLines: a route's edge lines made from one coordinate array equal the edges' own lines."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from cargorisk.routing.edge_lines import EdgeLines

coordinate = st.floats(-180, 180, allow_nan=False)
line = st.lists(st.tuples(coordinate, coordinate), min_size=2, max_size=6).map(shapely.LineString)


@given(st.lists(line, min_size=1, max_size=30), st.data())
def test_lines_of_any_edges_in_any_order(lines: list, data: st.DataObject) -> None:
    kept = EdgeLines.of(lines)
    ids = data.draw(st.lists(st.integers(0, len(lines) - 1), max_size=40))
    got = kept[np.array(ids, dtype=np.int32)]
    assert len(kept) == len(lines) and len(got) == len(ids)
    assert all(shapely.equals_exact(a, lines[i], 0) for a, i in zip(got, ids, strict=True))


def test_only_linestrings() -> None:
    with pytest.raises(TypeError, match="LineStrings"):
        EdgeLines.of([shapely.Point(0, 0)])
