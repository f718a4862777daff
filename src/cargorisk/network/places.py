"""Places: turn what a user types into a network node.

Accepted forms: a network node name or a Mexican municipality name, case- and
accent-insensitive, optionally qualified by state (``"Juárez, Chihuahua"``, ``"Monterrey, NL"``,
``"Laredo, TX"``); a ``"lat,lon"`` string; a ``(lat, lon)`` tuple. Coordinates follow the
``lat,lon`` order people copy from web maps; inside cargorisk everything is ``lon, lat``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Hashable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cargorisk._text import expand, normalise
from cargorisk.errors import AmbiguousPlace, InputError, OffNetworkError, PlaceNotFound

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

EARTH_KM = 6371.0088
COORDS = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d+(?:\.\d+)?)\s*$")
STATE_ABBREVIATIONS = {
    "Aguascalientes": ["ags"],
    "Baja California": ["bc"],
    "Baja California Sur": ["bcs"],
    "Campeche": ["camp"],
    "Coahuila": ["coah"],
    "Colima": ["col"],
    "Chiapas": ["chis"],
    "Chihuahua": ["chih"],
    "Ciudad de México": ["cdmx", "df"],
    "Durango": ["dgo"],
    "Guanajuato": ["gto"],
    "Guerrero": ["gro"],
    "Hidalgo": ["hgo"],
    "Jalisco": ["jal"],
    "Estado de México": ["mex", "edomex", "mexico", "edo mex", "edo de mexico"],
    "Michoacán": ["mich"],
    "Morelos": ["mor"],
    "Nayarit": ["nay"],
    "Nuevo León": ["nl"],
    "Oaxaca": ["oax"],
    "Puebla": ["pue"],
    "Querétaro": ["qro"],
    "Quintana Roo": ["qroo"],
    "San Luis Potosí": ["slp"],
    "Sinaloa": ["sin"],
    "Sonora": ["son"],
    "Tabasco": ["tab"],
    "Tamaulipas": ["tamps"],
    "Tlaxcala": ["tlax"],
    "Veracruz": ["ver"],
    "Yucatán": ["yuc"],
    "Zacatecas": ["zac"],
    "Alabama": ["al"],
    "Arizona": ["az"],
    "Arkansas": ["ar"],
    "California": ["ca"],
    "Colorado": ["co"],
    "Connecticut": ["ct"],
    "Delaware": ["de"],
    "District of Columbia": ["dc"],
    "Florida": ["fl"],
    "Georgia": ["ga"],
    "Georgia (USA)": ["ga", "georgia"],
    "Idaho": ["id"],
    "Illinois": ["il"],
    "Indiana": ["in"],
    "Iowa": ["ia"],
    "Kansas": ["ks"],
    "Kentucky": ["ky"],
    "Louisiana": ["la"],
    "Maine": ["me"],
    "Maryland": ["md"],
    "Massachusetts": ["ma"],
    "Michigan": ["mi"],
    "Minnesota": ["mn"],
    "Mississippi": ["ms"],
    "Missouri": ["mo"],
    "Montana": ["mt"],
    "Nebraska": ["ne"],
    "Nevada": ["nv"],
    "New Hampshire": ["nh"],
    "New Jersey": ["nj"],
    "New Mexico": ["nm"],
    "New York": ["ny"],
    "North Carolina": ["nc"],
    "North Dakota": ["nd"],
    "Ohio": ["oh"],
    "Oklahoma": ["ok"],
    "Oregon": ["or"],
    "Pennsylvania": ["pa"],
    "Rhode Island": ["ri"],
    "South Carolina": ["sc"],
    "South Dakota": ["sd"],
    "Tennessee": ["tn"],
    "Texas": ["tx"],
    "Utah": ["ut"],
    "Vermont": ["vt"],
    "Virginia": ["va"],
    "Washington": ["wa"],
    "West Virginia": ["wv"],
    "Wisconsin": ["wi"],
    "Wyoming": ["wy"],
}


def state_keys(state: str) -> set[str]:
    """Every way a state may be written as a qualifier."""
    return {normalise(state), *STATE_ABBREVIATIONS.get(state, [])}


def in_area(state: str, country: str, qualifier: str, wanted: str) -> bool:
    """Whether a place in ``state`` and ``country`` is in the state a ``qualifier`` names and in
    the ``wanted`` country (either may be empty: any)."""
    if qualifier.strip() and normalise(qualifier) not in state_keys(state):
        return False
    return not wanted or country == wanted


STATE_WORDS = {k for state in STATE_ABBREVIATIONS for k in state_keys(state)}


# a country after the place, as TMS exports write it ('Monterrey, NL, Mexico', 'Laredo TX USA')
COUNTRY_WORDS = {
    **dict.fromkeys(["mexico", "mex", "mx", "estados unidos mexicanos"], "MX"),
    **dict.fromkeys(
        ["usa", "us", "united states", "united states of america", "eua", "eeuu", "ee uu", "estados unidos"],
        "US",
    ),
}
COUNTRY_STATE = "Estado de México"  # the state whose names ('México', 'Mex') are the country's too
# a postal code after the place: a US ZIP (ZIP+4) or a Mexican código postal ('C.P. 64000')
POSTAL_CODE = re.compile(r"[\s,]+(?:c\.?\s*p\.?\s*)?\d{5}(?:-\d{4})?\s*$", re.IGNORECASE)


def split_country(text: str) -> tuple[str, str]:
    """(the rest, country code) of ``text`` ending in a country, after a comma or as trailing
    words ('Monterrey, Mexico' -> ('Monterrey', 'MX')); the code is '' when none."""
    head, comma, last = text.rpartition(",")
    if comma and normalise(last) in COUNTRY_WORDS:
        return head, COUNTRY_WORDS[normalise(last)]
    words = normalise(text).split()
    for n in (4, 3, 2, 1):
        if len(words) > n and " ".join(words[-n:]) in COUNTRY_WORDS:
            return " ".join(words[:-n]), COUNTRY_WORDS[" ".join(words[-n:])]
    return text, ""


def split_state(text: str) -> tuple[str, str]:
    """(name, state qualifier) of ``text``: after a comma, else trailing words that name a
    state ('Laredo TX', 'Reynosa Tamps', 'Saltillo Coahuila'); the qualifier is '' when none."""
    name, _, qualifier = text.partition(",")
    if qualifier.strip():
        return name, qualifier
    words = normalise(text).split()
    for n in (3, 2, 1):
        if len(words) > n and " ".join(words[-n:]) in STATE_WORDS:
            return " ".join(words[:-n]), " ".join(words[-n:])
    return text, ""


@dataclass(frozen=True)
class Place:
    """A resolved place: the network node to route from/to, and how it was found."""

    query: str
    name: str
    node: Hashable
    lon: float
    lat: float
    snap_km: float
    source: str  # "node", "place", "municipality" or "coordinates"


@dataclass(frozen=True)
class Candidate:
    """A gazetteer entry: a display name, its state, and where it lies."""

    name: str
    state: str
    source: str
    node: Hashable | None
    lon: float
    lat: float
    cvegeo: str
    country: str = ""  # where it snaps: "MX" or "US" nodes only ("" for any)
    population: float = 0.0  # a municipality's (CONAPO, via SESNSP's file); 0 when not known

    @property
    def label(self) -> str:
        return f"{self.name}, {self.state}" if self.state else self.name


class Gazetteer:
    """Name and coordinate lookup over a road graph and, optionally, Mexico's municipalities.

    Parameters
    ----------
    graph
        Road graph with node ``x``, ``y``, ``name`` (and ``state``/``cvegeo`` when tagged).
    municipalities
        Optional table with ``cvegeo``, ``municipality``, ``state``, ``lon``, ``lat`` and
        optionally ``population`` (ranks municipalities a short name may mean).
    places
        Optional named places with ``name``, ``state``, ``lon``, ``lat``, ``aliases`` (``|``-separated),
        and optionally ``country`` and ``cvegeo`` (the municipality a Mexican place lies in), snapped
        to the nearest node like municipalities (e.g. :func:`corridor_places` on the national
        graph). A place wins over a node of the same name, so the reported snap distance is from
        the place itself.
    max_snap_km
        Largest distance from a coordinate, place or municipality centre to the nearest node.
    people
        Optional population by label (``"San Antonio, Texas"``) of places and nodes no
        municipality gives one to: the US metros (:func:`metro_people`). A Mexican node or place
        counts the people of the municipality it lies in (its ``cvegeo``).
    """

    def __init__(
        self,
        graph: nx.MultiDiGraph,
        municipalities: pd.DataFrame | None = None,
        *,
        places: pd.DataFrame | None = None,
        max_snap_km: float = 25.0,
        people: dict[str, float] | None = None,
    ) -> None:
        # the node attributes and roads it reads, not the graph: a router snapshot loads it fast
        self.nodes: dict[Hashable, dict] = {n: dict(d) for n, d in graph.nodes(data=True)}
        self.roads = node_roads(graph)
        self.max_snap_km = max_snap_km
        self.ids = list(graph.nodes)
        self.trees = node_trees(graph)
        self.index: dict[str, list[Candidate]] = {}
        self.words: dict[str, set[str]] = {}  # each word of a name: the names it is in
        self.municipality_names: dict[str, str] = {}
        self.plannable_labels: dict[str, Candidate | None] = {}  # what autocomplete offers (cached)
        self.people = dict(people or {})  # by label: the US metros
        self.municipal_people: dict[str, float] = {}  # by municipality code
        municipalities = municipalities if municipalities is not None else pd.DataFrame()
        if not municipalities.empty:
            self.municipality_names = dict(
                zip(municipalities["cvegeo"], municipalities["municipality"], strict=True)
            )
        for row in municipalities.itertuples(index=False):
            count = float(getattr(row, "population", 0.0) or 0.0)
            count = count if math.isfinite(count) else 0.0
            self.municipal_people[str(row.cvegeo)] = count
            cand = Candidate(
                row.municipality, row.state, "municipality", None, float(row.lon), float(row.lat),
                row.cvegeo, "MX", count,
            )  # fmt: skip
            self.add(cand)
        for node in self.ids:
            self.add_node(node)
        places = places if places is not None else pd.DataFrame()
        for row in places.itertuples(index=False):
            country = str(getattr(row, "country", "") or "")
            cvegeo = str(getattr(row, "cvegeo", "") or "")
            cvegeo = "" if cvegeo == "nan" else cvegeo
            lon, lat = float(row.lon), float(row.lat)
            cand = Candidate(row.name, row.state, "place", None, lon, lat, cvegeo, country)
            aliases = [a for a in str(row.aliases or "").split("|") if a and a != "nan"]
            self.add(self.counted(cand), aliases)
        # named nodes (not ports) by country: an unnamed node is 'near' a place of its own country
        named: dict[str, list] = {}
        for n in self.ids:
            if self.nodes[n].get("name") and self.nodes[n].get("kind") != "port":
                named.setdefault(str(self.nodes[n].get("country") or ""), []).append(n)
        self.named = {c: (ids, SphereIndex(unit_vectors(node_xy(graph, ids)))) for c, ids in named.items()}

    def label(self, node: Hashable) -> str:
        """A name to show for a node: its own name, else the municipality it lies in, else the
        nearest named place of its country within :data:`NEAR_KM` (``'near San Antonio'``; a
        Texas node by the river is never 'near Camargo', Tamaulipas), else the roads that meet
        there (``'I-35 / US-287'``), else its id."""
        data = self.nodes[node]
        if data.get("name"):
            return str(data["name"])
        municipality = self.municipality_names.get(str(data.get("cvegeo") or ""))
        if municipality:
            return municipality
        near = self.named.get(str(data.get("country") or ""))
        if near is not None:
            chord, i = near[1].query(unit_vectors(np.array([[data["x"], data["y"]]]))[0])
            if chord_km(chord) <= NEAR_KM:
                return f"near {self.nodes[near[0][int(i)]]['name']}"
        return self.roads.get(node) or str(node)

    def add_node(self, node: Hashable) -> None:
        """Index a named node under its name, its name without 'Ciudad', and its aliases."""
        data = self.nodes[node]
        if not data.get("name"):
            return
        cand = Candidate(
            data["name"], data.get("state", ""), "node", node, data["x"], data["y"], data.get("cvegeo", "")
        )
        aliases = [a for a in str(data.get("aliases") or "").split("|") if a]
        self.add(self.counted(cand), aliases)

    def counted(self, cand: Candidate) -> Candidate:
        """``cand`` with its population: that of the municipality it lies in, else of its label
        in ``people`` (a US metro), else 0 (not known)."""
        count = self.municipal_people.get(cand.cvegeo, 0.0) if cand.cvegeo else 0.0
        return replace(cand, population=count or self.people.get(cand.label, 0.0))

    def add(self, cand: Candidate, aliases: list[str] | None = None) -> None:
        key = normalise(cand.name)
        keys = {key, key.removeprefix("ciudad ").removeprefix("heroica ")}
        keys |= {normalise(a) for a in aliases or []}
        keys |= {expand(k) for k in keys}  # 'St. Louis' found as 'Saint Louis' too
        for k in keys:
            self.index.setdefault(k, []).append(cand)
            for word in k.split():
                self.words.setdefault(word, set()).add(k)

    def resolve(self, query: str | tuple[float, float]) -> Place:
        """Resolve a name or coordinate to a network node (see module docstring)."""
        if isinstance(query, tuple | list):
            return self.snap(float(query[0]), float(query[1]), str(query))
        missing = query is None or (isinstance(query, float) and math.isnan(query))
        text = "" if missing else str(query).strip()
        if not text:
            msg = "empty place name; give a city (e.g. 'Monterrey, NL') or 'lat,lon'"
            raise InputError(msg)
        match = COORDS.match(text)
        if match:
            return self.snap(float(match.group(1)), float(match.group(2)), text)
        return self.by_name(text)

    def by_name(self, text: str) -> Place:
        """A name, optionally with its state (after a comma or as trailing words), abbreviated
        words allowed; of several places called so, a city or place of the road network is
        chosen only when it holds most of their people (:func:`by_people`), else the name raises
        :class:`AmbiguousPlace` listing them."""
        found = self.lookup(text)
        if not found:
            raise PlaceNotFound(self.not_found_message(text))
        if len(found) > 1:
            found = sorted(found, key=lambda c: -c.population)  # the most populous first; unknown last
            # a label that is this very text cannot be entered to mean it: its coordinates can
            listed = "; ".join(
                f"{c.label} ({c.lat:.4f},{c.lon:.4f})" if normalise(c.label) == normalise(text) else c.label
                for c in found[:8]
            )
            msg = f"{text!r} matches {len(found)} places: {listed}; add the state, e.g. {found[0].label!r}"
            raise AmbiguousPlace(msg)
        return self.place_of(found[0], text)

    def lookup(self, text: str) -> list[Candidate]:
        """The candidates for a name (see :meth:`by_name`), the dominant one alone when there
        is one: the whole text as a name first, then with trailing state words. A trailing
        postal code is left out; a trailing country keeps that country's places ('Monterrey,
        Mexico'); 'México' or 'Mex' may also be the Estado de México, so then the places of
        both readings are weighed together ('Toluca, México' is in the Estado de México; 'La
        Paz, Mexico' is La Paz, Baja California Sur or La Paz, Estado de México, about as
        populous, so ambiguous, as is 'Morelos, Mexico')."""
        text = POSTAL_CODE.sub("", text)
        found = self.candidates(text)
        name, country = split_country(text)
        name = POSTAL_CODE.sub("", name)  # 'Monterrey, NL 64000, México'
        if country and name.strip(" ,") and (not found or all(c.state == COUNTRY_STATE for c in found)):
            found = dedupe(found + self.candidates(name, country))
        return labelled(found, text)

    def candidates(self, text: str, country: str = "") -> list[Candidate]:
        """The places a name may be, that may carry its state, in ``country`` when given: the
        whole text as a name first, then with trailing state words. Places called so (by name
        or alias) with one of the road network among them are weighed by :func:`by_people`;
        else municipalities, also by part of their names (:func:`short_name_matches`)."""
        for name, qualifier in dict.fromkeys([(text, ""), split_state(text)]):
            key = normalise(name)
            exact = self.index.get(key) or self.index.get(expand(key), [])
            exact = dedupe(self.within(exact, qualifier, country))
            if any(c.source != "municipality" for c in exact):
                return by_people(exact)
            longer = {c: starts for c, starts in self.in_names(key) + self.in_names(expand(key))}
            kept = dedupe(self.within(list(longer), qualifier, country))
            found = short_name_matches(exact, [(c, longer[c]) for c in kept])
            if found:
                return self.on_network(found)
        return []

    def on_network(self, found: list[Candidate]) -> list[Candidate]:
        """Municipalities as the network city or place that is that municipality
        (:func:`same_place`), where there is one (its node rather than the nearest to the
        centroid); never one that only has its name as an alias."""
        twins = [
            x
            for c in found
            for x in self.index.get(normalise(c.name), [])
            if x.source != "municipality" and same_place(x, c)
        ]
        return dedupe(twins + found) if twins else found

    def within(self, found: list[Candidate], qualifier: str, country: str) -> list[Candidate]:
        """The candidates of a state ``qualifier`` and of ``country`` (either may be empty)."""
        return [c for c in found if in_area(c.state, self.country_of(c), qualifier, country)]

    def in_names(self, key: str) -> list[tuple[Candidate, bool]]:
        """The municipalities whose longer names hold the words of ``key`` one after the other
        (network cities and places are found by their names and aliases only), each with
        whether its name starts with them: 'naucalpan' is in 'Naucalpan de Juárez' (at the start),
        'tlaquepaque' in 'San Pedro Tlaquepaque'; never after one of the words of
        :data:`NOT_A_NAME_AFTER` ('morelos' is not Ecatepec de Morelos, 'suárez' not Xochitlán
        de Vicente Suárez, 'laredo' not Nuevo Laredo)."""
        words = key.split()
        if not words or any(w not in self.words for w in words):
            return []
        n, held = len(words), []
        for name in sorted(set.intersection(*(self.words[w] for w in words)) - {key}):
            parts = name.split()
            at = [i for i in range(len(parts) - n + 1) if parts[i : i + n] == words]
            if at and not NOT_A_NAME_AFTER.intersection(parts[: at[0]]):
                held += [(c, at[0] == 0) for c in self.index[name] if c.source == "municipality"]
        return held

    def suggest(self, text: str, limit: int = 8) -> list[dict]:
        """Places for an autocomplete: names equal to, starting with, or containing ``text``
        (accents and case ignored), in that order; within each, cities on the road network
        before named places and municipalities, then the shortest name. What TMS exports add
        after a name (a state, a country, a postal code: 'Monterrey, NL, Mexico') keeps the
        places it names. Only places a plan can start from are offered, each by a label that
        resolves to it (:meth:`plannable`)."""
        whole = self.suggest_names(text, limit)  # a name ending in a state's ('Dolores Hidalgo')
        if whole:
            return whole
        name, country = split_country(POSTAL_CODE.sub("", text))
        name, qualifier = split_state(POSTAL_CODE.sub("", name))
        if not normalise(name) or normalise(name) == normalise(text):
            return []
        found = self.suggest_names(name, limit * 4)
        return [p for p in found if in_area(p["state"], p["country"], qualifier, country)][:limit]

    def suggest_names(self, text: str, limit: int) -> list[dict]:
        """:meth:`suggest` of ``text`` as a name alone."""
        key = normalise(text)
        if not key:
            return []
        source_rank = {"node": 0, "place": 1}
        ranked = []
        for name, found in self.index.items():
            if name == key or name.startswith(key) or key in name:
                kind = 0 if name == key else 1 if name.startswith(key) else 2
                ranked += [((kind, source_rank.get(c.source, 2), len(c.label), c.label), c) for c in found]
        out, seen = [], set()
        for _, found in sorted(ranked, key=lambda item: item[0]):
            c = self.plannable(found)
            if c is not None and c.label not in seen:
                seen.add(c.label)
                out.append(
                    {"label": c.label, "name": c.name, "state": c.state, "country": self.country_of(c)}
                )
            if len(out) == limit:
                break
        return out

    def plannable(self, cand: Candidate) -> Candidate | None:
        """The place a suggestion of ``cand`` plans from: the one its label resolves to (a
        municipality's label may name the network city it is: 'Acuña, Coahuila' is Ciudad
        Acuña); None when the label is ambiguous or the place is farther than ``max_snap_km``
        from the network (not offered: planning would refuse it). Kept by label."""
        if cand.label not in self.plannable_labels:
            found = self.lookup(cand.label)
            reached = len(found) == 1 and self.reaches(found[0])
            self.plannable_labels[cand.label] = found[0] if reached else None
        return self.plannable_labels[cand.label]

    def reaches(self, cand: Candidate) -> bool:
        """Whether a candidate is a node, or within ``max_snap_km`` of one (:meth:`place_of`)."""
        return cand.node is not None or self.nearest(cand.lon, cand.lat, cand.country)[1] <= self.max_snap_km

    def country_of(self, cand: Candidate) -> str:
        """'MX' or 'US': a candidate's own, else its node's (a municipality is Mexican)."""
        return cand.country or (self.nodes[cand.node].get("country", "") if cand.node is not None else "MX")

    def not_found_message(self, text: str) -> str:
        """'... is not a known place; did you mean ...?': names spelled alike, else names that
        hold it ('Calexico': 'Calexico East POE, California')."""
        close = difflib.get_close_matches(normalise(text.partition(",")[0]), self.index, n=3, cutoff=0.75)
        labels = sorted({c.label for k in close for c in self.index[k]})[:3]
        if not labels:
            labels = [p["label"] for p in self.suggest(text, 3)]
        hint = (
            f"did you mean {' or '.join(repr(x) for x in labels)}?"
            if labels
            else ("give a city on the network, a Mexican municipality, or 'lat,lon'")
        )
        return f"{text!r} is not a known place; {hint}"

    def place_of(self, cand: Candidate, text: str) -> Place:
        if cand.node is not None:
            return Place(text, cand.label, cand.node, cand.lon, cand.lat, 0.0, "node")
        node, km = self.nearest(cand.lon, cand.lat, cand.country)
        if km > self.max_snap_km:
            msg = (
                f"{cand.label!r} is {km:.1f} km from the nearest road node "
                f"({self.label(node)}); max_snap_km is {self.max_snap_km:g}"
            )
            raise OffNetworkError(msg)
        return Place(text, cand.label, node, cand.lon, cand.lat, km, cand.source)

    def snap(self, lat: float, lon: float, text: str) -> Place:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            msg = f"{text!r} is not a valid 'lat,lon' (latitude first, e.g. '25.6866,-100.3161')"
            raise InputError(msg)
        node, km = self.nearest(lon, lat)
        if km > self.max_snap_km:
            near = self.label(node)
            msg = (
                f"point {lat:.4f},{lon:.4f} is {km:.1f} km from the nearest road node ({near}); "
                f"pick a point within {self.max_snap_km:g} km of a road or raise max_snap_km"
            )
            raise OffNetworkError(msg)
        return Place(text, f"{lat:.4f},{lon:.4f}", node, lon, lat, km, "coordinates")

    def nearest(self, lon: float, lat: float, country: str = "") -> tuple[Hashable, float]:
        """Nearest node (of ``country`` when the graph has nodes there; any when ``""``) and its
        great-circle distance in km. Named places snap within their country, so a Mexican town
        on the river never lands on a Texas node across it; bare coordinates take any node."""
        ids, tree = self.trees.get(country) or self.trees[""]
        chord, i = tree.query(unit_vectors(np.array([[lon, lat]]))[0])
        return ids[int(i)], chord_km(chord)


SAME_PLACE_KM = 30.0  # a municipality this close to a named place of its state and name is that place
NEAR_KM = 40.0  # an unnamed node is shown as 'near X' when a named place is this close


def chord_km(chord: float | np.ndarray) -> float | np.ndarray:
    """Great-circle km from the chord between two points on the unit sphere."""
    return 2 * EARTH_KM * np.arcsin(np.minimum(1.0, chord / 2))


def node_roads(graph: nx.MultiDiGraph) -> dict[Hashable, str]:
    """The first two road numbers leaving each node (``'I-35 / US-287'``), sorted; connectors
    and crossings left out: how an unnamed node far from any place is shown."""
    refs: dict[Hashable, set[str]] = {}
    for u, _, d in graph.edges(data=True):
        if d.get("kind") == "road" and d.get("length_source") != "connector":
            refs.setdefault(u, set()).update(r for r in str(d.get("ref", "")).split(";") if r)
    return {n: " / ".join(sorted(found)[:2]) for n, found in refs.items() if found}


def node_xy(graph: nx.MultiDiGraph, nodes: list) -> np.ndarray:
    """Lon/lat array of ``nodes``."""
    return np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in nodes], dtype=float)


class SphereIndex:
    """Nearest of a set of points on the unit sphere, by exhaustive search: a few tens of
    thousands of nodes take well under a millisecond a query, and a router read from its
    snapshot needs no KD-tree library (importing one was a tenth of a warm ``route``)."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=float)

    def query(self, vector: np.ndarray) -> tuple[float, int]:
        """Chord length to the nearest point and its index (the largest dot product)."""
        i = int(np.argmax(self.vectors @ vector))
        return float(np.linalg.norm(self.vectors[i] - vector)), i


