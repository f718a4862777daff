"""Local time at a place: the IANA time zone at a point (timezonefinder, offline).

Zone boundaries: timezonefinder-data (from timezone-boundary-builder, OpenStreetMap data,
ODbL 1.0). A departure without a UTC offset means the origin's local time, as in every trip
planner; the plan prints the zone it used.
"""

from __future__ import annotations

import functools
from datetime import datetime
from zoneinfo import ZoneInfo


@functools.cache
def _finder() -> object:
    from timezonefinder import TimezoneFinder  # noqa: PLC0415

    return TimezoneFinder()


def zone_at(lon: float, lat: float) -> ZoneInfo:
    """The time zone at a point (UTC at sea or off every zone)."""
    name = _finder().timezone_at(lng=float(lon), lat=float(lat))  # type: ignore[attr-defined]
    return ZoneInfo(name or "UTC")


def localize(when: datetime, lon: float, lat: float) -> datetime:
    """``when`` as local time at the point when it has no offset; unchanged when it has one."""
    return when if when.tzinfo is not None else when.replace(tzinfo=zone_at(lon, lat))
