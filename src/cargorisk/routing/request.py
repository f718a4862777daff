"""A routing request checked the same way from every entry point (plan, lane books, HTTP):
objective, cargo value, cargo type and departure, in that order, each with a one-line error.

Departures: ISO 8601 text or a datetime. Without a UTC offset it is the origin's local time
(its IANA zone); a local time the clocks skip (e.g. 2026-03-08 02:30 in Texas) is refused, and
one they repeat (e.g. 2026-11-01 01:30 in Tijuana) is its first occurrence, still on summer
time (:mod:`cargorisk.network.timezones`). With an offset it is that instant, shown in the
origin's zone.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

import numpy as np

from cargorisk.errors import InputError
from cargorisk.network.timezones import check_exists, local_time
from cargorisk.risk.cargo import cargo_type as cargo_type_of
from cargorisk.routing.costs import OBJECTIVES, check_cargo_value


def check_request(
    zone: tzinfo, *, depart: object, cargo_value: object, objective: object, cargo_type: object
) -> tuple[datetime | None, float, str, str]:
    """(departure, cargo value, objective, cargo type) of a request from an origin in ``zone``,
    checked in one order: objective, value, type, departure (``cargo_value`` already defaulted)."""
    objective = check_objective(objective)
    cargo = check_cargo_value(cargo_value)
    kind = cargo_type_of(cargo_type)
    return read_departure(depart, zone), cargo, objective, kind


def check_objective(objective: object) -> str:
    """The objective named by ``objective`` (case and surrounding spaces ignored); an unknown one
    is a one-line error."""
    name = str(objective).strip().lower()
    if name not in OBJECTIVES:
        msg = f"objective {str(objective)!r} is not one of {', '.join(OBJECTIVES)}"
        raise InputError(msg)
    return name


def plain_time(value: object) -> object:
    """A departure given as a value, as its text would be read: a pandas or NumPy timestamp (a
    Parquet column) as a plain datetime, so that a local time the clocks skip is refused (a
    Timestamp's ``replace(tzinfo=)`` moves it silently), and a date as its midnight."""
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[us]").item()  # naive, as NumPy has no zones
    if hasattr(value, "to_pydatetime"):  # pandas (not imported here: start-up time)
        return value.to_pydatetime(warn=False)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time())
    return value


def read_departure(depart: datetime | str | None, zone: tzinfo | None = None) -> datetime | None:
    """A timezone-aware departure (see the module docstring) from an origin in ``zone``, or None.

    Raises
    ------
    InputError
        Unreadable text, a date outside 2000-2100, a local time the clocks skip, or no offset
        and no origin to take the zone from.
    """
    if depart is None:
        return None
    from cargorisk.border.waits import check_time, parse_time  # noqa: PLC0415  (start-up: scipy)

    when = parse_time(depart) if isinstance(depart, str) else plain_time(depart)
    if not isinstance(when, datetime):
        msg = f"departure {str(depart)!r} is not a time; use ISO 8601, e.g. 2026-03-02T06:00-06:00"
        raise InputError(msg)
    check_time(when)
    if when.tzinfo is None or when.utcoffset() is None:
        if zone is None:
            msg = f"departure {str(depart)!r} needs a time zone, e.g. 2026-03-02T06:00-06:00"
            raise InputError(msg)
        return local_time(when.replace(tzinfo=None), zone)
    check_exists(when)
    return when if zone is None else when.astimezone(zone)
