"""One resolver for crossing names: CBP's feed names, Mexican names, cities, city pairs, codes."""

from __future__ import annotations

import pandas as pd
import pytest

from cargorisk.border import crossing_table, crossings_named, resolve_crossing
from cargorisk.config import Settings
from cargorisk.errors import InputError, PlaceNotFound


@pytest.fixture(scope="module")
def table(built: Settings, corridor: object) -> pd.DataFrame:
    return crossing_table(corridor, built.processed_dir)


@pytest.mark.parametrize(
    ("name", "crossing"),
    [
        ("Colombia Solidarity", "Colombia Solidarity Bridge"),  # CBP's feed
        ("Laredo Colombia Solidarity", "Colombia Solidarity Bridge"),
        ("Colombia", "Colombia Solidarity Bridge"),
        ("Puente Colombia", "Colombia Solidarity Bridge"),
        ("puente internacional colombia", "Colombia Solidarity Bridge"),
        ("Veterans", "Veterans International Bridge at Los Tomates"),
        ("Los Tomates", "Veterans International Bridge at Los Tomates"),
        ("Brownsville Veterans International", "Veterans International Bridge at Los Tomates"),
        ("Zaragoza", "Ysleta Bridge"),
        ("El Paso Ysleta", "Ysleta Bridge"),
        ("Puente Zaragoza", "Ysleta Bridge"),
        ("Nuevo Laredo", "World Trade Bridge"),  # the city: its busiest bridge first
        ("Nvo. Laredo", "World Trade Bridge"),
        ("Puente Comercio Mundial", "World Trade Bridge"),
        ("Puente III", "World Trade Bridge"),
        ("230404", "World Trade Bridge"),  # CBP port number
        ("2304", "World Trade Bridge"),  # BTS port code
        ("Hidalgo/Pharr Pharr", "Pharr International Bridge"),
        ("Reynosa", "Pharr International Bridge"),
        ("Piedras Negras", "Camino Real International Bridge"),
        ("Eagle Pass Bridge II", "Camino Real International Bridge"),
        ("Cd. Acuña", "Del Rio International Bridge"),
        ("Mesa de Otay", "Otay Mesa Commercial"),
        ("Tijuana", "Otay Mesa Commercial"),
        ("NOGALES", "Mariposa"),
        ("San Luis Río Colorado", "San Luis"),
        ("Agua Prieta", "Raul Hector Castro (Douglas)"),
        ("Puente Córdova-Américas (Ciudad Juárez)", "Bridge of the Americas"),  # the graph's node name
        ("Laredo-Nuevo Laredo", "World Trade Bridge"),  # city pair
        ("Pharr - Reynosa", "Pharr International Bridge"),
    ],
)
def test_names(table: pd.DataFrame, name: str, crossing: str) -> None:
    assert resolve_crossing(name, table)["crossing"] == crossing


def test_cities_mean_every_bridge(table: pd.DataFrame) -> None:
    assert set(crossings_named("Nuevo Laredo", table)["crossing"]) == {
        "World Trade Bridge",
        "Colombia Solidarity Bridge",
    }
    assert set(crossings_named("El Paso / Ciudad Juárez", table)["crossing"]) == {
        "Ysleta Bridge",
        "Bridge of the Americas",
    }
    assert set(crossings_named("Matamoros", table)["port_code"]) == {"2301"}


def test_unknown_names_suggest(table: pd.DataFrame) -> None:
    with pytest.raises(
        PlaceNotFound, match=r"'Colombiaa' is not a commercial crossing; did you mean 'Colombia'"
    ):
        resolve_crossing("Colombiaa", table)
    with pytest.raises(PlaceNotFound, match="run `cargorisk border ports`"):
        resolve_crossing("Vancouver", table)
    with pytest.raises(InputError, match="empty port name"):
        resolve_crossing(" - ", table)
