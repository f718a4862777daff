"""EdgeLines: a route's edge lines made from one coordinate array equal the edges' own lines."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from cargorisk.routing.edge_lines import EdgeLines, PathLines
from cargorisk.routing.plan import join_lines

coordinate = st.floats(-180, 180, allow_nan=False)
line = st.lists(st.tuples(coordinate, coordinate), min_size=2, max_size=6).map(shapely.LineString)
# no per-example deadline (Hypothesis' 200 ms, and its 1 s limit on drawing inputs that goes with
# it): a loaded machine stalls an example that long now and then, and the timing is not tested
STEADY = settings(deadline=None)


@STEADY
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


def outcome(make: object) -> object:
    """A geometry's WKB, or the type of the error making it raised."""
    try:
        return shapely.to_wkb(make())  # type: ignore[operator]
    except Exception as exc:  # both ways must fail alike
        return type(exc)


@STEADY
@given(st.lists(line, min_size=1, max_size=30), st.data())
def test_a_path_joined_from_the_coordinates_is_the_join_of_its_lines(
    lines: list, data: st.DataObject
) -> None:
    """A lane book's route line comes straight from the coordinate array (no line per edge)."""
    kept = EdgeLines.of(lines)
    ids = np.array(data.draw(st.lists(st.integers(0, len(lines) - 1), min_size=1, max_size=40)))
    assert outcome(lambda: kept.joined(ids)) == outcome(lambda: join_lines(kept[ids]))
    assert kept.joined([]).is_empty


@STEADY
@given(st.lists(line, min_size=2, max_size=20), st.data())
def test_path_lines_act_as_the_array_of_lines(lines: list, data: st.DataObject) -> None:
    """A described route keeps its lines lazily; every way a plan reads them gives the lines."""
    kept = EdgeLines.of(lines)
    ids = np.array(data.draw(st.lists(st.integers(0, len(lines) - 1), min_size=2, max_size=20)))
    lazy, made = PathLines(kept, ids), kept[ids]
    assert len(lazy) == len(made) and lazy._made is None  # nothing made yet
    a, b = sorted(data.draw(st.tuples(st.integers(0, len(ids) - 1), st.integers(0, len(ids) - 1))))
    assert outcome(lambda: join_lines(lazy[a : b + 1])) == outcome(lambda: join_lines(made[a : b + 1]))
    assert all(shapely.equals_exact(x, y, 0) for x, y in zip(lazy, made, strict=True))
    assert shapely.equals_exact(lazy[a], made[a], 0) and np.asarray(lazy).shape == made.shape
