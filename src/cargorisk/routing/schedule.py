"""Driver hours: where a truck stops for breaks and rests, and so when it really arrives.

A route is driven as stretches in one country; the schedule follows each driver's hours
across the border and, while the truck is in a country, keeps that country's rules, counting
**all** of the driver's duty wherever it was done:

- **US** (FMCSA, 49 CFR 395.3, property-carrying drivers): no driving after 11 hours of
  driving or after the 14th hour on duty since the last 10 consecutive hours off duty; a
  30-minute interruption of driving after 8 hours of driving; no driving after 70 hours on duty
  in 8 days until 34 consecutive hours off (395.3(b), (c): carriers operating every day; the
  driver starts the trip rested, as after a 34-hour restart, and the schedule counts every
  on-duty hour since then, which is never less than the 8-day total). Duty done in Mexico
  counts: "Upon re-entering the United States, ... the driver is subject to all of the
  requirements of Part 395, including the 11- and 14-hour rules ... and the 60- or 70-hour rules
  applicable to the previous 7 or 8 consecutive days" (FMCSA regulatory guidance to 395.3,
  Question 5, 1997, for Canadian duty; J.J. Keller's reading for Mexico: "If such a driver took
  only 8 consecutive hours off duty in Mexico ... just before starting a trip into the U.S.,
  he/she would be required to take 10 consecutive hours off duty"). An 8-hour Mexican rest
  therefore does not reset the US clocks; only 10 hours off do.
- **Mexico** (NOM-087-SCT-2-2017, federal freight): a 30-minute pause (off duty) after at most
  5 hours of continuous driving; at most 14 hours of driving, then at least 8 hours of rest
  (La Jornada and TyT, 2018; the variant that spreads the pause over 5.5 hours is not used).
  Driving done in the US counts too (the stricter reading of "continuous driving").

A rest taken in Mexico lasts 8 hours, or 10 when the trip goes on into the US: pricing tries,
for each path, every choice of which of its last Mexican rests are 10 hours long and keeps the
earliest arrival (:mod:`~cargorisk.routing.pricing`). Before the truck joins the border line
(stop and go behind the wheel: driving, J.J. Keller on 49 CFR 395), the driver takes whatever
stop the line and the crossing need under the rules of the country on the far side; parked in
front of a closed crossing he is off duty, and that time counts towards the stop.

A **team** (two drivers, sleeper berth) keeps the truck moving: the driver at the wheel drives
until he would need a second break or a rest, the truck stops for his first break, and then the
drivers change (15 minutes on duty for both). The driver off the wheel is in the sleeper berth,
so his off time is the partner's whole shift, at least 10 hours when shifts are full: 10
consecutive hours in the berth, or berth and off-duty time together, are the 10 hours off of
49 CFR 395.1(g)(1)(i)(B)-(C); the split-berth provision (g)(1)(ii) is not used. In Mexico the
berth counts as rest (a "pausa": not driving, not working).

Every activity is recorded (:class:`Activity`: seconds after departure, the country, the driver
at the wheel), so a finished plan can be checked by :mod:`~cargorisk.routing.hos`, which does not
use this module.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

HOUR = 3600.0
EPS = 1e-6  # seconds: limits are met when within this

# the scheduler's limits (hos.py writes its own from the regulations)
US_DRIVE, US_WINDOW, US_BREAK_AFTER, US_RESET = 11 * HOUR, 14 * HOUR, 8 * HOUR, 10 * HOUR
US_CYCLE, US_RESTART = 70 * HOUR, 34 * HOUR
MX_CONTINUOUS, MX_DRIVE, MX_REST = 5 * HOUR, 14 * HOUR, 8 * HOUR
BREAK = 0.5 * HOUR
TEAM_SWAP = 0.25 * HOUR  # a team stops only to change drivers (fuel and paperwork included)

US_RULE, MX_RULE = "FMCSA 49 CFR 395.3", "NOM-087-SCT-2-2017"
RULES = {
    ("US", "break"): US_RULE,
    ("US", "rest"): US_RULE,
    ("US", "restart"): "FMCSA 49 CFR 395.3(c), 34-hour restart",
    ("MX", "break"): MX_RULE,
    ("MX", "rest"): MX_RULE,
}
LONG_MX_RULE = f"{MX_RULE}; 10 h so the US hours start again ({US_RULE})"
TEAM_RULE = "team: the other driver rests in the sleeper berth (49 CFR 395.1(g))"
SEVERITY = {"break": 0, "rest": 1, "restart": 2}
DRIVING = ("drive", "line")
# a solo driver's rest may be taken up to this much driving before it falls due, where the truck
# is safest parked (a dispatcher's planning reach, not a rule: resting early is always legal), and
# never so early that the driving left after it needs one more day (:data:`RestPlacer`)
REST_REACH = 2 * HOUR
PLACED_NOTE = "; placed here: the lowest parked theft risk within 2 h of driving before it was due"
# (earliest, due, a day's driving) -> where the rest goes, in driving seconds from the start
RestPlacer = Callable[[float, float, float], float]
STOPS = ("break", "rest", "restart", "driver change")  # the driver's own stops
RESTS = ("rest", "restart")
FRESH = -1e9  # off duty since long before the departure
MIN_SHIFT = 0.25 * HOUR  # a team changes drivers only when the other can drive at least this long


class Activity(NamedTuple):
    """One interval of a schedule, in seconds after departure.

    ``kind``: 'drive', 'line' (in the border line, at the wheel), 'closed' (parked off duty
    until the crossing opens), 'break', 'rest', 'restart' (34 hours off) or 'driver change';
    'customs' and 'inspection' (at the crossing, the driver on duty, not driving); in a transfer
    crossing also 'yard' (the trailer parked in a yard while it changes carrier: the drivers after
    it are others);
    ``at_s``: driving seconds from the start of the route where it begins (its position);
    ``country``: where the truck is ('MX' or 'US'); ``driver``: who is at the wheel for
    'drive' and 'line', and on duty for 'customs' and 'inspection' (1 or 2; 2 only in a team),
    else 0; ``rule``: the rule that requires a stop.
    (A named tuple: pricing makes thousands of them per plan.)
    """

    kind: str
    start_s: float
    end_s: float
    at_s: float
    country: str
    driver: int = 0
    rule: str = ""

    @property
    def hours(self) -> float:
        """Its length in hours."""
        return (self.end_s - self.start_s) / HOUR


@dataclass(slots=True)
class Driver:
    """One driver's hours (seconds): each counter counts driving or duty since the off-duty
    period that resets it; ``off_since`` is when his current off-duty run began (None while on
    duty), ``window_start`` when his 14-hour window began (None before his first duty after
    10 hours off)."""

    drive_us: float = 0.0  # driving since the last 10 h off
    since_break: float = 0.0  # driving since the last 30 min off
    continuous: float = 0.0  # driving since the last 30-min pause (NOM)
    drive_mx: float = 0.0  # driving since the last 8 h off (NOM)
    duty: float = 0.0  # on duty since the last 34 h off
    window_start: float | None = None
    off_since: float | None = FRESH

    def after_off(self, now: float) -> tuple[float, float, float, float, float, float | None]:
        """(drive_us, since_break, continuous, drive_mx, duty, window_start) if he went on
        duty at ``now``: his current off-duty run resets what it is long enough for."""
        drive_us, since_break, continuous = self.drive_us, self.since_break, self.continuous
        drive_mx, duty, start = self.drive_mx, self.duty, self.window_start
        if self.off_since is not None and now - self.off_since + EPS >= BREAK:
            off = now - self.off_since + EPS
            if off >= BREAK:
                since_break = continuous = 0.0
            if off >= MX_REST:
                drive_mx = 0.0
            if off >= US_RESET:
                drive_us, start = 0.0, None
            if off >= US_RESTART:
                duty = 0.0
        return drive_us, since_break, continuous, drive_mx, duty, start

    def limits(self, country: str, now: float) -> tuple[tuple[float, float, str], ...]:
        """(driving left, the limit, stop that restores it) for each limit of ``country``'s rules."""
        drive_us, since_break, continuous, drive_mx, duty, start = self.after_off(now)
        window = 0.0 if start is None else now - start
        if country == "MX":
            return (
                (MX_CONTINUOUS - continuous, MX_CONTINUOUS, "break"),
                (MX_DRIVE - drive_mx, MX_DRIVE, "rest"),
            )
        return (
            (US_BREAK_AFTER - since_break, US_BREAK_AFTER, "break"),
            (US_DRIVE - drive_us, US_DRIVE, "rest"),
            (US_WINDOW - window, US_WINDOW, "rest"),
            (US_CYCLE - duty, US_CYCLE, "restart"),
        )

    def room(self, country: str, now: float) -> float:
        """Driving allowed now under ``country``'s rules (:meth:`limits`, without building them:
        pricing asks this for every stretch)."""
        if self.off_since is None:  # on duty: the counters as they are
            if country == "MX":
                return min(MX_CONTINUOUS - self.continuous, MX_DRIVE - self.drive_mx)
            window = 0.0 if self.window_start is None else now - self.window_start
            return min(
                US_BREAK_AFTER - self.since_break,
                US_DRIVE - self.drive_us,
                US_WINDOW - window,
                US_CYCLE - self.duty,
            )
        drive_us, since_break, continuous, drive_mx, duty, start = self.after_off(now)
        if country == "MX":
            return min(MX_CONTINUOUS - continuous, MX_DRIVE - drive_mx)
        window = 0.0 if start is None else now - start
        return min(US_BREAK_AFTER - since_break, US_DRIVE - drive_us, US_WINDOW - window, US_CYCLE - duty)

    def needs(self, country: str, now: float, driving: float, span: float | None = None) -> str | None:
        """The stop needed before ``driving`` seconds in ``country`` that take ``span`` seconds
        of the 14-hour window (breaks included; default: ``driving``): the most severe of the
        limits it would break and a stop can restore enough, None when none is."""
        span = driving if span is None else span
        short = [
            kind
            for left, limit, kind in self.limits(country, now)
            if left < (span if limit == US_WINDOW else driving) - EPS <= limit
        ]
        return max(short, key=SEVERITY.__getitem__) if short else None

    def rest_left(self, country: str, now: float, working: float = 0.0) -> float:
        """Driving left before a rest (not a break) is due under ``country``'s rules, after
        ``working`` seconds on duty not driving (customs, an inspection): in the US they take
        their share of the 14-hour window, not of the 11 hours of driving (49 CFR 395.3(a)(2),
        (3)); in Mexico NOM-087 counts driving only."""
        drive_us, _, _, drive_mx, _, start = self.after_off(now)
        if country == "MX":
            return MX_DRIVE - drive_mx
        window = 0.0 if start is None else now - start
        return min(US_DRIVE - drive_us, US_WINDOW - window - working)

    def due(self, country: str, now: float) -> str:
        """The stop due when his driving under ``country``'s rules is used up (:meth:`needs`
        for no more driving, written out: pricing asks it at every stop)."""
        drive_us, _, _, drive_mx, duty, start = self.after_off(now)
        if country == "MX":
            return "rest" if MX_DRIVE - drive_mx < EPS else "break"
        if US_CYCLE - duty < EPS:
            return "restart"
        window = 0.0 if start is None else now - start
        return "rest" if US_DRIVE - drive_us < EPS or US_WINDOW - window < EPS else "break"

    def on_duty(self, now: float) -> None:
        """Start duty at ``now``: apply the current off-duty run; a new 14-hour window starts
        with the first duty after 10 hours off."""
        if self.off_since is None:
            return
        counters = self.after_off(now)
        self.drive_us, self.since_break, self.continuous, self.drive_mx, self.duty, start = counters
        self.window_start = now if start is None else start
        self.off_since = None

    def copy(self) -> Driver:
        """An independent copy."""
        return Driver(
            self.drive_us, self.since_break, self.continuous, self.drive_mx, self.duty, self.window_start,
            self.off_since,
        )  # fmt: skip

    def off_duty(self, now: float) -> None:
        """Go off duty at ``now`` (no change while already off)."""
        if self.off_since is None:
            self.off_since = now

    def work(self, seconds: float, *, driving: bool) -> None:
        """Count ``seconds`` of duty (driving or not); half an hour or more on duty not driving
        (customs, an inspection) is the US 30-minute interruption of driving (49 CFR
        395.3(a)(3)(ii) since 2020: on duty, off duty or in the berth), not NOM-087's pause."""
        self.duty += seconds
        if not driving and seconds + EPS >= BREAK:
            self.since_break = 0.0
        if driving:
            self.drive_us += seconds
            self.since_break += seconds
            self.continuous += seconds
            self.drive_mx += seconds


