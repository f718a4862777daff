"""Place resolution: names, qualifiers, coordinates, typos, ambiguity, far points."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cargorisk._text import normalise
from cargorisk.config import Settings, network_dir
from cargorisk.errors import AmbiguousPlace, CargoRiskError, InputError, OffNetworkError, PlaceNotFound
from cargorisk.network import Gazetteer
from cargorisk.network.corridor import read_table
from cargorisk.network.load import in_municipalities
from cargorisk.network.places import Candidate, by_people, corridor_places, municipality_gazetteer
from cargorisk.sources import load_table


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
    ambiguous; so does 'Juárez': Ciudad Juárez has 77% of the people of the places called so,
    short of the 80% that would make it what the name means (Juárez, Nuevo León has about
    400,000). Its full name, alias or state resolve it. (It resolved silently to Ciudad Juárez
    before, when any network city won over municipalities of its name.)"""
    with pytest.raises(AmbiguousPlace) as info:
        gazetteer.resolve("Guadalupe")
    text = str(info.value)
    assert "Guadalupe, Nuevo León" in text and "Guadalupe, Zacatecas" in text and "add the state" in text
    with pytest.raises(
        AmbiguousPlace, match="'Juárez' matches 5 places: Ciudad Juárez, Chihuahua; Juárez, N"
    ):
        gazetteer.resolve("Juárez")
    for typed in ("Ciudad Juárez", "Cd. Juárez", "Juárez, Chih", "Juárez, Chihuahua"):
        assert gazetteer.resolve(typed).name == "Ciudad Juárez, Chihuahua", typed
    assert gazetteer.resolve("Juárez, NL").name == "Juárez, Nuevo León"


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
    # La Paz, Estado de México has as many people as La Paz, Baja California Sur (the city on
    # the network, which both 'La Paz' and 'La Paz, Mexico' meant silently before)
    for typed in ("La Paz", "La Paz, Mexico"):
        with pytest.raises(AmbiguousPlace, match="La Paz, Estado de México; La Paz, Baja California Sur"):
            national_gazetteer.resolve(typed)
    assert national_gazetteer.resolve("La Paz, BCS").name == "La Paz, Baja California Sur"
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
    ("typed", "listed"),
    [
        # an audit found each resolving silently to the network's place (Allende and Zaragoza in
        # Coahuila, San Juan del Río, Cuautitlán Izcalli); the most populous is listed first
        ("Allende", "Allende, Nuevo León; Allende, Coahuila; Allende, Chihuahua"),
        ("Zaragoza", "Zaragoza, San Luis Potosí; Zaragoza, Puebla; Zaragoza, Coahuila; Zaragoza, Veracruz"),
        ("San Juan", "San Juan del Río, Querétaro; San Juan Bautista Tuxtepec, Oaxaca; "),
        ("Cuautitlán", "Cuautitlán Izcalli, Estado de México; Cuautitlán, Estado de México"),
        ("Cuautitlán, Mex", "Cuautitlán Izcalli, Estado de México; Cuautitlán, Estado de México"),
        # found by resolving every indexed name before and after
        ("Cuauhtémoc", "Cuauhtémoc, Ciudad de México; Cuauhtémoc, Chihuahua; "),  # 545,000 and 180,000
        ("El Salto", "El Salto, Jalisco; El Salto, Durango"),
        ("Tula", "Tula de Allende, Hidalgo; Tula, Tamaulipas"),
        ("Cadereyta", "Cadereyta Jiménez, Nuevo León; Cadereyta de Montes, Querétaro"),
        ("Victoria", "Ciudad Victoria, Tamaulipas; Victoria, Guanajuato; Victoria, Texas"),  # Texas: unknown
    ],
)
def test_a_network_place_does_not_silently_win_over_others_of_its_name(
    national_gazetteer: Gazetteer, typed: str, listed: str
) -> None:
    """A city or place of the road network is what a bare name means only when it holds at
    least 80% of the people of all the places called so (:func:`by_people`); a name that is
    only part of its name follows the short-name rules. Else the name is ambiguous."""
    with pytest.raises(AmbiguousPlace, match=re.escape(listed)):
        national_gazetteer.resolve(typed)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Jalapa", "Xalapa, Veracruz"),  # its alias; 93% of the people, with Jalapa, Tabasco
        ("Jalapa, Veracruz", "Xalapa, Veracruz"),
        ("Jalapa, Tabasco", "Jalapa, Tabasco"),
        ("Cuautitlán, Estado de México", "Cuautitlán, Estado de México"),  # not Cuautitlán Izcalli
        ("Cuautitlán Izcalli", "Cuautitlán Izcalli, Estado de México"),
        ("Izcalli", "Cuautitlán Izcalli, Estado de México"),
        ("Allende, NL", "Allende, Nuevo León"),
        ("Allende, Coah", "Allende, Coahuila"),
        ("Zaragoza, Coahuila", "Zaragoza, Coahuila"),
        ("San Juan del Río", "San Juan del Río, Querétaro"),
        ("Lázaro Cárdenas", "Lázaro Cárdenas, Michoacán"),  # 85% of the people of the three
        ("Matamoros", "Matamoros, Tamaulipas"),  # 81%, with Matamoros, Coahuila and Chihuahua
        ("Santa Catarina", "Santa Catarina, Nuevo León"),  # 95%
        ("San Antonio", "San Antonio, Texas"),  # a metro of 2.56 million; San Antonio, SLP 10,000
    ],
)
def test_a_network_place_holding_most_people_of_its_name_is_that_name(
    national_gazetteer: Gazetteer, typed: str, expected: str
) -> None:
    assert national_gazetteer.resolve(typed).name == expected