def node_trees(graph: nx.MultiDiGraph) -> dict[str, tuple[list, SphereIndex]]:
    """Nearest-point indexes over the nodes of each country, and over all nodes (key ``""``)."""
    ids = list(graph.nodes)
    trees = {"": (ids, SphereIndex(unit_vectors(node_xy(graph, ids))))}
    for country in sorted({str(graph.nodes[n].get("country") or "") for n in ids} - {""}):
        mine = [n for n in ids if graph.nodes[n].get("country") == country]
        trees[country] = (mine, SphereIndex(unit_vectors(node_xy(graph, mine))))
    return trees


def dedupe(candidates: list[Candidate]) -> list[Candidate]:
    """One candidate per place: a named place wins over a node of the same name within 30 km
    (whatever the node's state is called), and both win over the municipality they are
    (:func:`same_place`); a municipality near a network city of another name stays a place of
    its own (Cuautitlán is not Cuautitlán Izcalli)."""
    places = [c for c in candidates if c.source == "place"]

    def is_a_place(node: Candidate) -> bool:
        name = normalise(node.name)
        return any(normalise(p.name) == name and km_between(p, node) <= SAME_PLACE_KM for p in places)

    named = places + [c for c in candidates if c.source == "node" and not is_a_place(c)]
    rest = [c for c in candidates if c.source == "municipality" and not any(same_place(n, c) for n in named)]
    seen, out = set(), []
    for c in named + rest:
        key = (c.source, c.node if c.node is not None else (c.cvegeo or c.label))
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def same_place(named: Candidate, municipality: Candidate) -> bool:
    """Whether a network city or named place is ``municipality``: it lies in it (the same
    municipality code), or it is called by its name, with or without 'Ciudad' or 'Heroica'
    (Ciudad Acuña is Acuña), in the same state within :data:`SAME_PLACE_KM`. An alias never
    makes a place another municipality: Cuautitlán Izcalli is not Cuautitlán, its neighbour."""
    if named.cvegeo and named.cvegeo == municipality.cvegeo:
        return True
    key = normalise(named.name)
    names = {key, key.removeprefix("ciudad ").removeprefix("heroica ")}
    return (
        normalise(municipality.name) in names
        and named.state == municipality.state
        and km_between(named, municipality) <= SAME_PLACE_KM
    )