class Schedule:
    """The drivers' schedule along a route, built stretch by stretch (see the module docstring).

    Parameters
    ----------
    team
        Two drivers.
    long_from
        Rests taken under Mexican rules from this one on (0: the first) last 10 hours; None:
        all last 8.
    place
        Where a solo driver's rest goes (:data:`RestPlacer`): given the window of driving
        positions (seconds from the start of the route) within :data:`REST_REACH` before the
        rest falls due, the position to stop at; None: where the clock runs out.
    """

    __slots__ = (
        "activities", "driven", "drivers", "elapsed", "end_s", "long_from", "marks", "mx_rests", "place",
        "rest_now", "rested", "shift_breaks", "team", "wheel",
    )  # fmt: skip

    def __init__(
        self, *, team: bool = False, long_from: int | None = None, place: RestPlacer | None = None
    ) -> None:
        self.team, self.long_from, self.place = team, long_from, place
        self.rest_now = False  # a placed rest is taken before driving on (a choice resumed at its mark)
        self.elapsed = 0.0  # seconds since departure
        self.driven = 0.0  # driving seconds since the start of the route
        self.drivers = [Driver(), Driver()] if team else [Driver()]
        self.wheel = 0  # index of the driver at the wheel
        self.shift_breaks = 0  # breaks the truck stopped for in the current shift (team)
        self.mx_rests = 0  # rests taken under Mexican rules
        self.rested = 0.0  # seconds of rests and restarts
        self.marks: list[Schedule] | None = None  # copies before each Mexican rest, when kept
        self.end_s: float | None = None  # driving seconds from the start where the route ends, if known
        self.activities: list[Activity] = []

    def copy(self) -> Schedule:
        """An independent copy (without the marks of :func:`starts_at_border`)."""
        new = Schedule.__new__(Schedule)
        new.team, new.long_from, new.place = self.team, self.long_from, self.place
        new.rest_now = self.rest_now
        new.elapsed, new.driven = self.elapsed, self.driven
        new.drivers = [d.copy() for d in self.drivers]
        new.wheel, new.shift_breaks, new.mx_rests = self.wheel, self.shift_breaks, self.mx_rests
        new.rested, new.marks, new.end_s = self.rested, None, self.end_s
        new.activities = list(self.activities)
        return new

    def placed(self, place: RestPlacer | None) -> Schedule:
        """A copy whose rests from here on go where ``place`` says."""
        new = self.copy()
        new.place = place
        return new

    # ---- what the truck does ----

    def drive(self, seconds: float, country: str, kind: str = "drive") -> None:
        """Drive ``seconds`` in ``country`` (``kind`` 'line': in the border line), stopping
        whenever the rules require."""
        left = float(seconds)
        if self.rest_now:
            self.rest_now = False
            self.stop("rest", country, country, placed=True)
        while left > EPS:
            room = self.drivers[self.wheel].room(country, self.elapsed)
            if room <= EPS:
                self.relieve(country)
                continue
            step = min(left, room)
            early = self.early_rest(country, room) if step == room and kind == "drive" else None
            if early is not None:
                step = early - self.driven
                self.work(step, country, kind)
                left -= step
                self.stop("rest", country, country, placed=True)
                continue
            self.work(step, country, kind)
            left -= step

    def early_rest(self, country: str, room: float) -> float | None:
        """The position (driving seconds from the start) where a solo driver whose rest falls due
        after ``room`` more seconds stops instead, when :attr:`place` finds a safer one within
        :data:`REST_REACH`; None otherwise."""
        if self.place is None or self.team:
            return None
        if self.drivers[self.wheel].rest_left(country, self.elapsed) > room + EPS:
            return None  # a break falls due first
        due = self.driven + room
        at = self.place(max(self.driven, due - REST_REACH), due, US_DRIVE if country == "US" else MX_DRIVE)
        return at if self.driven + EPS < at < due - EPS else None

    def park(self, seconds: float, country: str) -> None:
        """Parked, everyone off duty, until a closed crossing opens."""
        if seconds > EPS:
            self.pause("closed", seconds, country, "")

    def prepare(
        self, line_s: float, line_country: str, cross_s: float, cross_country: str, port_s: float = 0.0
    ) -> bool:
        """Before joining the border line: the stop (or, in a team, the driver change) the line
        in ``line_country``, the crossing into ``cross_country`` and ``port_s`` seconds on duty at
        the port after it (customs, inspection) need, taken on this side. Returns whether the
        truck stopped (the wait is then looked up again)."""
        crossing = (line_s, line_country, cross_s, cross_country, port_s)
        for _ in range(2):  # a driver change, then maybe a stop
            need = self.shortfall(self.wheel, *crossing)
            if need is None:
                return False
            partner = 1 - self.wheel
            if self.team and self.shortfall(partner, *crossing) is None:
                self.change_drivers(line_country)
                continue
            far = self.drivers[self.wheel].needs(cross_country, self.elapsed, line_s + cross_s)
            self.stop(need, line_country, cross_country if far else line_country)
            return True
        return False

    # ---- bookkeeping ----

    def shortfall(
        self,
        index: int,
        line_s: float,
        line_country: str,
        cross_s: float,
        cross_country: str,
        port_s: float = 0.0,
    ) -> str | None:
        """The stop driver ``index`` needs before the line and the crossing, None if none (the
        breaks a line too long to drive without one will need, and the ``port_s`` on duty at the
        port after it, count towards the 14-hour window)."""
        driver, now = self.drivers[index], self.elapsed
        pauses = breaks_in_line(line_s, line_country)
        if driver.room(line_country, now) >= line_s + pauses and driver.room(cross_country, now) >= (
            line_s + pauses + cross_s + port_s
        ):
            return None  # most of the time: nothing (the check below builds every limit)
        needs = [
            driver.needs(line_country, now, line_s, line_s + pauses),
            driver.needs(cross_country, now, line_s + cross_s, line_s + pauses + cross_s + port_s),
        ]
        needs = [n for n in needs if n is not None]
        return max(needs, key=SEVERITY.__getitem__) if needs else None

    def rest_ahead(self, line_s: float, cross_s: float, country: str, port_s: float) -> bool:
        """Whether a solo driver off duty at the border (parked while it is closed) will need a
        rest before the end of the route (when :attr:`end_s` says) under ``country``'s rules
        after the line, the crossing and ``port_s`` at the port: taken now, the time parked
        counts towards it (Nogales -> Tucson with produce parked 8.7 h, then rested 10 h an hour
        after the port; 1.3 h more at the port do)."""
        driver = self.drivers[self.wheel]
        if self.end_s is None or self.team or driver.off_since is None:
            return False
        if self.elapsed - driver.off_since + EPS >= (US_RESET if country == "US" else MX_REST):
            return False  # parked as long as a rest already (after one, say): nothing to complete
        room = driver.rest_left(country, self.elapsed, port_s) - line_s
        return self.end_s - self.driven > room + EPS

    def relieve(self, country: str) -> None:
        """The driver at the wheel can drive no more: a stop, or in a team a driver change."""
        driver = self.drivers[self.wheel]
        need = driver.due(country, self.elapsed)
        if self.team and not (need == "break" and self.shift_breaks == 0):
            partner = self.drivers[1 - self.wheel]
            if partner.room(country, self.elapsed) > MIN_SHIFT:
                self.change_drivers(country)
                return
        self.stop(need, country, country)

    def stop(self, kind: str, where: str, rules: str, *, placed: bool = False) -> None:
        """Stop for a ``kind`` (break, rest, restart) of ``rules``'s country, at ``where``,
        counting the off-duty time the driver already has (e.g. parked at a closed crossing);
        ``placed``: before it falls due, at the safest place within reach."""
        kind, seconds, rule = self.stop_length(kind, rules)
        if kind == "rest" and rules == "MX":
            if self.marks is not None:
                mark = self.copy()
                mark.rest_now = placed
                self.marks.append(mark)
            self.mx_rests += 1
        if kind != "break" or self.shift_breaks == 0:
            self.shift_breaks = 1 if kind == "break" else 0
        self.pause(kind, seconds, where, rule + (PLACED_NOTE if placed else ""))

    def stop_length(self, kind: str, rules: str) -> tuple[str, float, str]:
        """The stop :meth:`stop` would make now: its kind (a US rest falling due may be the
        restart), its seconds (less the off-duty time the driver already has) and its rule."""
        if kind == "rest" and rules == "US" and self.restart_due():
            kind = "restart"
        rule = RULES[(rules, kind)] if (rules, kind) in RULES else RULES[("US", kind)]
        length = {"break": BREAK, "restart": US_RESTART}.get(kind, US_RESET)
        if kind == "rest" and rules == "MX":
            long = self.long_from is not None and self.mx_rests >= self.long_from
            length, rule = (US_RESET, LONG_MX_RULE) if long else (MX_REST, rule)
        off_since = self.drivers[self.wheel].off_since
        already = 0.0 if off_since is None else self.elapsed - off_since
        return kind, max(length - already, 0.0), rule

    def restart_due(self) -> bool:
        """Whether a 10-hour rest falling due should be the 34-hour restart: the 70 hours on
        duty of the driver at the wheel leave less than a day's driving (11 h) and less than the
        driving left of the route (when :attr:`end_s` says). The restart is then needed before
        the end anyway, and taken now it makes the rest needless (a rest, a few hours' driving and
        then the restart arrive about 10 h later)."""
        if self.end_s is None:
            return False
        cycle = US_CYCLE - self.drivers[self.wheel].duty
        return cycle < US_DRIVE and self.end_s - self.driven > cycle + EPS

    def pause(self, kind: str, seconds: float, country: str, rule: str) -> None:
        """Everyone off duty for ``seconds``."""
        for driver in self.drivers:
            driver.off_duty(self.elapsed)
        if kind in RESTS:
            self.rested += seconds
        self.record(kind, seconds, country, 0, rule)

    def change_drivers(self, country: str) -> None:
        """A driver change: both on duty, then the other driver has the wheel."""
        for driver in self.drivers:
            driver.on_duty(self.elapsed)
            driver.work(TEAM_SWAP, driving=False)
        self.record("driver change", TEAM_SWAP, country, 0, TEAM_RULE)
        self.drivers[self.wheel].off_duty(self.elapsed)
        self.wheel, self.shift_breaks = 1 - self.wheel, 0

    def work(self, seconds: float, country: str, kind: str) -> None:
        """The driver at the wheel drives ``seconds``; a team's other driver rests."""
        driver = self.drivers[self.wheel]
        driver.on_duty(self.elapsed)
        if self.team:
            self.drivers[1 - self.wheel].off_duty(self.elapsed)
        driver.work(seconds, driving=True)
        self.record(kind, seconds, country, self.wheel + 1, "")
        if kind == "drive":  # the border line does not move the truck along the route
            self.driven += seconds

    def record(self, kind: str, seconds: float, country: str, driver: int, rule: str) -> None:
        """Append an activity (joined to the last one when it continues it) and let time pass."""
        last = self.activities[-1] if self.activities else None
        start = self.elapsed
        self.elapsed += seconds
        same = last is not None and (last.kind, last.country, last.driver) == (kind, country, driver)
        if same and kind in DRIVING:
            self.activities[-1] = Activity(kind, last.start_s, self.elapsed, last.at_s, country, driver, rule)
            return
        self.activities.append(Activity(kind, start, self.elapsed, self.driven, country, driver, rule))

    # ---- summaries ----

    @property
    def stops(self) -> list[Activity]:
        """The driver's own stops: breaks, rests, restarts and driver changes."""
        return [a for a in self.activities if a.kind in STOPS]

    @property
    def rest_s(self) -> float:
        """Seconds of rests and restarts taken (parking at a closed crossing not included)."""
        return self.rested