def candidate(state: str, source: str, people: float) -> Candidate:
    return Candidate("Villa", state, source, None, -100.0, 25.0, "", "MX", people)


def test_by_people_takes_a_network_place_with_four_fifths_of_the_people() -> None:
    city, town = candidate("Nuevo León", "place", 800.0), candidate("Puebla", "municipality", 200.0)
    assert by_people([town, city]) == [city]  # exactly 80%
    bigger = candidate("Puebla", "municipality", 201.0)
    assert by_people([bigger, city]) == [bigger, city]  # ambiguous
    assert by_people([city, candidate("Texas", "place", 0.0)]) == [city, candidate("Texas", "place", 0.0)]
    # a municipality is not chosen over a network place of its name, however populous: both listed
    big = candidate("Puebla", "municipality", 10_000.0)
    assert by_people([city, big]) == [city, big]


def test_an_alias_never_makes_a_place_another_municipality(
    built: Settings, corridor: nx.MultiDiGraph
) -> None:
    """Even with the alias 'Cuautitlán' on Cuautitlán Izcalli (the data had it until an audit),
    'Cuautitlán, Estado de México' is the municipality called so, and 'Cuautitlán' ambiguous."""
    municipalities = municipality_gazetteer(
        load_table("mx_municipality_names", built.processed_dir),
        load_table("mx_municipalities", built.processed_dir),
        load_table("sesnsp_municipal_year", built.processed_dir),
    )
    izcalli = {"name": "Cuautitlán Izcalli", "state": "Estado de México", "country": "MX"}
    for cvegeo in ("15121", None):  # where it lies known, or not
        row = izcalli | {"lon": -99.2094, "lat": 19.647, "aliases": "Cuautitlán"}
        places = pd.DataFrame([row if cvegeo is None else row | {"cvegeo": cvegeo}])
        g = Gazetteer(corridor, municipalities, places=places)
        assert g.resolve("Cuautitlán, Estado de México").name == "Cuautitlán, Estado de México"
        with pytest.raises(AmbiguousPlace, match="'Cuautitlán' matches 2 places") as info:
            g.resolve("Cuautitlán")
        assert "Cuautitlán Izcalli, Estado de México" in str(info.value)
        assert "Cuautitlán, Estado de México" in str(info.value)


def test_no_alias_is_the_name_of_another_municipality_of_its_state(built: Settings) -> None:
    """An alias in ``nodes.csv`` that is the name of a municipality of the place's state names
    the municipality the place lies in ('Juárez' for Ciudad Juárez, 'El Mante' for Ciudad
    Mante; not 'Cuautitlán' for Cuautitlán Izcalli). One naming a municipality of another state
    ('Jalapa' for Xalapa; Jalapa, Tabasco) is weighed by population like any shared name."""
    folder = network_dir(built)
    polygons = load_table("mx_municipalities", built.processed_dir)
    places = in_municipalities(corridor_places(read_table(folder, "nodes.csv")), polygons)
    names = load_table("mx_municipality_names", built.processed_dir)
    triples = zip(names["cvegeo"], names["municipality"], names["state"], strict=True)
    named = {(normalise(m), st): c for c, m, st in triples}
    wrong = [
        (row.name, alias, named[(normalise(alias), row.state)], row.cvegeo)
        for row in places.itertuples(index=False)
        for alias in str(row.aliases).split("|")
        if alias and named.get((normalise(alias), row.state), row.cvegeo) != row.cvegeo
    ]
    assert not wrong
    assert places.set_index("name").loc["Ciudad Juárez", "cvegeo"] == named[("juarez", "Chihuahua")]


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
