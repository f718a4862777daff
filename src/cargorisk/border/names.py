"""One resolver for crossing names: ``border waits --port``, ``route --via-port`` and
``--avoid-port`` all read a crossing the way dispatchers, CBP's feed and Mexican customs write it.

Accepted, accent- and case-insensitive: the bridge name of the road graph ('World Trade Bridge'),
the BTS port name and 4-digit code ('Laredo', '2304'), CBP's own crossing names in its Border
Wait Times feed ('Laredo Colombia Solidarity', 'El Paso Ysleta') and 6-digit port numbers
('230404'), the names of both ends of the bridge in the graph ('Puente Comercio Mundial (Nuevo
Laredo)'), Mexican names and twin cities ('Colombia', 'Puente Colombia', 'Nuevo Laredo',
'Zaragoza', 'Los Tomates', 'Piedras Negras') and city pairs ('Laredo-Nuevo Laredo', 'El Paso /
Juárez'). A name that fits no crossing raises PlaceNotFound with "did you mean" suggestions.
"""

from __future__ import annotations

import difflib
import re

import pandas as pd

from cargorisk._text import expand, normalise
from cargorisk.errors import InputError, PlaceNotFound

# Other names of each crossing (the graph's bridge name is the key). CBP feed names and port
# numbers are those of the CBP Border Wait Times feed (bwt.cbp.gov, snapshot of 2026-09-09 in
# published_facts/port_commercial_hours.csv); Mexican names are those of the bridge operators and
# customs offices (ANAM/SAT) as the sources of that table write them.
NAMES: dict[str, tuple[str, ...]] = {
    "World Trade Bridge": (
        "WTB", "Laredo World Trade Bridge", "230404", "Puente III", "Puente Comercio Mundial",
        "Comercio Mundial", "Puente Internacional III", "Nuevo Laredo III",
    ),
    "Colombia Solidarity Bridge": (
        "Colombia", "Puente Colombia", "Laredo Colombia Solidarity", "Colombia-Solidarity Bridge",
        "Puente Solidaridad Colombia", "Solidarity Bridge", "230403",
    ),
    "Pharr International Bridge": ("Pharr", "Hidalgo/Pharr Pharr", "Pharr-Reynosa", "Puente Pharr", "230502"),
    "Camino Real International Bridge": (
        "Eagle Pass Bridge II", "Bridge II", "Puente Piedras Negras II", "Puente II", "230302",
    ),
    "Veterans International Bridge at Los Tomates": (
        "Veterans", "Los Tomates", "Brownsville Veterans International", "Veterans International Bridge",
        "Puente Ignacio Zaragoza", "Puente Los Tomates", "535502",
    ),
    "Free Trade International Bridge (Los Indios)": (
        "Los Indios", "Brownsville Los Indios", "Free Trade Bridge", "Lucio Blanco", "Puente Lucio Blanco",
        "535503",
    ),
    "Del Rio International Bridge": ("Del Rio", "Puente Ciudad Acuna", "230201"),
    "Starr-Camargo Bridge": ("Rio Grande City", "Starr Camargo", "Puente Camargo", "230701"),
    "Progreso International Bridge": (
        "Progreso", "Progreso Progreso International Bridge", "B&P Bridge", "230901",
    ),
    "Roma-Ciudad Miguel Alemán International Bridge": ("Roma", "Roma-Miguel Aleman", "231001"),
    "Ysleta Bridge": (
        "Ysleta", "El Paso Ysleta", "Zaragoza", "Ysleta-Zaragoza", "Puente Zaragoza", "Zaragoza-Ysleta",
        "240203",
    ),
    "Bridge of the Americas": (
        "BOTA", "El Paso Bridge of the Americas (BOTA)", "Cordova", "Puente Cordova", "Cordova-Americas",
        "Puente de las Americas", "Puente Libre", "240201",
    ),
    "Presidio-Ojinaga International Bridge": (
        "Presidio", "Presidio Port of Entry", "Puente Ojinaga", "240301",
    ),
    "Marcelino Serna Bridge": ("Tornillo", "Marcelino Serna Tornillo", "Tornillo-Guadalupe", "240401"),
    "Columbus": ("Columbus-Palomas", "Puerto Palomas", "240601"),
    "Santa Teresa": ("Santa Teresa Port of Entry", "San Jeronimo", "Santa Teresa-San Jeronimo", "240801"),
    "Tecate": ("Garita Tecate", "250501"),
    "Otay Mesa Commercial": ("Otay", "Otay Mesa", "Mesa de Otay", "Garita Mesa de Otay", "250602"),
    "Calexico East": ("Calexico", "Mexicali Oriente", "Garita Mexicali", "250301"),
    "Raul Hector Castro (Douglas)": ("Douglas", "Raul H. Castro", "Agua Prieta", "260101"),
    "Lukeville": ("Sonoyta", "Lukeville-Sonoyta", "260201"),
    "Naco": ("Naco Sonora", "260301"),
    "Mariposa": ("Nogales", "Nogales Mariposa", "Garita Mariposa", "Nogales III", "Nogales Sonora", "260402"),
    "San Luis": ("San Luis II", "San Luis San Luis II", "San Luis Rio Colorado", "260802"),
}  # fmt: skip
# Mexican border cities and the crossings of their twin US port
CITIES: dict[str, tuple[str, ...]] = {
    "Nuevo Laredo": ("World Trade Bridge", "Colombia Solidarity Bridge"),
    "Reynosa": ("Pharr International Bridge",),
    "Piedras Negras": ("Camino Real International Bridge",),
    "Matamoros": (
        "Veterans International Bridge at Los Tomates",
        "Free Trade International Bridge (Los Indios)",
    ),
    "Ciudad Acuna": ("Del Rio International Bridge",),
    "Camargo": ("Starr-Camargo Bridge",),
    "Nuevo Progreso": ("Progreso International Bridge",),
    "Ciudad Miguel Aleman": ("Roma-Ciudad Miguel Alemán International Bridge",),
    "Ciudad Juarez": ("Ysleta Bridge", "Bridge of the Americas"),
    "Juarez": ("Ysleta Bridge", "Bridge of the Americas"),
    "El Paso": ("Ysleta Bridge", "Bridge of the Americas"),
    "Ojinaga": ("Presidio-Ojinaga International Bridge",),
    "Guadalupe": ("Marcelino Serna Bridge",),
    "Palomas": ("Columbus",),
    "Tijuana": ("Otay Mesa Commercial",),
    "Mexicali": ("Calexico East",),
    "Agua Prieta": ("Raul Hector Castro (Douglas)",),
    "San Luis Rio Colorado": ("San Luis",),
}
# words that say what kind of place a name is, not which one ('Puente Colombia' = 'Colombia')
FILLER = frozenset(
    {
        "bridge",
        "bridges",
        "international",
        "internacional",
        "puente",
        "garita",
        "poe",
        "port",
        "of",
        "entry",
        "commercial",
        "cargo",
        "crossing",
        "the",
        "at",
        "de",
        "del",
        "la",
        "las",
        "los",
        "facility",
        "lot",
        "aduana",
        "texas",
        "tx",
    }
)
KEEP_FILLER = frozenset({"los indios", "los tomates", "del rio", "de las americas"})
PAIR = re.compile(r"\s*[-\u2013/]\s*|\s+(?:to|y|and)\s+")