def breaks_in_line(line_s: float, country: str) -> float:
    """Seconds of the breaks a rested driver takes in a line of ``line_s`` (it is longer than he
    may drive without one: 5 h in Mexico, 8 h in the US)."""
    limit = MX_CONTINUOUS if country == "MX" else US_BREAK_AFTER
    return BREAK * max(0, math.ceil(line_s / limit - 1e-9) - 1)


def starts_at_border(
    stretches: Sequence[tuple[float, str]], *, team: bool, into_us: bool, place: RestPlacer | None = None
) -> list[Schedule]:
    """The schedules after driving ``stretches`` (to the crossing, or the whole route without
    one): one, and for a solo driver whose trip goes on into the US (``into_us``) one more per
    choice of how many of his last rests under Mexican rules last 10 hours instead of 8 (a
    team's resting driver is off a whole shift, at least 10 hours, anyway)."""
    base = Schedule(team=team, place=place)
    if team or not into_us:
        return [drive_all(base, stretches)]
    base.marks = []  # the schedule as it was before each Mexican rest: the choices start there
    drive_all(base, stretches)
    choices = []
    for k in range(len(base.marks) - 1, -1, -1):
        choice = base.marks[k].copy()
        choice.long_from = k
        choices.append(drive_all(choice, stretches, choice.driven))
    base.marks = None
    return [base, *choices]