# a place of the road network is what a bare name means when it holds this share of the people of
# all the places called so: at least four times as many as all the others together
NETWORK_SHARE = 0.8


def by_people(found: list[Candidate]) -> list[Candidate]:
    """Of several places called exactly the same (by name or alias), with one of the road
    network among them, the most populous alone when it is of the road network and holds at
    least :data:`NETWORK_SHARE` of their people, all of them known; else all of them, listed
    by :class:`AmbiguousPlace`. 'Lázaro Cárdenas' is the port in Michoacán (85% of the people
    of the three), 'Jalapa' Xalapa, Veracruz (an alias; 93%, with Jalapa, Tabasco); 'Juárez'
    lists Ciudad Juárez (77%) and Juárez, Nuevo León (400,000 people), and 'Allende' the three
    Allendes (the network's, in Coahuila, is not the largest). A place whose population the
    data lacks (a US town outside the 50 largest metros) is never outweighed: 'Victoria' lists
    Victoria, Texas with Ciudad Victoria."""
    if len(found) < 2 or any(c.population <= 0 for c in found):
        return found
    top = max(found, key=lambda c: c.population)
    total = sum(c.population for c in found)
    if top.source != "municipality" and top.population >= NETWORK_SHARE * total:
        return [top]
    return found


def labelled(found: list[Candidate], text: str) -> list[Candidate]:
    """Of several candidates, the one whose label is ``text`` (accents and case ignored), when
    one is: a label autocomplete offers names its place alone ('Guadalupe, Chihuahua' is not
    also Guadalupe y Calvo, whose longer name starts with it); else all of them. Not when a more
    populous one is called so for short (:func:`shortened`): 'Atizapán, México' stays Atizapán
    or Atizapán de Zaragoza (about 500,000 people), never the small one silently."""
    key = normalise(text)
    same = [c for c in found if normalise(c.label) == key]
    if len(found) < 2 or len(same) != 1:
        return found
    called = [c for c in found if c.population > same[0].population and shortened(same[0].name, c.name)]
    return found if called else same


