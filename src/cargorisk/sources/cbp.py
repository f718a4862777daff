"""CBP data: northbound crossings per Texas bridge (UNT compilation) and El Paso wait times."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from cargorisk.sources._read import check, read_csv, reading, require_columns
from cargorisk.sources.base import Source, SourceFile, Table

UNT_RAW = (
    "https://raw.githubusercontent.com/unt-clscm/CBP-Border-Crossings/"
    "b36585a6e99bce7dddfeacabdec71be226c3218d/"
)
MONTHLY = "monthly_crossings_2008_2025.csv"
COORDS = "TX-MX-Border-Crossings-Coordinates.csv"
WAITS = "elpaso_border_wait_times.csv"

# BTS port code of each CBP port of entry named in the bridge table (BTS port list).
PORT_CODES = {
    "Brownsville": "2301",
    "Del Rio": "2302",
    "Eagle Pass": "2303",
    "Laredo": "2304",
    "Hidalgo": "2305",
    "Rio Grande City": "2307",
    "Progreso": "2309",
    "Roma": "2310",
    "Ysleta": "2401",
    "El Paso": "2402",
    "Presidio": "2403",
    "Marcelino Serna": "2404",
    "Boquillas": "2410",
}
# The monthly table sums El Paso's two rail bridges; the coordinate table lists them apart.
RAIL_ALIAS = {
    "El Paso Railroad Bridges": (
        "BNSF Railroad Rail Bridge",
        "Union Pacific Railroad Rail Bridge",
    )
}

BRIDGE_MONTH = Table(
    "cbp_bridge_month",
    {
        "month": "first day of the month (datetime64)",
        "region": "CBP field region (El Paso, Laredo, Rio Grande Valley)",
        "port_code": "BTS four-digit code of the port of entry the bridge belongs to",
        "port_name": "CBP port of entry",
        "crossing": "bridge or crossing name (33 Texas crossings)",
        "mode": "Commercial Trucks, Passenger Vehicles, Buses, Pedestrians/ Bicyclists, Railcars",
        "northbound": "northbound crossings in the month [count]",
    },
    period="month",
)
BRIDGES = Table(
    "cbp_bridges",
    {
        "crossing": "bridge or crossing name, as in cbp_bridge_month",
        "crossing_code": "UNT/TxDOT crossing code (e.g. LRD-LRD-WORL)",
        "region": "CBP field region",
        "port_code": "BTS four-digit port code",
        "port_name": "CBP port of entry",
        "lat": "latitude of the bridge [degrees WGS84]",
        "lon": "longitude of the bridge [degrees WGS84]",
        "trucks_last_12m": "northbound commercial trucks in the last 12 months [trucks]",
        "commercial": "True if the crossing carried commercial trucks in the last 12 months",
    },
)
WAIT_PROFILE = Table(
    "cbp_wait_profile",
    {
        "port_code": "BTS four-digit port code (2402 El Paso, 2401 Ysleta)",
        "crossing": "CBP wait-time crossing name, e.g. 'Bridge of the Americas (BOTA)'",
        "lane": "Commercial, Passenger or Pedestrian",
        "sub_lane": "General, Ready, Nexus/Sentri (commercial: General = standard, FAST n/a)",
        "month": "calendar month 1-12 of the averaging window",
        "hour": "hour slot start, 0-23 local time",
        "weekday": "day of week, 0 = Monday ... 6 = Sunday",
        "wait_min": "average wait [min]; NaN when the lane was closed or had no data",
        "is_open": "False when CBP shows a blank cell (closed or no data), not a zero wait",
    },
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WAIT_PORT_CODES = {
    "Bridge of the Americas (BOTA)": "2402",
    "Paso Del Norte (PDN)": "2402",
    "Stanton DCL": "2402",
    "Ysleta": "2401",
}


def read_bridge_month(path: Path) -> pd.DataFrame:
    """Read the UNT monthly CBP bridge table into the ``cbp_bridge_month`` schema."""
    cols = ("Year", "Month", "Region", "POE", "Crossing", "Modes", "Northbound Crossing")
    raw = read_csv(path, cols)
    with reading(path):
        month = pd.to_datetime({"year": raw["Year"], "month": raw["Month"], "day": 1})
        count = pd.to_numeric(raw["Northbound Crossing"]).astype("int64")
    return pd.DataFrame(
        {
            "month": month,
            "region": raw["Region"],
            "port_code": raw["POE"].map(PORT_CODES),
            "port_name": raw["POE"],
            "crossing": raw["Crossing"],
            "mode": raw["Modes"],
            "northbound": count,
        }
    )


def read_bridge_coordinates(path: Path) -> pd.DataFrame:
    """Read the bridge coordinate table; El Paso's two rail bridges merge into one row."""
    cols = ("Border Crossing Name", "Code", "Region", "Port Of Entry", "Lat", "Lon")
    raw = read_csv(path, cols, encoding="utf-8-sig")
    raw = raw.rename(
        columns={
            "Border Crossing Name": "crossing",
            "Code": "crossing_code",
            "Region": "region",
            "Port Of Entry": "port_name",
            "Lat": "lat",
            "Lon": "lon",
        }
    )
    raw["port_name"] = raw["port_name"].fillna(raw["crossing"])  # Boquillas has no POE cell
    for merged, parts in RAIL_ALIAS.items():
        rows = raw[raw["crossing"].isin(parts)]
        first = rows.iloc[0].copy()
        first["crossing"], first["crossing_code"] = merged, first["crossing_code"].rsplit("-", 1)[0]
        first["lat"], first["lon"] = rows["lat"].mean(), rows["lon"].mean()
        raw = pd.concat([raw[~raw["crossing"].isin(parts)], first.to_frame().T])
    raw["port_code"] = raw["port_name"].map(PORT_CODES)
    return raw[["crossing", "crossing_code", "region", "port_code", "port_name", "lat", "lon"]]