def finish(
    starts: Sequence[Schedule],
    wait_at: Callable[[float], tuple[float, float, object]],
    crossing: tuple[str, float, str] | None,
    stretches: Sequence[tuple[float, str]],
    port_work: Sequence[tuple[str, float, str]] = (),
) -> tuple[Schedule, float | None, list[tuple[float, float, object]]]:
    """The best way on from each of ``starts`` (copied, not changed): across the border
    (``crossing``: country of the line, seconds on the crossing edge, country it enters; see
    :func:`cross_border`), then ``port_work`` on the far side ((kind, seconds, rule): customs and
    inspection, the driver on duty) and along ``stretches``. Returns the schedule arriving first (then
    with the least rest), the seconds after departure it got to the crossing, and its waits."""
    best, bounds = None, [0.0] * len(starts)
    driving = sum(seconds for seconds, _ in stretches)  # after the crossing
    at_port = sum(seconds for _, seconds, _ in port_work)
    if len(starts) > 1:  # the most promising first; skip those that cannot arrive first
        looked_up: dict[float, tuple[float, float, object]] = {}
        wait_at = functools.partial(remembered, wait_at, looked_up)
        bounds, starts = zip(
            *sorted(
                ((earliest_arrival(s, wait_at, crossing, driving), s) for s in starts), key=lambda b: b[0]
            ),
            strict=True,
        )
    for bound, start in zip(bounds, starts, strict=True):
        if best is not None and bound > best[0][0] + 1:
            break
        schedule, port_s, waits = start.copy(), None, []
        schedule.end_s = schedule.driven + (crossing[1] if crossing else 0.0) + driving
        if crossing is not None:
            port_s = schedule.elapsed
            waits = cross_border(schedule, wait_at, *crossing, at_port)
            for kind, seconds, rule in port_work:
                port_duty(schedule, kind, seconds, crossing[2], rule)
        drive_all(schedule, stretches)
        key = (round(schedule.elapsed), schedule.rest_s)
        if best is None or key < best[0]:
            best = (key, schedule, port_s, waits)
    return best[1], best[2], best[3]