def name_key(text: str) -> str:
    """Normalised words with Mexican abbreviations spelled out ('Cd. Juárez' -> 'ciudad juarez')."""
    return expand(normalise(text))


def bare_key(key: str) -> str:
    """A key without filler words ('puente colombia' -> 'colombia'); unchanged if nothing is left."""
    if key in KEEP_FILLER:
        return key
    words = [w for w in key.split() if w not in FILLER]
    return " ".join(words) or key


def name_index(table: pd.DataFrame) -> dict[str, frozenset[str]]:
    """Every accepted name (as a key) -> the crossings of ``table`` it means."""
    known = set(table["crossing"])
    pairs: list[tuple[str, str]] = []
    for row in table.itertuples(index=False):
        names = [row.crossing, row.port_name, row.port_code, *NAMES.get(row.crossing, ())]
        names += [
            getattr(row, side) for side in ("mx_name", "us_name") if isinstance(getattr(row, side, None), str)
        ]
        pairs += [(n, row.crossing) for n in names]
    pairs += [(city, c) for city, crossings in CITIES.items() for c in crossings if c in known]
    index: dict[str, set[str]] = {}
    for name, crossing in pairs:
        for key in {name_key(name), bare_key(name_key(name))}:
            if key:
                index.setdefault(key, set()).add(crossing)
    return {k: frozenset(v) for k, v in index.items()}


