"""An independent check of a finished plan's driver hours: 49 CFR 395.3 in the US, NOM-087 in Mexico.

It reads only what a plan says (its schedule: every activity with its start and end, the
country the truck is in and who is at the wheel; and its road runs: how long the driving takes
in each country) and shares no code with the scheduler (:mod:`~cargorisk.routing.schedule`):
the limits are written out again here from the rules, and each one is checked by looking back
from the end of every stretch of driving, where the scheduler counts forward.

Each driver's log is built from the schedule: at the wheel he is *driving*; in a driver change,
and at customs and the inspection at the port when he is the driver on duty there, *on duty, not
driving*; in every stop, parked at a closed crossing, or in the sleeper berth
while the other driver of a team drives, *off duty*. Then, at the end of each stretch he drives:

In the US (49 CFR 395.3(a)-(c), property-carrying; every hour of duty counts, wherever it was
done, FMCSA guidance to 395.3, Question 5):

- driving since the end of the last 10 consecutive hours off duty (off duty and sleeper berth
  together, 395.1(g)(1)(i)(C)) is at most 11 hours;
- it is no later than 14 hours after his first duty after those 10 hours;
- driving since the last 30 consecutive minutes without driving is at most 8 hours;
- on-duty time in the 8 days before, since the last 34 consecutive hours off, is at most 70 hours.

In Mexico (NOM-087-SCT-2-2017, federal freight):

- driving since the last 30 consecutive minutes off duty is at most 5 hours;
- driving since the last 8 consecutive hours off duty is at most 14 hours.

Each driver starts the trip rested (at least 34 hours off before the departure). In a
transfer crossing the trailer changes carrier in a *yard* on each side of the border: the
drivers before a yard and after it are different people, so each leg between yards is
checked as its own logs, its drivers starting rested (customs and inspection at the port are
the transfer driver's duty, not driving). A plan whose
driving does not add up to its road runs, country by country, or whose activities leave gaps
or overlap, is reported too.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

H = 3600.0
TOL = 1.0  # seconds of rounding allowed
DAYS_8 = 8 * 24 * H

# 49 CFR 395.3 (property-carrying drivers): (a)(1) 10 consecutive hours off duty before driving,
# (a)(2) no driving after the 14th hour after coming on duty, (a)(3)(i) 11 hours of driving,
# (a)(3)(ii) a 30-minute interruption after 8 hours of driving, (b)(2) 70 hours on duty in 8
# days, (c) restarted by 34 consecutive hours off duty
US_OFF, US_WINDOW, US_DRIVING, US_INTERRUPTION, US_AFTER = 10 * H, 14 * H, 11 * H, 0.5 * H, 8 * H
US_ON_DUTY_8_DAYS, US_RESTART = 70 * H, 34 * H
# NOM-087-SCT-2-2017: a pause of 30 minutes after up to 5 hours of continuous driving; at most 14
# hours of driving, then a pause of at least 8 continuous hours
MX_PAUSE, MX_CONTINUOUS, MX_REST, MX_DRIVING = 0.5 * H, 5 * H, 8 * H, 14 * H

DRIVING, ON_DUTY, OFF_DUTY = "driving", "on duty", "off duty"
AT_THE_WHEEL = {"drive", "line"}
EVERYONE_OFF = {"break", "rest", "restart", "closed", "yard"}
ON_DUTY_NOT_DRIVING = {"driver change", "customs", "inspection"}
HANDOVER = "yard"  # the trailer changes carrier: other drivers from here on


@dataclass(frozen=True)
class Entry:
    """One interval of a driver's log (seconds after departure)."""

    status: str
    start: float
    end: float
    country: str


def check_schedule(
    activities: Sequence[object], legs: Sequence[tuple[float, str]], *, team: bool
) -> list[str]:
    """Everything wrong with a schedule, one line each (empty: consistent and legal).

    Parameters
    ----------
    activities
        The plan's activities in order, each with ``kind``, ``start_s``, ``end_s``, ``country``
        and ``driver`` (1 or 2 at the wheel, else 0).
    legs
        (seconds, country) of the route's driving, in order; the crossing is driven in the
        country it enters.
    team
        Two drivers.
    """
    problems = consistency(activities, legs, team=team)
    if problems:
        return problems
    for leg in carrier_legs(activities):
        for driver in (1, 2) if team else (1,):
            problems += check_log(log_of(leg, driver), driver)
    return problems


def carrier_legs(activities: Sequence[object]) -> list[list[object]]:
    """The activities of each carrier's leg: split after every yard (the yard itself ends the
    leg before it; the next drivers are others)."""
    out: list[list[object]] = [[]]
    for a in activities:
        out[-1].append(a)
        if a.kind == HANDOVER:
            out.append([])
    return [leg for leg in out if leg]