def joins_at(activities: Sequence[Activity], port_s: float | None) -> float | None:
    """Seconds after departure the truck joins the crossing it got to at ``port_s``: its first
    wait there (parked until it opens, or the line), after any stop it took on arriving; the
    time the wait it was given belongs to. ``port_s`` when it neither parked nor queued."""
    if port_s is None:
        return None
    waits = (a.start_s for a in activities if a.kind in ("closed", "line") and a.start_s >= port_s)
    return next(waits, port_s)


def remembered(
    wait_at: Callable[[float], tuple[float, float, object]], memo: dict, elapsed: float
) -> tuple[float, float, object]:
    """``wait_at(elapsed)``, looked up once per ``memo``."""
    if elapsed not in memo:
        memo[elapsed] = wait_at(elapsed)
    return memo[elapsed]


def earliest_arrival(
    start: Schedule,
    wait_at: Callable[[float], tuple[float, float, object]],
    crossing: tuple[str, float, str],
    driving: float,
) -> float:
    """A lower bound of the arrival from ``start`` across the border: the driving left, parked
    until the crossing opens, and the rests a solo driver cannot do without (each one gives at
    most a day's driving, 11 h in the US, 14 h in Mexico; the time parked counts towards the
    first; a team may need none), and the breaks: the stops a solo driver needs between the
    border and the end (a break or a rest every 8 hours of driving in the US, 5 in Mexico, the
    first after what is left of his driving since his last at the border) that are not rests.
    The line counts only when no stop is due before it (after a stop it is looked up again and
    may be shorter); in the US the first rest is due by the end of the 14-hour window, if that
    comes first. A driver who may not drive the crossing itself before a rest takes it on this
    side, and the crossing opens no earlier after it than for a truck getting there when it
    ends; later closures only add. Parked at a closed crossing, he may complete a rest there
    instead (:meth:`Schedule.rest_ahead`): the bound is the lesser of the two."""
    closed, line, _ = wait_at(start.elapsed)
    line_country, cross_s, country = crossing
    driver = start.drivers[start.wheel].copy()
    if closed > 0:
        driver.off_duty(start.elapsed)
    now = start.elapsed + closed
    before = 0.0 if driver.off_since is None else now - driver.off_since  # off duty, the closure included
    day, rest = (MX_DRIVE, MX_REST) if country == "MX" else (US_DRIVE, US_RESET)
    used = 0.0 if before + EPS >= rest else (driver.drive_mx if country == "MX" else driver.drive_us)
    clear = driver.room(line_country, now) >= line and driver.room(country, now) >= line + cross_s
    waits = now + cross_s + driving + (line if clear else 0.0)
    if start.team:
        return waits
    _, since_break, continuous, _, _, window_start = driver.after_off(now)
    left = max(0.0, day - used)  # driving before the first rest, in the US also within the 14 hours
    if country == "US" and window_start is not None:
        left = min(left, max(0.0, window_start + US_WINDOW - now))
    streak, most = (continuous, MX_CONTINUOUS) if country == "MX" else (since_break, US_BREAK_AFTER)
    off = least_off(cross_s + driving, left, day, rest, max(0.0, most - streak), most)
    bound = waits + max(0.0, off - before)  # the time off at the border counts towards the first stop
    # or, parked, he completes a rest there (:meth:`Schedule.rest_ahead`): fresh days after it
    fresh = least_off(cross_s + driving, day, day, rest, most, most)
    topped = now + max(0.0, rest - before) + cross_s + driving + fresh if closed > 0 else math.inf
    if left + EPS >= cross_s:
        return min(bound, topped)
    # he may not drive the crossing before a rest: he takes it on this side, and the crossing
    # may be closed when it ends (it opens no earlier for a later arrival); then fresh days
    rested = now + max(0.0, rest - before)
    return min(max(bound, rested + wait_at(rested)[0] + cross_s + driving + fresh), topped)


