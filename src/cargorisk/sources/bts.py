"""BTS Border Crossing Entry Data: northbound crossings per US-Mexico port, month and measure."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from cargorisk.sources._read import check, read_csv, reading
from cargorisk.sources.base import Source, SourceFile, Table

FILE = "bts_border_crossing_entry_us_mexico.csv"
BORDER = "US-Mexico Border"
RAW_COLUMNS = ("Port Name", "State", "Port Code", "Date", "Measure", "Value", "Latitude", "Longitude")

PORT_MONTH = Table(
    "bts_port_month",
    {
        "port_code": "BTS/CBP four-digit port of entry code (text, e.g. '2304' Laredo)",
        "port_name": "port of entry name as BTS spells it",
        "state": "US state of the port",
        "month": "first day of the month counted (datetime64)",
        "measure": "BTS measure, e.g. 'Trucks', 'Truck Containers Loaded', 'Personal Vehicles'",
        "value": "northbound inbound crossings in the month [count]",
        "lat": "latitude of the port [degrees WGS84]",
        "lon": "longitude of the port [degrees WGS84]",
    },
    period="month",
)
PORTS = Table(
    "bts_ports",
    {
        "port_code": "BTS/CBP four-digit port of entry code (text)",
        "port_name": "port of entry name",
        "state": "US state of the port",
        "lat": "latitude of the port point [degrees WGS84] (BTS, 3 decimals)",
        "lon": "longitude of the port point [degrees WGS84] (BTS, 3 decimals)",
        "first_month": "first month with any record (datetime64)",
        "last_month": "last month with any record (datetime64)",
        "trucks_last_12m": "northbound trucks in the last 12 months of the data [trucks]",
        "commercial": "True if the port recorded trucks in the last 12 months",
    },
)


def read_border_crossings(path: Path) -> pd.DataFrame:
    """Read a BTS Border Crossing Entry file into the ``bts_port_month`` schema.

    Accepts both the official full download (both borders, with a ``Point`` column) and the
    US-Mexico subset; rows of other borders are dropped.

    Parameters
    ----------
    path
        CSV file in BTS's published schema.

    Returns
    -------
    pandas.DataFrame
        One row per port, month and measure, plus the port's coordinates (``lat``, ``lon``).
    """
    raw = read_csv(path, RAW_COLUMNS, dtype={"Port Code": str})
    if "Border" in raw.columns:
        raw = raw[raw["Border"] == BORDER]
    check(not raw.empty, path, f"no rows with Border == {BORDER!r}")
    with reading(path):
        month = pd.to_datetime(raw["Date"], format="%b %Y")
        value = pd.to_numeric(raw["Value"]).astype("int64")
    return pd.DataFrame(
        {
            "port_code": raw["Port Code"].str.zfill(4),
            "port_name": raw["Port Name"],
            "state": raw["State"],
            "month": month,
            "measure": raw["Measure"],
            "value": value,
            "lat": raw["Latitude"].astype(float),
            "lon": raw["Longitude"].astype(float),
        }
    ).reset_index(drop=True)


def summarise_ports(crossings: pd.DataFrame) -> pd.DataFrame:
    """One row per port: name, coordinates, period covered and recent truck volume."""
    by_port = crossings.groupby("port_code")
    ports = by_port.agg(
        port_name=("port_name", "first"),
        state=("state", "first"),
        lat=("lat", "first"),
        lon=("lon", "first"),
        first_month=("month", "min"),
        last_month=("month", "max"),
    )
    cutoff = crossings["month"].max() - pd.DateOffset(months=11)
    recent = crossings[(crossings["measure"] == "Trucks") & (crossings["month"] >= cutoff)]
    trucks = recent.groupby("port_code")["value"].sum()
    ports["trucks_last_12m"] = trucks.reindex(ports.index, fill_value=0).astype("int64")
    ports["commercial"] = ports["trucks_last_12m"] > 0
    return ports.reset_index()


def build(paths: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """Build ``bts_port_month`` and ``bts_ports``."""
    crossings = read_border_crossings(paths[FILE])
    return {
        PORT_MONTH.name: crossings,
        PORTS.name: summarise_ports(crossings),
    }


SOURCE = Source(
    id="bts_border_crossing_entry",
    title="Border Crossing Entry Data (US-Mexico ports)",
    publisher="U.S. Bureau of Transportation Statistics, from CBP counts",
    licence="U.S. federal government work, public domain",
    homepage="https://data.bts.gov/Research-and-Statistics/Border-Crossing-Entry-Data/keg4-3bc2",
    files=(
        SourceFile(
            FILE,
            url="https://data.bts.gov/api/views/keg4-3bc2/rows.csv?accessType=DOWNLOAD",
            sha256="97105dea135216aaed39b36f93db6414fdbcbbd1c8ab0156451cf4fb013e3757",
            download_as="Border_Crossing_Entry_Data.csv",
            url_is_pinned=False,
        ),
    ),
    tables=(PORT_MONTH, PORTS),
    build=build,
    caveats=(
        "Monthly northbound inbound counts per port (trucks, loaded containers, ...). "
        "No southbound traffic, no waits, no bridge detail; Calexico and Calexico East share "
        "one coordinate."
    ),
)