def consistency(activities: Sequence[object], legs: Sequence[tuple[float, str]], *, team: bool) -> list[str]:
    """Gaps, overlaps, unknown kinds or drivers, and driving that differs from the legs."""
    problems = []
    clock = 0.0
    for a in activities:
        if a.kind not in AT_THE_WHEEL | EVERYONE_OFF | ON_DUTY_NOT_DRIVING:
            problems.append(f"unknown activity {a.kind!r}")
        if abs(a.start_s - clock) > TOL or a.end_s < a.start_s - TOL:
            problems.append(f"{a.kind} at {a.start_s / H:.2f} h leaves a gap or overlaps ({clock / H:.2f} h)")
        if a.kind in AT_THE_WHEEL and a.driver not in ((1, 2) if team else (1,)):
            problems.append(f"{a.kind} at {a.start_s / H:.2f} h has no driver at the wheel ({a.driver})")
        clock = a.end_s
    driven = merged((a.end_s - a.start_s, a.country) for a in activities if a.kind == "drive")
    planned = merged(legs)
    if [c for _, c in driven] != [c for _, c in planned] or any(
        abs(a - b) > TOL * len(planned) for (a, _), (b, _) in zip(driven, planned, strict=True)
    ):
        problems.append(f"the schedule drives {describe(driven)} where the route takes {describe(planned)}")
    problems += lines_at_the_border(activities, planned)
    return problems


def lines_at_the_border(activities: Sequence[object], planned: list[tuple[float, str]]) -> list[str]:
    """A border line can only be where the route changes country, on the side it leaves."""
    borders, at = {}, 0.0
    for (seconds, country), _ in itertools.pairwise(planned):
        at += seconds
        borders[at] = country
    problems, driven, tol = [], 0.0, TOL * len(planned)
    for a in activities:
        if a.kind == "line":
            side = next((c for pos, c in borders.items() if abs(pos - driven) <= tol), None)
            if side is None and driven <= tol and planned and planned[0][1] != a.country:
                side = a.country  # the route starts in the line: its origin is at the crossing
            if side != a.country:
                where = f"{driven / H:.2f} h driven"
                problems.append(
                    f"border line at {where} is not at the border, on the side left ({a.country})"
                )
        elif a.kind == "drive":
            driven += a.end_s - a.start_s
    return problems


def log_of(activities: Iterable[object], driver: int) -> list[Entry]:
    """One driver's log of duty status (see the module docstring)."""
    out = []
    for a in activities:
        if a.kind in AT_THE_WHEEL:
            status = DRIVING if a.driver == driver else OFF_DUTY  # the other rests in the berth
        elif a.kind in ON_DUTY_NOT_DRIVING:  # a driver's own (customs), or both (a driver change)
            status = ON_DUTY if a.driver in (0, driver) else OFF_DUTY
        else:
            status = OFF_DUTY
        out.append(Entry(status, a.start_s, a.end_s, a.country))
    return out


def check_log(log: list[Entry], driver: int) -> list[str]:
    """Violations in one driver's log, checked at the end of each stretch he drives."""
    problems = []
    for i, entry in enumerate(log):
        if entry.status != DRIVING or entry.end - entry.start <= 0:
            continue
        found = us_violations(log, i) if entry.country == "US" else mx_violations(log, i)
        problems += [f"driver {driver} at {entry.end / H:.2f} h in {entry.country}: {text}" for text in found]
    return problems


def us_violations(log: list[Entry], i: int) -> list[str]:
    """49 CFR 395.3 at the end of entry ``i``."""
    end = log[i].end
    out = []
    reset = last_break(log, i, {OFF_DUTY}, US_OFF)
    driven = driving_between(log, reset, i)
    if driven > US_DRIVING + TOL:
        out.append(f"{driven / H:.2f} h driving since 10 h off (395.3(a)(3)(i): 11 h)")
    first = next(e.start for e in log[: i + 1] if e.status != OFF_DUTY and e.start >= reset - TOL)
    if end - first > US_WINDOW + TOL:
        out.append(f"driving {(end - first) / H:.2f} h after coming on duty (395.3(a)(2): 14 h)")
    since_break = driving_between(log, last_break(log, i, {OFF_DUTY, ON_DUTY}, US_INTERRUPTION), i)
    if since_break > US_AFTER + TOL:
        out.append(f"{since_break / H:.2f} h driving without a 30-minute break (395.3(a)(3)(ii): 8 h)")
    restart = last_break(log, i, {OFF_DUTY}, US_RESTART)
    duty = on_duty_between(log, max(restart, end - DAYS_8), i)
    if duty > US_ON_DUTY_8_DAYS + TOL:
        out.append(f"{duty / H:.2f} h on duty in 8 days (395.3(b)(2): 70 h)")
    return out