def least_off(
    driving: float, day_left: float, day: float, rest: float, break_left: float, most: float
) -> float:
    """Seconds off duty a solo driver cannot do without over ``driving`` seconds in one
    country: a rest (``rest`` long) each ``day`` of driving after the first ``day_left``, and
    the breaks that are not rests: every stop restores the ``most`` seconds of driving allowed
    between breaks, the first stretch has ``break_left`` of it."""
    rests = math.ceil(max(0.0, driving - day_left) / day - 1e-9)
    stops = math.ceil(max(0.0, driving - break_left) / most - 1e-9)
    return rests * rest + max(0, stops - rests) * BREAK


def drive_all(schedule: Schedule, stretches: Sequence[tuple[float, str]], skip: float = 0.0) -> Schedule:
    """``schedule`` after driving ``stretches`` of (seconds, country), the first ``skip``
    seconds of them already driven (returned for chaining)."""
    for seconds, country in stretches:
        left = seconds - skip
        skip = max(0.0, -left)
        if left > 0:
            schedule.drive(left, country)
    return schedule


@functools.lru_cache(maxsize=2**16)  # lanes from one origin rank the same crossings
def time_to_drive(seconds: float, country: str, *, team: bool = False) -> float:
    """Elapsed seconds to drive ``seconds`` in one country from a rested start (breaks and
    rests included): how search ranks the crossings by the hour the truck gets there."""
    schedule = Schedule(team=team)
    schedule.drive(seconds, country)
    return schedule.elapsed