def shortened(short: str, name: str) -> bool:
    """Whether ``name`` is said ``short`` for short: it starts with it and goes on with an
    honorific's 'de' ('Atizapán de Zaragoza'), not with 'y' ('Guadalupe y Calvo' is a name of
    its own)."""
    short, name = normalise(short), normalise(name)
    return name.startswith(short + " ") and name[len(short) :].split()[0] in ("de", "del")


DOMINANT = 10.0  # a name held by several municipalities means the one this many times as populous
# words after which no word is how people call a place: an honorific's 'de' ('Ecatepec de
# Morelos', 'Xochitlán de Vicente Suárez'), an article ('Apaseo el Grande'), and 'nuevo' (Nuevo
# Laredo is not Laredo)
NOT_A_NAME_AFTER = {"de", "del", "la", "las", "los", "el", "y", "nuevo", "nueva", "nuevos", "nuevas"}


def short_name_matches(exact: list[Candidate], longer: list[tuple[Candidate, bool]]) -> list[Candidate]:
    """The municipalities a name may mean, the most populous first, from those called exactly
    that and those whose longer names hold it (:meth:`Gazetteer.in_names`, with whether they start
    with it): how people shorten names ('Naucalpan', 'Ecatepec', 'Tlaquepaque', 'Escobedo').

    - The exact ones, with each longer-named one more populous than all of them whose name starts
      with it, or :data:`DOMINANT` times as populous when it only holds it: 'Tlalnepantla' is then
      Tlalnepantla de Baz, Estado de México (about 760,000 people) or Tlalnepantla, Morelos (about
      8,000), ambiguous, never the small one silently; 'Escobedo' General Escobedo, Nuevo León or
      Escobedo, Coahuila.
    - With none exact, the one longer-named one, or the one :data:`DOMINANT` times as populous as
      each of the others ('Ecatepec': Ecatepec de Morelos, not Santa María Ecatepec, Oaxaca); else
      all of them (ambiguous: 'Cadereyta' is in Nuevo León and in Querétaro).
    """
    people = lambda c: c.population  # noqa: E731
    if exact:
        top = max(map(people, exact))
        bigger = [c for c, starts in longer if c.population > (top if starts else DOMINANT * top)]
        return sorted(exact + bigger, key=people, reverse=True)
    ranked = sorted((c for c, _ in longer), key=people, reverse=True)
    if len(ranked) > 1 and ranked[0].population >= DOMINANT * ranked[1].population > 0:
        return ranked[:1]
    return ranked


