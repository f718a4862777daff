"""Place resolution: names, qualifiers, coordinates, typos, ambiguity, far points."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cargorisk.errors import AmbiguousPlace, CargoRiskError, InputError, OffNetworkError, PlaceNotFound
from cargorisk.network import Gazetteer


@pytest.mark.parametrize(
    ("query", "node"),
    [
        ("Monterrey", "mx_monterrey"),
        ("MONTERREY, N.L.", "mx_monterrey"),
        ("monterrey, nl", "mx_monterrey"),
        ("Juárez, Chihuahua", "mx_juarez"),
        ("Ciudad Juarez", "mx_juarez"),
        ("Queretaro", "mx_queretaro"),
        ("CDMX", "mx_cdmx"),
        ("Laredo, TX", "us_laredo"),
        ("Nuevo Laredo", "mx_nuevo_laredo"),
        ("25.6866,-100.3161", "mx_monterrey"),
        (" 32.7767 , -96.7970 ", "us_dallas"),
        ((25.6866, -100.3161), "mx_monterrey"),
    ],
)
def test_resolves_names_and_coordinates(gazetteer: Gazetteer, query: object, node: str) -> None:
    assert gazetteer.resolve(query).node == node  # type: ignore[arg-type]


def test_municipality_snaps_to_nearby_node(gazetteer: Gazetteer) -> None:
    place = gazetteer.resolve("Apaseo el Grande")
    assert place.source == "municipality"
    assert place.node == "mx_celaya"
    assert 5 < place.snap_km < 25


def test_typo_suggests_the_right_city(gazetteer: Gazetteer) -> None:
    expected = r"'Monterey' is not a known place; did you mean 'Monterrey, Nuevo León'\?"
    with pytest.raises(PlaceNotFound, match=expected):
        gazetteer.resolve("Monterey")


def test_ambiguous_name_lists_candidates(gazetteer: Gazetteer) -> None:
    with pytest.raises(AmbiguousPlace) as info:
        gazetteer.resolve("Juárez")
    text = str(info.value)
    assert "Ciudad Juárez, Chihuahua" in text and "Juárez, Nuevo León" in text
    assert "add the state" in text


def test_point_in_the_ocean(gazetteer: Gazetteer) -> None:
    expected = r"20\.0000,-110\.0000 is 46\d\.\d km from the nearest road node \(La Paz\)"
    with pytest.raises(OffNetworkError, match=expected):
        gazetteer.resolve("20.0,-110.0")


@pytest.mark.parametrize("query", ["", "   ", "95,10", "10,200"])
def test_bad_input(gazetteer: Gazetteer, query: str) -> None:
    with pytest.raises(InputError):
        gazetteer.resolve(query)


def test_unknown_place_with_html(gazetteer: Gazetteer) -> None:
    with pytest.raises(PlaceNotFound, match="<script>"):
        gazetteer.resolve("<script>alert(1)</script>")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.tuples(st.floats(allow_nan=True), st.floats(allow_nan=True))))
def test_any_input_resolves_or_raises_a_cargorisk_error(gazetteer: Gazetteer, query: object) -> None:
    try:
        place = gazetteer.resolve(query)  # type: ignore[arg-type]
    except CargoRiskError as exc:
        assert "\n" not in str(exc)
    else:
        assert place.node in gazetteer.graph