def cross_border(
    schedule: Schedule,
    wait_at: Callable[[float], tuple[float, float, object]],
    line_country: str,
    cross_s: float,
    cross_country: str,
    port_s: float = 0.0,
) -> list[tuple[float, float, object]]:
    """Cross the border: look up the wait for the hour the truck gets there (``wait_at``:
    seconds after departure -> (seconds parked until the crossing opens, seconds in line,
    what the wait says)), park while it is closed (and, when a rest falls due before the end
    anyway, complete it there: :meth:`Schedule.rest_ahead`), take before the line the stop the
    line, the crossing and ``port_s`` at the port after it need (then look the wait up again
    for the later hour), queue and cross.

    Returns
    -------
    list
        The waits looked up, in order (the last one is the line the truck joins).
    """
    found = []
    for _ in range(3):  # the wait, and again after each stop at the port (a break, rest, restart)
        closed_s, line_s, info = wait_at(schedule.elapsed)
        found.append((closed_s, line_s, info))
        schedule.park(closed_s, line_country)
        if (
            closed_s > EPS
            and schedule.rest_ahead(line_s, cross_s, cross_country, port_s)
            and open_after_rest(schedule, wait_at, cross_country)
        ):
            schedule.stop("rest", line_country, cross_country)
            continue
        if not schedule.prepare(line_s, line_country, cross_s, cross_country, port_s):
            break
    schedule.drive(line_s, line_country, "line")
    schedule.drive(cross_s, cross_country)
    return found