def km_between(a: Candidate, b: Candidate) -> float:
    """Great-circle distance between two candidates (km)."""
    chord = np.linalg.norm(np.diff(unit_vectors(np.array([[a.lon, a.lat], [b.lon, b.lat]])), axis=0))
    return float(chord_km(chord))


def unit_vectors(lonlat: np.ndarray) -> np.ndarray:
    """Points on the unit sphere, so Euclidean nearest = great-circle nearest."""
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def municipality_gazetteer(
    names: pd.DataFrame, polygons: gpd.GeoDataFrame, municipal: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Municipality names (current INEGI list) with centroids from the polygon table, and their
    latest population from ``municipal`` (``sesnsp_municipal_year``) when given (0 when unknown).

    Municipalities created after the 2016 polygons have no centroid: they are left out
    rather than placed wrongly.
    """
    centres = polygons.set_index("cvegeo")[["lon", "lat"]]
    table = names.join(centres, on="cvegeo", how="inner")
    table["population"] = 0.0
    if municipal is not None:
        from cargorisk.sources.sesnsp import latest_population  # noqa: PLC0415

        table["population"] = table["cvegeo"].map(latest_population(municipal)).fillna(0.0).astype(float)
    return table[["cvegeo", "municipality", "state", "lon", "lat", "population"]].reset_index(drop=True)


def corridor_places(nodes: pd.DataFrame) -> pd.DataFrame:
    """Named places of the corridor network's ``nodes.csv`` (cities, US hubs, named junctions;
    not the port nodes): ``name``, ``state``, ``country``, ``lon``, ``lat``, ``aliases``."""
    places = nodes[nodes["kind"] != "port"]
    out = places[["name", "state", "country", "lon", "lat", "aliases"]].copy()
    out["aliases"] = out["aliases"].fillna("").astype(str)
    return out.reset_index(drop=True)


def name_nodes(graph: nx.MultiDiGraph, places: pd.DataFrame, max_km: float) -> int:
    """Give each place's name (and aliases) to its nearest unnamed node of its own country
    within ``max_km``, which becomes a ``kind="city"`` node (ports keep their kind); in place.
    Returns how many nodes were named (nearer places first when two share a node)."""
    trees = node_trees(graph)
    lonlat = unit_vectors(places[["lon", "lat"]].to_numpy(float))
    found = []
    for i, country in enumerate(places["country"] if "country" in places else [""] * len(places)):
        ids, tree = trees.get(str(country or "")) or trees[""]
        chord, j = tree.query(lonlat[i])
        found.append((float(chord_km(chord)), i, ids[int(j)]))
    named = 0
    for km, i, node_id in sorted(found, key=lambda item: item[0]):
        node = graph.nodes[node_id]
        if km <= max_km and not node.get("name"):
            node.update(name=places["name"].iat[i], aliases=places["aliases"].iat[i])
            node["kind"] = "city" if node.get("kind") != "port" else "port"
            named += 1
    return named


def resolve_place(
    query: str | tuple[float, float],
    graph: nx.MultiDiGraph,
    *,
    municipalities: pd.DataFrame | None = None,
    max_snap_km: float = 25.0,
) -> Place:
    """Resolve one place against ``graph`` (see :class:`Gazetteer` for repeated lookups).

    Raises
    ------
    PlaceNotFound
        Unknown name (with close suggestions).
    AmbiguousPlace
        Several places share the name (listed, with the way to qualify it).
    OffNetworkError
        The point or municipality is farther than ``max_snap_km`` from the network.
    InputError
        Empty text or an impossible coordinate.
    """
    return Gazetteer(graph, municipalities, max_snap_km=max_snap_km).resolve(query)