def contained(query: str, index: dict[str, frozenset[str]]) -> frozenset[str]:
    """The most specific known name inside a longer one ('Laredo Colombia Solidarity' ->
    Colombia): fewest crossings first, then the longest name."""
    padded = f" {query} "
    hits = [(len(v), -len(k), v) for k, v in index.items() if len(k) > 2 and f" {k} " in padded]
    return min(hits, key=lambda h: h[:2])[2] if hits else frozenset()


def lookup(query: str, index: dict[str, frozenset[str]]) -> frozenset[str]:
    """Crossings a name means: exact, without filler words, as a city pair, or contained."""
    key = name_key(query)
    for candidate in (key, bare_key(key)):
        if candidate in index:
            return index[candidate]
    parts = [p for p in PAIR.split(str(query).strip()) if p.strip()]
    if len(parts) == 2:
        sides = [lookup_exact(p, index) for p in parts]
        if all(sides) and sides[0] & sides[1]:
            return sides[0] & sides[1]
    return contained(key, index)


def lookup_exact(query: str, index: dict[str, frozenset[str]]) -> frozenset[str]:
    """Crossings of an exact name (with or without filler words); empty when unknown."""
    key = name_key(query)
    return index.get(key) or index.get(bare_key(key)) or frozenset()


def crossings_named(query: str, table: pd.DataFrame) -> pd.DataFrame:
    """The crossings a name means, busiest first: the bridge when a bridge is named ('Colombia
    Solidarity', 'Los Tomates', '230404'), every truck bridge of the port or twin city for a
    port or city ('Laredo', 'Nuevo Laredo', '2304'). The one resolver behind ``border waits
    --port``, ``--via-port`` and ``--avoid-port``; unknown names raise PlaceNotFound with
    suggestions."""
    if not name_key(str(query)):
        msg = "empty port name; give a port (e.g. 'Laredo'), a bridge or a 4-digit port code"
        raise InputError(msg)
    hits = lookup(str(query), name_index(table))
    if hits:
        return table[table["crossing"].isin(hits)].sort_values("trucks_12m", ascending=False)
    raise PlaceNotFound(not_found(str(query), table))


def not_found(query: str, table: pd.DataFrame) -> str:
    """The one-line message for an unknown crossing, with up to three suggestions."""
    names = sorted(set(table["crossing"]) | set(table["port_name"]) | set(CITIES) | set(names_of(table)))
    keys = {name_key(n): n for n in names}
    close = difflib.get_close_matches(name_key(query), list(keys), n=3, cutoff=0.6)
    hint = (
        f"did you mean {' or '.join(repr(keys[c]) for c in close)}?"
        if close
        else "run `cargorisk border ports`"
    )
    return f"{query!r} is not a commercial crossing; {hint}"


def names_of(table: pd.DataFrame) -> list[str]:
    """The other (non-numeric) names of the crossings in ``table``."""
    return [n for c in table["crossing"] for n in NAMES.get(c, ()) if not n.isdigit()]


def resolve_crossing(query: str, table: pd.DataFrame) -> pd.Series:
    """The crossing a name means; a port with several truck bridges (Laredo, Brownsville)
    resolves to its busiest one unless the bridge is named (see :func:`crossings_named`)."""
    return crossings_named(query, table).iloc[0]