def open_after_rest(
    schedule: Schedule, wait_at: Callable[[float], tuple[float, float, object]], rules: str
) -> bool:
    """Whether the crossing is open when a rest begun now, parked at it, would end. When it has
    closed again by then the truck crosses when it opens and rests after: completing the rest
    there parked it until the next opening (Monterrey -> Dallas on a Sunday: at World Trade
    Bridge at 07:01, open 10:00-14:00, the rest ended at 17:00 and the truck crossed on Monday
    at 07:00, 37 h door to door)."""
    _, seconds, _ = schedule.stop_length("rest", rules)
    return wait_at(schedule.elapsed + seconds)[0] <= EPS


# ---- the transfer crossing (:mod:`~cargorisk.routing.transfer`) ----


@dataclass(frozen=True)
class Handover:
    """A yard dwell where the trailer changes carrier: seconds, and the text shown as its rule."""

    seconds: float
    rule: str


def hand_over(schedule: Schedule, stay: Handover, country: str, *, team: bool) -> None:
    """The trailer waits in a yard in ``country`` (everyone off duty); the next leg is driven by
    other drivers, rested (a team when ``team``)."""
    schedule.pause("yard", stay.seconds, country, stay.rule)
    schedule.drivers = [Driver(), Driver()] if team else [Driver()]
    schedule.team, schedule.wheel, schedule.shift_breaks = team, 0, 0


def port_duty(schedule: Schedule, kind: str, seconds: float, country: str, rule: str) -> None:
    """The driver at the wheel on duty, not driving, for ``seconds`` (customs, inspection)."""
    if seconds <= EPS:
        return
    driver = schedule.drivers[schedule.wheel]
    driver.on_duty(schedule.elapsed)
    driver.work(seconds, driving=False)
    schedule.record(kind, seconds, country, schedule.wheel + 1, rule)  # a team's other stays in the berth


def finish_transfer(
    start: Schedule,
    wait_at: Callable[[float], tuple[float, float, object]],
    crossing: tuple[str, float, str],
    stretches: Sequence[tuple[float, str]],
    *,
    team: bool,
    yards: tuple[Handover, Handover],
    port_work: Sequence[tuple[str, float, str]],
) -> tuple[Schedule, float, list[tuple[float, float, object]]]:
    """From ``start`` (copied; the first carrier at the yard on its side): the yard dwell, the
    transfer driver's leg (the wait, the line and the bridge, then ``port_work``: (kind,
    seconds, rule) on duty on the far side), the far yard and the second carrier's drivers
    along ``stretches``. Returns the schedule, the seconds after departure the transfer got to
    the crossing, and its waits (as :func:`finish`)."""
    schedule = start.copy()
    line_country, _, enters = crossing
    hand_over(schedule, yards[0], line_country, team=False)
    port_s = schedule.elapsed
    waits = cross_border(schedule, wait_at, *crossing)
    for kind, seconds, rule in port_work:
        port_duty(schedule, kind, seconds, enters, rule)
    hand_over(schedule, yards[1], enters, team=team)
    drive_all(schedule, stretches)
    return schedule, port_s, waits
