"""Place resolution: names, qualifiers, coordinates, typos, ambiguity, far points."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
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
    """A real tie (four municipalities called Guadalupe, none a city on the network) stays
    ambiguous; a network city wins over municipalities of the same name."""
    with pytest.raises(AmbiguousPlace) as info:
        gazetteer.resolve("Guadalupe")
    text = str(info.value)
    assert "Guadalupe, Nuevo León" in text and "Guadalupe, Zacatecas" in text and "add the state" in text
    assert gazetteer.resolve("Juárez").name == "Ciudad Juárez, Chihuahua"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Laredo TX", "Laredo, Texas"),
        ("el paso tx", "El Paso, Texas"),
        ("Nvo Laredo", "Nuevo Laredo, Tamaulipas"),
        ("Nvo. Laredo, Tamps", "Nuevo Laredo, Tamaulipas"),
        ("Cd. Victoria Tamps", "Ciudad Victoria, Tamaulipas"),
        ("Gral. Escobedo", "General Escobedo, Nuevo León"),
        ("Toluca, Edo. de México", "Toluca, Estado de México"),
        ("Toluca Edomex", "Toluca, Estado de México"),
        ("CDMX", "Ciudad de México, Ciudad de México"),
        ("Saltillo Coahuila", "Saltillo, Coahuila"),
        ("San Antonio", "San Antonio, Texas"),  # the network city, not San Antonio, SLP
        ("Lázaro Cárdenas", "Lázaro Cárdenas, Michoacán"),  # the port, not the two small towns
        ("Matamoros", "Matamoros, Tamaulipas"),
        ("Atlanta, GA", "Atlanta, Georgia"),
        ("Denver", "Denver, Colorado"),
        ("Seattle WA", "Seattle, Washington"),
        ("Washington DC", "Washington, District of Columbia"),
        # as TMS exports write them: a country, a postal code, 'Saint' for 'St.'
        ("Monterrey, Mexico", "Monterrey, Nuevo León"),
        ("Laredo, Texas, USA", "Laredo, Texas"),
        ("Laredo TX USA", "Laredo, Texas"),
        ("Saltillo, Coah., México", "Saltillo, Coahuila"),
        ("Mexico City, Mexico", "Ciudad de México, Ciudad de México"),
        ("Toluca, México", "Toluca, Estado de México"),  # the state and the country agree
        ("La Paz, Mexico", "La Paz, Baja California Sur"),  # the city on the network, as 'La Paz' alone
        ("El Paso TX 79901", "El Paso, Texas"),
        ("Laredo, TX 78045-1234", "Laredo, Texas"),
        ("Monterrey, NL C.P. 64000, México", "Monterrey, Nuevo León"),
        ("Saint Louis", "St. Louis, Missouri"),
        ("ST LOUIS MO", "St. Louis, Missouri"),
    ],
)
def test_names_as_people_type_them(national_gazetteer: Gazetteer, typed: str, expected: str) -> None:
    place = national_gazetteer.resolve(typed)
    assert place.name == expected and place.snap_km < 10


def test_mexico_after_a_name_is_the_country_or_the_state(national_gazetteer: Gazetteer) -> None:
    """'México' is the country and a state's name: both readings are weighed together, so a
    town of the Estado de México does not win silently over places of the same name elsewhere."""
    with pytest.raises(AmbiguousPlace, match=r"'Morelos, Mexico' matches 5 places: .*Morelos, Zacatecas"):
        national_gazetteer.resolve("Morelos, Mexico")
    with pytest.raises(AmbiguousPlace, match="Metepec, Estado de México; Metepec, Hidalgo"):
        national_gazetteer.resolve("Metepec, MEX")
    assert national_gazetteer.resolve("Metepec, Edomex").name == "Metepec, Estado de México"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Naucalpan", "Naucalpan de Juárez, Estado de México"),  # the only name that holds it
        ("Naucalpan, Mex.", "Naucalpan de Juárez, Estado de México"),
        ("Tlaquepaque", "San Pedro Tlaquepaque, Jalisco"),
        ("Garza García", "San Pedro Garza García, Nuevo León"),
        ("Ecatepec", "Ecatepec de Morelos, Estado de México"),  # not Santa María Ecatepec, Oaxaca
        ("Tlalnepantla, Edomex", "Tlalnepantla de Baz, Estado de México"),
        ("Coacalco", "Coacalco de Berriozábal, Estado de México"),
        ("Ocotlán", "Ocotlán, Jalisco"),  # called so, and more populous than Ocotlán de Morelos
        ("Juárez", "Ciudad Juárez, Chihuahua"),  # the network city, as before
    ],
)
def test_short_names_as_people_say_them(national_gazetteer: Gazetteer, typed: str, expected: str) -> None:
    """A name that is part of one longer municipality name is that municipality."""
    assert national_gazetteer.resolve(typed).name == expected


@pytest.mark.parametrize(
    ("typed", "listed"),
    [
        # a small municipality called exactly so, and a populous one whose name starts with it
        ("Tlalnepantla", "Tlalnepantla de Baz, Estado de México; Tlalnepantla, Morelos"),
        ("Atizapán", "Atizapán de Zaragoza, Estado de México; Atizapán, Estado de México"),
        ("San Pedro", "San Pedro Garza García, Nuevo León; San Pedro, Coahuila"),
        # ... or one that only holds it, a hundred times as populous
        ("Escobedo", "General Escobedo, Nuevo León; "),
        ("Cadereyta, Qro", None),  # one in Querétaro: no ambiguity left
    ],
)
def test_a_short_name_never_means_the_small_place_silently(
    national_gazetteer: Gazetteer, typed: str, listed: str | None
) -> None:
    """Ambiguous names list the places they may be, the most populous first."""
    if listed is None:
        assert national_gazetteer.resolve(typed).name == "Cadereyta de Montes, Querétaro"
        return
    with pytest.raises(AmbiguousPlace, match=listed):
        national_gazetteer.resolve(typed)


def test_a_word_after_de_is_not_a_place_name(national_gazetteer: Gazetteer) -> None:
    """'Morelos' is the five municipalities called so, not Ecatepec de Morelos (1.7 million
    people): after 'de' a word is an honorific, not how people call the place."""
    with pytest.raises(AmbiguousPlace, match="'Morelos' matches 5 places") as info:
        national_gazetteer.resolve("Morelos")
    assert "Ecatepec" not in str(info.value)
    with pytest.raises(PlaceNotFound):  # nor Xochitlán de Vicente Suárez, Puebla
        national_gazetteer.resolve("Suárez")


@pytest.mark.parametrize(
    "typed",
    [
        "Laredo, Mexico",  # Laredo is in Texas: a country keeps its own places, it does not guess
        "Dallas, MX",
        "Mexico",  # a country alone is not a place
        "USA",
        "78040",  # a postal code alone says no place on this network
    ],
)
def test_a_country_or_postal_code_is_not_a_place(national_gazetteer: Gazetteer, typed: str) -> None:
    with pytest.raises(PlaceNotFound):
        national_gazetteer.resolve(typed)


def test_the_50_largest_us_metros_are_places(national_gazetteer: Gazetteer) -> None:
    metros = pd.read_csv(Path(__file__).parents[2] / "data" / "network" / "us_metros.csv")
    assert len(metros) == 50 and metros["metro_pop_2020_m"].is_monotonic_decreasing
    for row in metros.itertuples(index=False):
        place = national_gazetteer.resolve(f"{row.name}, {row.state}")
        assert place.snap_km < 15, (row.name, place.snap_km)
        assert national_gazetteer.nodes[place.node]["country"] == "US"
    with pytest.raises(AmbiguousPlace, match="Springfield, Missouri; Springfield, Illinois"):
        national_gazetteer.resolve("Springfield")


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
        assert place.node in gazetteer.nodes


def test_an_unnamed_node_is_near_a_place_of_its_own_country(national_gazetteer: Gazetteer) -> None:
    """Texas nodes by the Rio Grande are not 'near Camargo' (Tamaulipas), nor Mexican ones near
    a Texas town: the nearest named place is looked for in the node's country."""
    g = national_gazetteer
    country_of = {d["name"]: d.get("country") for d in g.nodes.values() if d.get("name")}
    border = [
        n for n, d in g.nodes.items()
        if not d.get("name") and not d.get("cvegeo") and 25.5 < d["y"] < 27.5 and -100.5 < d["x"] < -97.5
    ]  # fmt: skip
    near = [(n, g.label(n)) for n in border]
    near = [(n, label.removeprefix("near ")) for n, label in near if label.startswith("near ")]
    assert len(near) > 50
    assert all(country_of[name] == g.nodes[n]["country"] for n, name in near)


def test_autocomplete_and_suggestions_read_names_as_tms_exports_write_them(
    national_gazetteer: Gazetteer,
) -> None:
    """An audit found `/v1/places?q=Monterrey, NL` empty though the route resolves it, and
    'Calexico' not found with no suggestion: autocomplete keeps the state, country and postal
    code a TMS adds, and a name no place is spelled like suggests the places that hold it."""
    g = national_gazetteer
    assert [p["label"] for p in g.suggest("Monterrey, NL")] == ["Monterrey, Nuevo León"]
    assert g.suggest("Laredo TX 78045")[0]["label"] == "Laredo, Texas"
    assert g.suggest("Tlaquepaque, Jal.")[0]["label"] == "San Pedro Tlaquepaque, Jalisco"
    assert [p["label"] for p in g.suggest("Guadalupe, Zac")] == ["Guadalupe, Zacatecas"]
    assert len(g.suggest("Guadalupe")) > 1  # without a state, every one
    with pytest.raises(PlaceNotFound, match="did you mean 'Calexico East POE, California'"):
        g.resolve("Calexico")