def mx_violations(log: list[Entry], i: int) -> list[str]:
    """NOM-087-SCT-2-2017 at the end of entry ``i``."""
    out = []
    continuous = driving_between(log, last_break(log, i, {OFF_DUTY}, MX_PAUSE), i)
    if continuous > MX_CONTINUOUS + TOL:
        out.append(f"{continuous / H:.2f} h of continuous driving (NOM-087: a 30-minute pause after 5 h)")
    since_rest = driving_between(log, last_break(log, i, {OFF_DUTY}, MX_REST), i)
    if since_rest > MX_DRIVING + TOL:
        out.append(f"{since_rest / H:.2f} h of driving since 8 h of rest (NOM-087: 14 h)")
    return out


def last_break(log: list[Entry], i: int, statuses: set[str], length: float) -> float:
    """When the last run of consecutive entries in ``statuses`` before entry ``i`` lasting at
    least ``length`` ended; a run reaching back to the departure continues the rest before it
    (0.0 when every run is shorter)."""
    run_end, run = None, 0.0
    for entry in reversed(log[:i]):
        if entry.status in statuses:
            run_end = entry.end if run_end is None else run_end
            run += entry.end - entry.start
            continue
        if run_end is not None and run >= length - TOL:
            return run_end
        run_end, run = None, 0.0
    return 0.0 if run_end is None else run_end


def driving_between(log: list[Entry], since: float, i: int) -> float:
    """Driving from ``since`` to the end of entry ``i``."""
    return sum(overlap(e, since, log[i].end) for e in log[: i + 1] if e.status == DRIVING)


def on_duty_between(log: list[Entry], since: float, i: int) -> float:
    """Driving and other duty from ``since`` to the end of entry ``i``."""
    return sum(overlap(e, since, log[i].end) for e in log[: i + 1] if e.status != OFF_DUTY)


def overlap(entry: Entry, start: float, end: float) -> float:
    """Seconds of ``entry`` within [start, end]."""
    return max(0.0, min(entry.end, end) - max(entry.start, start))


def merged(legs: Iterable[tuple[float, str]]) -> list[tuple[float, str]]:
    """Consecutive legs in one country as one (zero-length legs dropped)."""
    out: list[tuple[float, str]] = []
    for seconds, country in legs:
        if seconds <= 0:
            continue
        if out and out[-1][1] == country:
            out[-1] = (out[-1][0] + seconds, country)
        else:
            out.append((seconds, country))
    return out


def describe(legs: list[tuple[float, str]]) -> str:
    """'3.20 h MX, 5.10 h US'."""
    return ", ".join(f"{s / H:.2f} h {c}" for s, c in legs) or "nothing"


# ---- plans ----


def route_legs(segments: Iterable[dict]) -> list[tuple[float, str]]:
    """(seconds, country) of a route's road runs; a run across the border ('MX-US') is driven
    in the country it enters (the run after it)."""
    runs = [(float(s["hours"]) * H, str(s["country"])) for s in segments]
    return [
        (seconds, country if country in {"MX", "US"} else next((c for _, c in runs[k + 1 :]), country))
        for k, (seconds, country) in enumerate(runs)
    ]


def check_route(route: object) -> list[str]:
    """Everything wrong with a planned route's hours (its ``schedule`` and ``segments``; the
    plan must have filled its details), and its arrival against its schedule."""
    runs = route.runs
    legs = route_legs({"hours": h, "country": c} for h, c in zip(runs["hours"], runs["country"], strict=True))
    problems = check_schedule(route.schedule, legs, team=route.team)
    end = route.schedule[-1].end_s if route.schedule else 0.0
    if abs(route.total_h * H - end) > TOL:
        problems.append(f"total {route.total_h:.3f} h but the schedule ends at {end / H:.3f} h")
    if route.depart is not None and abs(seconds_between(route.depart, route.arrival) - end) > TOL:
        problems.append(f"arrival {route.arrival.isoformat()} is not the departure plus {end / H:.3f} h")
    return problems


def check_route_dict(doc: dict) -> list[str]:
    """The same check on a route of a plan's JSON (``cargorisk route --json``): its
    ``schedule`` (UTC times, or hours after departure without a departure) and ``segments``."""
    first = doc["schedule"][0]["start"] if doc["schedule"] else None
    activities = [
        Logged(
            a["kind"],
            offset(a["start"], first, a["start_h"]),
            offset(a["end"], first, a["end_h"]),
            a["country"],
            a["driver"],
        )
        for a in doc["schedule"]
    ]
    return check_schedule(activities, route_legs(doc["segments"]), team=doc["team"])


@dataclass(frozen=True)
class Logged:
    """An activity read from a plan's JSON."""

    kind: str
    start_s: float
    end_s: float
    country: str
    driver: int


def offset(when: str | None, start: str | None, hours: float) -> float:
    """Seconds after the first activity of an ISO time (hours after departure without one)."""
    if when is None or start is None:
        return hours * H
    return seconds_between(datetime.fromisoformat(start), datetime.fromisoformat(when))


def seconds_between(a: datetime, b: datetime) -> float:
    """Seconds from ``a`` to ``b`` (two instants, whatever their zones)."""
    return b.timestamp() - a.timestamp()
