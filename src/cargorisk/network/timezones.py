"""Local time at a place: the IANA time zone at a point (timezonefinder, offline).

Zone boundaries: timezonefinder-data (from timezone-boundary-builder, OpenStreetMap data,
ODbL 1.0). A departure without a UTC offset means the origin's local time, as in every trip
planner; the plan prints the zone it used.

Clock changes: a local time that does not exist (the hour skipped when clocks go forward,
e.g. 2026-03-08 02:30 in Texas) is refused with a one-line error; a local time that happens
twice (the hour repeated when clocks go back, e.g. 2026-11-01 01:30 in Tijuana) means its
**first** occurrence, still on summer time (``fold=0``, as :pep:`495` defines it). Times are
computed in UTC; these functions only turn local wall times into instants and back.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from cargorisk.errors import InputError


@functools.cache
def _finder() -> object:
    from timezonefinder import TimezoneFinder  # noqa: PLC0415  (its data loads in about a second)

    return TimezoneFinder()


@functools.lru_cache(maxsize=4096)
def zone_at(lon: float, lat: float) -> ZoneInfo:
    """The time zone at a point (UTC at sea or off every zone)."""
    name = _finder().timezone_at(lng=float(lon), lat=float(lat))  # type: ignore[attr-defined]
    return ZoneInfo(name or "UTC")


def zones_at(lons: Iterable[float], lats: Iterable[float]) -> tuple[np.ndarray, list[str]]:
    """The IANA zone of many points: a code per point (int16) and the zone names the codes
    index (computed once for a router's nodes, so planning never loads the zone boundaries)."""
    names = [zone_at(lon, lat).key for lon, lat in zip(lons, lats, strict=True)]
    codes, uniques = pd.factorize(pd.Series(names, dtype=object))
    return codes.astype(np.int16), [str(u) for u in uniques]


def localize(when: datetime, lon: float, lat: float) -> datetime:
    """``when`` as local time at the point when it has no offset (see :func:`local_time`);
    unchanged when it has one."""
    return when if when.tzinfo is not None else local_time(when, zone_at(lon, lat))


def local_time(when: datetime, zone: tzinfo) -> datetime:
    """The naive wall time ``when`` in ``zone``, as an aware datetime.

    Raises
    ------
    InputError
        The wall time does not exist in the zone (skipped when clocks go forward). A repeated
        wall time (clocks go back) is its first occurrence (``fold=0``).
    """
    aware = when.replace(tzinfo=zone, fold=0)
    check_exists(aware)
    return aware


def check_exists(when: datetime) -> datetime:
    """``when`` unchanged when its wall time exists in its zone; a one-line error when the
    clocks skip it (a fixed UTC offset always exists)."""
    if when.tzinfo is None:
        return when
    back = when.astimezone(UTC).astimezone(when.tzinfo)
    if back.replace(tzinfo=None, fold=0) != when.replace(tzinfo=None, fold=0):
        name = zone_key(when.tzinfo)
        after = when.astimezone(UTC).astimezone(when.tzinfo)
        msg = (
            f"local time {when:%Y-%m-%dT%H:%M} does not exist in the time zone {name} (the clocks "
            f"skip it); give a time outside the skipped hour, e.g. {after:%Y-%m-%dT%H:%M}, or a UTC offset"
        )
        raise InputError(msg)
    return when


def zone_key(zone: tzinfo | None) -> str:
    """The IANA name of a zone ('America/Chicago'), else its fixed offset ('UTC-06:00')."""
    key = getattr(zone, "key", None)
    if key:
        return str(key)
    if zone is None:
        return ""
    return zone.tzname(None) or str(zone)


def clock(when: datetime | None) -> str:
    """'Mon 09:43 CST': weekday, time and the zone's abbreviation ('-' without a time)."""
    return "-" if when is None else f"{when:%a %H:%M} {abbreviation(when)}"


def abbreviation(when: datetime) -> str:
    """The zone's abbreviation at ``when`` ('CST', 'CDT'; 'UTC-03' where the zone has none)."""
    name = when.tzname() or zone_key(when.tzinfo)
    return f"UTC{name}" if name[:1] in "+-" else name
