"""Live waits: a saved CBP Border Wait Times feed (JSON, as bwt.cbp.gov/api/bwtnew serves it),
read into one row per crossing: commercial standard and FAST-lane delays and the posted hours."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from cargorisk._io import check_readable
from cargorisk._text import normalise
from cargorisk.errors import InputError

LIVE_WINDOW = timedelta(hours=2)
US_ZONES = {"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7}
UPDATE = re.compile(r"(\d{1,2}):(\d{2})\s*([ap]m)\s*([A-Z]{3})", re.IGNORECASE)
MAX_FEED_BYTES = 20 * 2**20  # the whole CBP feed is about 0.5 MB
MAX_DELAY_MIN = 24 * 60  # a reading outside 0..24 h is not a wait
COLUMNS = [
    "port_code",
    "crossing_name",
    "observed_at",
    "delay_min",
    "fast_delay_min",
    "lanes_open",
    "status",
    "hours",
]


def read_live_waits(path: Path) -> pd.DataFrame:
    """Read a saved CBP Border Wait Times feed (JSON list of ports) into one row per crossing.

    Columns: ``port_code`` (first four digits of ``port_number``), ``crossing_name``,
    ``observed_at`` (UTC), ``delay_min`` (commercial standard lanes; NaN without a reading),
    ``fast_delay_min`` (commercial FAST lanes), ``lanes_open``, ``status``, ``hours`` (the posted
    hours, e.g. '7 am-Midnight'). Raises InputError for a file that is not such a feed.
    """
    check_readable(path, "waits file", MAX_FEED_BYTES)
    try:
        ports = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        msg = f"waits file {path} is not JSON ({exc.__class__.__name__}: {str(exc)[:80]})"
        raise InputError(msg) from None
    if not isinstance(ports, list) or not all(isinstance(p, dict) and "port_number" in p for p in ports):
        msg = f"waits file {path} is not a CBP Border Wait Times feed (a JSON list of ports with port_number)"
        raise InputError(msg)
    rows = [live_row(p, path) for p in ports if p.get("border", "Mexican Border") == "Mexican Border"]
    return pd.DataFrame(rows, columns=COLUMNS)


def live_row(port: dict, path: Path) -> dict:
    """One crossing's commercial standard-lane reading; a field of the wrong kind (a list where
    the feed has text, text where it has lanes) is no reading, never an error."""
    commercial = as_dict(port.get("commercial_vehicle_lanes"))
    lanes = as_dict(commercial.get("standard_lanes"))
    return {
        "port_code": as_text(port["port_number"])[:4],
        "crossing_name": as_text(port.get("crossing_name")),
        "observed_at": feed_time(as_text(port.get("date")), as_text(lanes.get("update_time")), path),
        "delay_min": delay_of(lanes),
        "fast_delay_min": delay_of(as_dict(commercial.get("FAST_lanes"))),
        "lanes_open": as_number(lanes.get("lanes_open")),
        "status": as_text(lanes.get("operational_status", port.get("port_status"))).lower(),
        "hours": as_text(port.get("hours")),
    }


def delay_of(lanes: dict) -> float:
    """A lane group's delay in minutes; NaN without a reading (-999 and the like)."""
    delay = as_number(lanes.get("delay_minutes"))
    return delay if 0 <= delay <= MAX_DELAY_MIN else float("nan")


def as_dict(value: object) -> dict:
    """A feed object, or an empty one for anything else."""
    return value if isinstance(value, dict) else {}


def as_text(value: object) -> str:
    """A feed field as text: strings and numbers; anything else (lists, objects, null) is ''."""
    if isinstance(value, str):
        return value.strip()
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else ""


def as_number(value: object) -> float:
    """A feed field as a number (the feed writes numbers as text); NaN when it is none."""
    try:
        return float(as_text(value) or "nan")
    except ValueError:
        return float("nan")


def feed_time(date: str, update: str, path: Path) -> datetime | None:
    """UTC time of a reading from the feed's 'MM/DD/YYYY' date and 'At 10:00 am CST' text."""
    match = UPDATE.search(str(update))
    if not date or not match:
        return None
    try:
        day = datetime.strptime(str(date).strip(), "%m/%d/%Y")
    except ValueError:
        msg = f"waits file {path}: date {date!r} is not MM/DD/YYYY"
        raise InputError(msg) from None
    hour = int(match.group(1)) % 12 + (12 if match.group(3).lower() == "pm" else 0)
    offset = US_ZONES.get(match.group(4).upper())
    if offset is None:
        return None
    try:
        local = day.replace(hour=hour, minute=int(match.group(2)), tzinfo=timezone(timedelta(hours=offset)))
        return local.astimezone(UTC)
    except (ValueError, OverflowError):
        msg = f"waits file {path}: {date} {update!r} is not a time of day"
        raise InputError(msg) from None


def rows_for(live: pd.DataFrame, crossing: str) -> pd.DataFrame:
    """The feed's rows for a crossing (names matched as words inside one another)."""
    key = normalise(crossing)
    return live[live["crossing_name"].map(lambda n: bool(n) and (normalise(n) in key or key in normalise(n)))]


def live_reading(live: pd.DataFrame | None, crossing: str, when: datetime) -> pd.Series | None:
    """The feed's reading for ``crossing`` if one was taken within two hours of ``when``."""
    if live is None or live.empty:
        return None
    hits = rows_for(live, crossing)
    hits = hits[hits["observed_at"].map(lambda t: t is not None and abs(t - when) <= LIVE_WINDOW)]
    return None if hits.empty else hits.iloc[0]


def feed_hours(live: pd.DataFrame, crossings: object) -> dict[str, str]:
    """The posted hours of each of ``crossings`` that the feed lists."""
    out = {}
    for crossing in crossings:  # type: ignore[attr-defined]
        texts = [t for t in rows_for(live, crossing)["hours"] if t]
        if texts:
            out[crossing] = texts[0]
    return out
