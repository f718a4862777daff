"""Travel Mapping highway data: numbered Mexican federal highways, US Interstates and US highways
of the border states, and the international bridges, as route lists and waypoint files; and, as
a second source from the same commit, the state highways of Texas (with loops and spurs),
Arizona, California and New Mexico.

Two formats (described in the repository's README.md):

- ``hwy_data/_systems/<system>.csv``: the routes of a highway system, semicolon-separated,
  ``systemName;region;route;banner;abbrev;city;root;altRouteNames``; ``systems.csv`` gives each
  system's country, name, tier and level (``active``, ``preview``; ``#`` comments out systems
  in development).
- ``hwy_data/<region>/<system>/<root>.wpt``: one route within one region, one waypoint per line,
  ``LABEL [ALT_LABEL ...] http://www.openstreetmap.org/?lat=LAT&lon=LON`` (text after ``#`` is a
  comment). A ``+`` before the label marks a hidden shaping point; routes meet where files share
  exactly the same coordinates; straight segments join consecutive waypoints.

The files are pinned to one upstream commit: ``travelmapping_files.csv`` and
``travelmapping_state_files.csv`` beside this module list every file with its SHA-256
(:func:`pin_files` writes them from a copy of the data). The state highways' folder has no
``systems.csv`` or ``regions.csv``: their tiers and region names come from the main source's
``tm_systems`` and ``tm_regions`` tables (:func:`attach_systems`), which list every system and
region of the commit.
A bad line or file is reported in the ``tm_problems`` table with its path and line number, and
everything else still loads.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cargorisk._io import sha256_file
from cargorisk.sources._read import check
from cargorisk.sources.base import Source, SourceFile, Table

log = logging.getLogger(__name__)
COMMIT = "3d7993c9cb603f57706bf3bcf705eb25895e8526"
RAW_URL = f"https://raw.githubusercontent.com/TravelMapping/HighwayData/{COMMIT}/"
PIN_FILE = Path(__file__).with_name("travelmapping_files.csv")
STATE_PIN_FILE = Path(__file__).with_name("travelmapping_state_files.csv")
# The state highways' mirror folder has a README.md of its own (a description written when the
# folder was staged), not the upstream file of that name: it is not pinned or fetched.
STATE_MIRROR_ONLY = ("README.md",)
SYSTEMS_FILE = "systems.csv"
REGIONS_FILE = "regions.csv"
COUNTRIES = {"MEX": "MX", "USA": "US"}
LEVELS = ("active", "preview")
URL = re.compile(r"lat=([-+]?\d+(?:\.\d+)?)&lon=([-+]?\d+(?:\.\d+)?)")
SHOWN_PROBLEMS = 20
UNLISTED = "waypoint file is in no route list of an active or preview system"
ROUTE_LIST_COLUMNS = ["system", "region", "route", "banner", "abbrev", "city", "root", "alt_route_names"]

ROUTES = Table(
    "tm_routes",
    {
        "root": "route file id, e.g. mexnl.mex085d (unique)",
        "system": "highway system, e.g. mexd, mexf, usai, usaus, nasib",
        "system_name": "the system's name, e.g. 'Mexico Federal Expressways'",
        "tier": "the system's tier, 1 (most important) to 5",
        "level": "the system's status in Travel Mapping: active or preview (still being reviewed)",
        "region": "Travel Mapping region, e.g. MEX-NL, TX",
        "region_name": "the region's name, e.g. 'Nuevo León', 'Texas'",
        "country": "MX or US",
        "route": "route number as signed, e.g. MEX85D, I-35, US83",
        "banner": "banner, e.g. Bus (empty when none)",
        "abbrev": "abbreviation telling sections of one route apart (empty when none)",
        "city": "city of a city-specific section (empty when none)",
        "alt_route_names": "former or alternative route names, comma-separated",
    },
)
WAYPOINTS = Table(
    "tm_waypoints",
    {
        "root": "route file id (tm_routes.root)",
        "seq": "position of the waypoint along the route file, from 0",
        "label": "primary label (the crossing route, a town or a km post), without '+'",
        "alt_labels": "alternative labels, space-separated",
        "hidden": "True for a hidden shaping point ('+' prefix), not a junction or place",
        "lon": "longitude [degrees WGS84]",
        "lat": "latitude [degrees WGS84]",
    },
)
PROBLEM_COLUMNS = {
    "path": "file path inside the source folder",
    "line": "line number (1-based; 0 for the whole file)",
    "problem": "what is wrong; the line or file was skipped",
}
PROBLEMS = Table("tm_problems", PROBLEM_COLUMNS)
SYSTEMS = Table(
    "tm_systems",
    {
        "system": "highway system, e.g. mexd, usai, usatx (every system of systems.csv, commented ones out)",
        "system_name": "the system's name, e.g. 'Texas State Highways'",
        "country_code": "Travel Mapping country code: MEX, USA, NA (international bridges)",
        "tier": "the system's tier, 1 (most important) to 5",
        "level": "active, preview or devel",
    },
)
REGIONS = Table(
    "tm_regions",
    {
        "region": "Travel Mapping region code, e.g. TX, MEX-NL",
        "region_name": "the region's name, e.g. 'Texas', 'Nuevo León'",
        "country_code": "the region's country code, e.g. USA, MEX",
    },
)
STATE_ROUTES = Table(
    "tm_state_routes",
    {
        "system": "state highway system: usatx, usatxl (loops), usatxs (spurs), usaaz, usaca, usanm",
        "region": "TX, AZ, CA or NM",
        "route": "route number as signed, e.g. TX255, TXLp20, AZ85, CA86",
        "banner": "banner, e.g. Bus (empty when none)",
        "abbrev": "abbreviation telling sections of one route apart (empty when none)",
        "city": "city of a city-specific section (empty when none)",
        "root": "route file id, e.g. tx.tx255 (unique)",
        "alt_route_names": "former or alternative route names, comma-separated",
    },
)
STATE_WAYPOINTS = Table("tm_state_waypoints", WAYPOINTS.columns)
STATE_PROBLEMS = Table("tm_state_problems", PROBLEM_COLUMNS)


@dataclass(frozen=True)
class Problem:
    """A line or file the reader skipped."""

    path: str
    line: int
    problem: str


def read_wpt(path: Path, root: str, shown: str | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read one ``.wpt`` waypoint file into ``tm_waypoints`` rows and the lines it skipped."""
    shown = shown or str(path)
    try:
        text = path.read_bytes().decode("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        empty = pd.DataFrame(columns=list(WAYPOINTS.columns))
        return empty, [Problem(shown, 0, f"unreadable file ({exc.__class__.__name__})")]
    rows, problems = [], []
    for number, line in enumerate(text.splitlines(), 1):
        tokens = line.split("#", 1)[0].split()
        if not tokens:
            continue
        row = parse_waypoint(tokens)
        if isinstance(row, str):
            problems.append(Problem(shown, number, row))
        else:
            rows.append({"root": root, "seq": len(rows), **row})
    if len(rows) < 2:
        problems.append(Problem(shown, 0, f"route has {len(rows)} valid waypoint(s), needs 2"))
        rows = []
    return pd.DataFrame(rows, columns=list(WAYPOINTS.columns)), problems


def parse_waypoint(tokens: list[str]) -> dict[str, object] | str:
    """One waypoint from a line's tokens, or the reason it is invalid."""
    urls = [t for t in tokens if t.startswith("http")]
    labels = [t for t in tokens if not t.startswith("http")]
    if len(urls) != 1 or not labels:
        return "expected 'LABEL [ALT_LABEL ...] URL'"
    match = URL.search(urls[0])
    if not match:
        return f"no lat=..&lon=.. in {urls[0][:80]!r}"
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return f"coordinates out of range: lat={lat}, lon={lon}"
    hidden = labels[0].startswith("+")
    return {
        "label": labels[0].lstrip("+"),
        "alt_labels": " ".join(labels[1:]),
        "hidden": hidden,
        "lon": lon,
        "lat": lat,
    }


def read_semicolon(path: Path, shown: str, columns: int) -> tuple[list[list[str]], list[Problem]]:
    """Rows of a semicolon CSV (header dropped, '#' lines skipped) with ``columns`` fields each."""
    try:
        lines = path.read_bytes().decode("utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(shown, 0, f"unreadable file ({exc.__class__.__name__})")]
    rows, problems = [], []
    for number, line in enumerate(lines[1:], 2):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split(";")
        if len(fields) != columns:
            what = f"expected {columns} ';'-separated fields, got {len(fields)}"
            problems.append(Problem(shown, number, what))
            continue
        rows.append([f.strip() for f in fields])
    return rows, problems


def read_systems(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """``systems.csv``: system, country code, name, tier and level (commented systems skipped)."""
    rows, problems = read_semicolon(path, SYSTEMS_FILE, 6)
    table = pd.DataFrame(rows, columns=["system", "country_code", "system_name", "color", "tier", "level"])
    table["tier"] = pd.to_numeric(table["tier"], errors="coerce")
    bad = table["tier"].isna()
    problems += [Problem(SYSTEMS_FILE, 0, f"system {s!r} has no numeric tier") for s in table["system"][bad]]
    return table[~bad].astype({"tier": "int64"}), problems


def read_regions(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """``regions.csv``: region code, name and country code."""
    rows, problems = read_semicolon(path, REGIONS_FILE, 5)
    columns = ["region", "region_name", "country_code", "continent", "kind"]
    return pd.DataFrame(rows, columns=columns), problems


def read_route_list(path: Path, shown: str) -> tuple[pd.DataFrame, list[Problem]]:
    """A ``_systems/<system>.csv`` route list."""
    rows, problems = read_semicolon(path, shown, len(ROUTE_LIST_COLUMNS))
    return pd.DataFrame(rows, columns=ROUTE_LIST_COLUMNS), problems


def build(paths: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """Build ``tm_routes``, ``tm_waypoints``, ``tm_problems``, ``tm_systems`` and ``tm_regions``
    from the fetched files.

    Routes come from the route lists of the active and preview systems; a listed route whose
    waypoint file is not among the pinned files (the copy holds a subset of regions) is left
    out silently, a file that cannot be read is a problem.
    """
    systems, problems = read_systems(paths[SYSTEMS_FILE])
    regions, more = read_regions(paths[REGIONS_FILE])
    routes, waypoints, more_problems = read_routes(paths, lambda r: attach_systems(r, systems, regions))
    routes = routes[routes["root"].isin(waypoints["root"])].reset_index(drop=True)
    problems += more + more_problems
    report(problems)
    return {
        ROUTES.name: routes[list(ROUTES.columns)],
        WAYPOINTS.name: waypoints,
        PROBLEMS.name: problem_table(problems),
        SYSTEMS.name: systems[list(SYSTEMS.columns)].reset_index(drop=True),
        REGIONS.name: regions[list(REGIONS.columns)].reset_index(drop=True),
    }


def build_state(paths: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """Build ``tm_state_routes``, ``tm_state_waypoints`` and ``tm_state_problems`` from the
    state highways' files (route lists as published; tiers are attached by :func:`attach_systems`
    when the national graph is built)."""
    listed, waypoints, problems = read_routes(paths)
    report(problems)
    listed = listed[listed["root"].isin(waypoints["root"])].reset_index(drop=True)
    return {
        STATE_ROUTES.name: listed[list(STATE_ROUTES.columns)],
        STATE_WAYPOINTS.name: waypoints,
        STATE_PROBLEMS.name: problem_table(problems),
    }


def read_routes(
    paths: Mapping[str, Path], keep: Callable[[pd.DataFrame], pd.DataFrame] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """The route lists of the fetched ``_systems/*.csv`` files (passed through ``keep`` when
    given), one row per route file that is among the fetched files (first listing kept), with
    its ``file``; the waypoints of those files; and the problems met (unlisted or unreadable
    files, bad lines)."""
    lists, problems = [], []
    for name, path in sorted(paths.items()):
        system = name.removeprefix("hwy_data/_systems/").removesuffix(".csv")
        if name.startswith("hwy_data/_systems/") and not system.endswith("_con"):
            routes, more = read_route_list(path, name)
            lists.append(routes)
            problems += more
    routes = pd.concat([pd.DataFrame(columns=ROUTE_LIST_COLUMNS), *lists], ignore_index=True)
    routes["file"] = "hwy_data/" + routes["region"] + "/" + routes["system"] + "/" + routes["root"] + ".wpt"
    listed = set(routes["file"])
    problems += [
        Problem(name, 0, UNLISTED) for name in sorted(paths) if name.endswith(".wpt") and name not in listed
    ]
    routes = keep(routes) if keep is not None else routes
    routes = routes[routes["file"].isin(paths)].drop_duplicates("root").reset_index(drop=True)
    frames = []
    for root, file in zip(routes["root"], routes["file"], strict=True):
        points, more = read_wpt(paths[file], root, file)
        frames.append(points)
        problems += more
    frames = [f for f in frames if not f.empty]
    check(bool(frames), next(iter(paths.values())).parent, "no route could be read")
    waypoints = pd.concat(frames, ignore_index=True).astype({"seq": "int64", "hidden": bool})
    return routes, waypoints[list(WAYPOINTS.columns)], problems


def problem_table(problems: list[Problem]) -> pd.DataFrame:
    """The ``tm_problems`` rows of ``problems``."""
    frame = pd.DataFrame([vars(p) for p in problems], columns=list(PROBLEM_COLUMNS))
    return frame.astype({"line": "int64"})


def attach_systems(routes: pd.DataFrame, systems: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Add system name, tier, level, region name and country to route-list rows (``tm_routes``
    columns but those); keep active and preview systems."""
    routes = routes.merge(systems[["system", "system_name", "tier", "level"]], on="system", how="inner")
    routes = routes.merge(regions[["region", "region_name", "country_code"]], on="region", how="left")
    routes["country"] = routes["country_code"].map(COUNTRIES)
    return routes[routes["level"].isin(LEVELS) & routes["country"].notna()]


def report(problems: list[Problem]) -> None:
    """Log skipped lines and files (the first few in full). A waypoint file that no route list
    names is an upstream leftover, not damage: it is logged at info level."""
    for p in problems[:SHOWN_PROBLEMS]:
        level = logging.INFO if p.problem == UNLISTED else logging.WARNING
        log.log(level, "travelmapping: %s line %d skipped: %s", p.path, p.line, p.problem)
    if len(problems) > SHOWN_PROBLEMS:
        log.warning("travelmapping: %d more problems (table tm_problems)", len(problems) - SHOWN_PROBLEMS)


def pin_files(folder: Path, *, exclude: tuple[str, ...] = ()) -> pd.DataFrame:
    """Path and SHA-256 of every file in a copy of the data but ``exclude`` (writes the content
    of ``PIN_FILE`` and, with ``exclude=STATE_MIRROR_ONLY``, of ``STATE_PIN_FILE``)."""
    files = sorted(
        p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix() not in exclude
    )
    return pd.DataFrame(
        {"path": [p.relative_to(folder).as_posix() for p in files], "sha256": [sha256_file(p) for p in files]}
    )


def pinned_files(pin_file: Path = PIN_FILE) -> tuple[SourceFile, ...]:
    """The registry's file list: every pinned path, downloaded from the pinned commit."""
    pins = pd.read_csv(pin_file, dtype=str)
    return tuple(
        SourceFile(path, url=RAW_URL + path, sha256=sha)
        for path, sha in zip(pins["path"], pins["sha256"], strict=True)
    )


SOURCE = Source(
    id="travelmapping_highways",
    title="Travel Mapping HighwayData: Mexican federal highways, US Interstates and border-state US highways",
    publisher="Travel Mapping project (travelmapping.net), HighwayData repository",
    licence=(
        "no licence file upstream; credit 'Travel Mapping project (travelmapping.net), HighwayData'; "
        "waypoints were placed against OpenStreetMap-style maps (possible ODbL obligations); "
        "commercial redistribution unresolved"
    ),
    homepage=f"https://github.com/TravelMapping/HighwayData/tree/{COMMIT}",
    files=pinned_files(),
    tables=(ROUTES, WAYPOINTS, PROBLEMS, SYSTEMS, REGIONS),
    build=build,
    caveats=(
        "Volunteer-maintained; Mexican systems mexf etc. are in 'preview'. No speed, lanes, surface, "
        "toll flag or truck restriction; straight segments between waypoints run a little short of "
        "the road. Shared coordinates are the only link between routes."
    ),
)
STATE_SOURCE = Source(
    id="travelmapping_state_highways",
    title=(
        "Travel Mapping HighwayData: state highways of Texas (with loops and spurs), Arizona, California, "
        "New Mexico"
    ),
    publisher="Travel Mapping project (travelmapping.net), HighwayData repository",
    licence=SOURCE.licence,
    homepage=f"https://github.com/TravelMapping/HighwayData/tree/{COMMIT}/hwy_data",
    files=pinned_files(STATE_PIN_FILE),
    tables=(STATE_ROUTES, STATE_WAYPOINTS, STATE_PROBLEMS),
    build=build_state,
    caveats=(
        "Same commit, formats and caveats as travelmapping_highways; needs its tm_systems and tm_regions "
        "tables for tiers and state names. State roads include two-lane rural roads and urban loops: "
        "the national graph gives them the speeds the fitted model finds for their class and geometry."
    ),
)