def summarise_bridges(monthly: pd.DataFrame, coords: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Join coordinates to every crossing of the monthly table and add recent truck volume."""
    missing = sorted(set(monthly["crossing"]) - set(coords["crossing"]))
    check(not missing, path, f"crossings without coordinates: {missing}")
    cutoff = monthly["month"].max() - pd.DateOffset(months=11)
    trucks = monthly[(monthly["mode"] == "Commercial Trucks") & (monthly["month"] >= cutoff)]
    volume = trucks.groupby("crossing")["northbound"].sum()
    out = coords[coords["crossing"].isin(monthly["crossing"])].copy()
    out["trucks_last_12m"] = out["crossing"].map(volume).fillna(0).astype("int64")
    out["commercial"] = out["trucks_last_12m"] > 0
    out[["lat", "lon"]] = out[["lat", "lon"]].astype(float)
    return out.sort_values(["region", "port_name", "crossing"]).reset_index(drop=True)


def build_bridges(paths: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """Build ``cbp_bridge_month`` and ``cbp_bridges``."""
    monthly = read_bridge_month(paths[MONTHLY])
    coords = read_bridge_coordinates(paths[COORDS])
    return {
        BRIDGE_MONTH.name: monthly,
        BRIDGES.name: summarise_bridges(monthly, coords, paths[COORDS]),
    }


def parse_hour(label: str) -> int:
    """Turn CBP's hour labels ('Midnight', 'Noon', '1:00 AM', '11:00 PM') into 0-23."""
    fixed = {"midnight": 0, "noon": 12}
    key = label.strip().lower()
    if key in fixed:
        return fixed[key]
    match = re.fullmatch(r"(\d{1,2}):00 ([ap])m", key)
    if not match:
        msg = f"unknown hour label {label!r}"
        raise ValueError(msg)
    hour = int(match.group(1)) % 12
    return hour + 12 if match.group(2) == "p" else hour


def read_wait_times(path: Path) -> pd.DataFrame:
    """Read CBP historical wait times (month x hour x weekday) into ``cbp_wait_profile``.

    Accepts the CSV or the original xlsx scrape. A blank cell means the lane was closed or had
    no data: it becomes ``wait_min = NaN`` with ``is_open = False``, never a zero wait.
    Rows without an hour label (CBP's footer rows) are dropped.
    """
    day_cols = [f"{d} (min)" for d in WEEKDAYS]
    cols = ("Port", "Lane", "Sub-Lane", "Month", "Time", *day_cols)
    if path.suffix == ".xlsx":
        with reading(path):
            raw = pd.read_excel(path)
        require_columns(raw, cols, path)
    else:
        raw = read_csv(path, cols)
    separators = raw["Time"].isna()  # CBP's blank separator row after each month's 24 hours
    check(bool(raw.loc[separators, day_cols].isna().all(axis=None)), path, "waits without an hour")
    raw = raw[~separators]
    with reading(path):
        raw = raw.assign(
            crossing=raw["Port"].str.replace(r"^El Paso - ", "", regex=True),
            month=pd.to_datetime(raw["Month"], format="%B").dt.month,
            hour=raw["Time"].map(parse_hour),
        )
    long = raw.melt(
        id_vars=["crossing", "Lane", "Sub-Lane", "month", "hour"],
        value_vars=day_cols,
        var_name="day",
        value_name="wait_min",
    )
    long["weekday"] = long["day"].map({c: i for i, c in enumerate(day_cols)})
    long["wait_min"] = pd.to_numeric(long["wait_min"], errors="coerce").astype(float)
    long["is_open"] = long["wait_min"].notna()
    long["port_code"] = long["crossing"].map(WAIT_PORT_CODES)
    check(long["port_code"].notna().all(), path, "unknown crossing names in column 'Port'")
    long = long.rename(columns={"Lane": "lane", "Sub-Lane": "sub_lane"})
    order = ["crossing", "lane", "sub_lane", "month", "weekday", "hour"]
    return long[list(WAIT_PROFILE.columns)].sort_values(order).reset_index(drop=True)


def build_waits(paths: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """Build ``cbp_wait_profile``."""
    return {WAIT_PROFILE.name: read_wait_times(paths[WAITS])}


BRIDGES_SOURCE = Source(
    id="cbp_tx_mx_crossings_unt",
    title="CBP northbound crossings per Texas-Mexico bridge, 2008-2025",
    publisher="U.S. CBP field offices, compiled by UNT CLSCM for TxDOT",
    licence="U.S. government data; compilation without a licence file (attribute UNT CLSCM)",
    homepage="https://github.com/unt-clscm/CBP-Border-Crossings",
    files=(
        SourceFile(
            MONTHLY,
            url=UNT_RAW + "03-Processed-Data/csv/monthly_crossings_2008_2025.csv",
            sha256="06446f8cb30c34441a14814d11af5b1e0653a157399bfa60b3ee4be96ebf411c",
        ),
        SourceFile(
            COORDS,
            url=UNT_RAW + "01-Raw-Data/TX-MX-Border-Crossings-Coordinates.csv",
            sha256="fe9090c978d1e653e1439beb50ced337b3d319695ca118e07e7b460f6c310c14",
        ),
    ),
    tables=(BRIDGE_MONTH, BRIDGES),
    build=build_bridges,
    caveats=(
        "Bridge-level monthly northbound counts by mode for the 33 Texas crossings; no New "
        "Mexico, Arizona or California bridges, no waits. Known gaps are listed in the "
        "compilers' Raw-Data-Gaps-and-Anomalies.md."
    ),
)

WAITS_SOURCE = Source(
    id="cbp_bwt_elpaso",
    title="CBP historical border wait times, El Paso crossings",
    publisher="U.S. CBP Border Wait Times (bwt.cbp.gov/historical), scraped by R. Palacios",
    licence="U.S. government data; scrape without a licence file",
    homepage="https://bwt.cbp.gov/historical",
    files=(
        SourceFile(
            WAITS,
            url=(
                "https://raw.githubusercontent.com/Raulpal/Border-WaitTime-Web-Scrapping/"
                "caf752a9248d8d0633aa63529e35d3967323b178/Border/elpaso_border_wait_times.xlsx"
            ),
            sha256="9ba4cd52ce3a0eeb1a59cc874edb756fc233bc92a18c867458142adae4cfcf3e",
            download_as="elpaso_border_wait_times.xlsx",
            url_is_pinned=False,
        ),
    ),
    tables=(WAIT_PROFILE,),
    build=build_waits,
    caveats=(
        "Average waits by month x hour x weekday for El Paso's four crossings; commercial lanes "
        "only at BOTA and Ysleta. The averaging window (years) is not recorded. No other port "
        "has historical waits here: their waits must be modelled from volumes."
    ),
)

__all__ = ["BRIDGES_SOURCE", "WAITS_SOURCE"]
