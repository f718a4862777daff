"""Driver hours: where a truck stops for breaks and rests, and so when it really arrives.

A route is driven as stretches in one country (Mexico, the crossing, the US). One clock follows
the driver across the border and the rules of the country being driven apply:

- **US** (FMCSA, 49 CFR 395.3, property-carrying drivers): at most 11 hours driving after 10
  consecutive hours off duty; no driving after the 14th hour since coming on duty; a 30-minute
  interruption of driving after 8 cumulative hours of driving (on-duty time that is not
  driving, such as waiting in the border queue, counts as that interruption).
- **Mexico** (NOM-087-SCT-2-2017, federal motor carriers): a 30-minute pause after at most 5
  hours of continuous driving; at most 14 hours of driving, then at least 8 hours of rest.
  Hours driven in Mexico count towards the US limits ("regardless of ... where the driving time
  or on-duty time was accrued", FMCSA guidance to 49 CFR 395.1).

A *team* (two drivers) keeps the truck moving: the resting driver rests in the sleeper berth,
so the truck only stops for a short driver change when a driver reaches his driving limit.

In the border line the driver is at the wheel in stop-and-go traffic, which counts as driving;
parked off duty in front of a closed crossing, he rests (a wait as long as a rest resets his
day). The schedule never shortens a wait and never drives through a required rest.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

HOUR = 3600.0


@dataclass(frozen=True)
class HoursRules:
    """Limits of one country's hours-of-service rules, in hours."""

    name: str
    drive_before_break: float  # cumulative driving after which an interruption is due
    break_length: float  # the interruption (minimum)
    max_drive: float  # driving between two rests
    window: float  # no driving after this many hours on duty since the last rest
    rest_length: float  # the rest that restarts the day


US_RULES = HoursRules("FMCSA 49 CFR 395.3", 8.0, 0.5, 11.0, 14.0, 10.0)
# NOM-087-SCT-2-2017, tiempos de conduccion y pausas (in force since 27 Aug 2018), as reported by
# La Jornada 2018-07-03: "una pausa de 30 minutos cuando haya manejado hasta cinco horas
# continuas"; freight: "el tiempo maximo de conduccion es de 14 horas, despues de las cuales el
# chofer tiene que hacer una pausa de al menos ocho horas seguidas"; TyT 2018: "el tiempo maximo
# de manejo en 24 horas nunca podra exceder las 14 horas" (no on-duty window: 24 h).
MX_RULES = HoursRules("NOM-087-SCT-2-2017", 5.0, 0.5, 14.0, 24.0, 8.0)
TEAM_SWAP_H = 0.25  # a team stops only to change drivers (fuel and paperwork included)
RULES = {"US": US_RULES, "MX": MX_RULES}


@dataclass(frozen=True)
class Stop:
    """A stop the driver must make: ``kind`` is 'break', 'rest' or 'driver change'; ``at_s`` is
    the driving time from the start of the route where it falls; ``start_s`` the elapsed time
    since departure when it begins; ``hours`` its length; ``rule`` the rule that requires it."""

    kind: str
    at_s: float
    start_s: float
    hours: float
    rule: str


@dataclass
class Clock:
    """The driver's hours as the truck moves (all in seconds)."""

    team: bool = False
    elapsed: float = 0.0  # since departure
    driven: float = 0.0  # driving time since the start of the route (positions of stops)
    since_break: float = 0.0  # driving since the last interruption of 30 min or more
    since_rest: float = 0.0  # driving since the last rest
    on_duty: float = 0.0  # time since the last rest (driving and on duty)
    stops: list[Stop] = field(default_factory=list)

    def copy(self) -> Clock:
        """An independent copy (its own list of stops)."""
        return dataclasses.replace(self, stops=list(self.stops))

    def drive(self, seconds: float, country: str) -> None:
        """Drive ``seconds`` under the rules of ``country``, stopping whenever they require."""
        rules = RULES.get(country, US_RULES)
        left = float(seconds)
        while left > 1e-6:
            room = self.room(rules)
            if room <= 1e-6:
                self.stop(rules)
                continue
            step = min(left, room)
            self.elapsed += step
            self.driven += step
            self.since_break += step
            self.since_rest += step
            self.on_duty += step
            left -= step

    def room(self, rules: HoursRules) -> float:
        """Driving allowed before the next required stop."""
        if self.team:
            return rules.max_drive * HOUR - self.since_rest
        return min(
            rules.drive_before_break * HOUR - self.since_break,
            rules.max_drive * HOUR - self.since_rest,
            rules.window * HOUR - self.on_duty,
        )

    def stop(self, rules: HoursRules) -> None:
        """Take the stop that is due: a rest when the day is used up, else a break."""
        if self.team:
            self.pause("driver change", TEAM_SWAP_H, rules.name)
            self.since_rest = self.since_break = 0.0
            return
        if self.since_rest >= rules.max_drive * HOUR - 1e-6 or self.on_duty >= rules.window * HOUR - 1e-6:
            self.pause("rest", rules.rest_length, rules.name)
            self.since_rest = self.since_break = self.on_duty = 0.0
        else:
            self.pause("break", rules.break_length, rules.name)
            self.on_duty += rules.break_length * HOUR
            self.since_break = 0.0

    def pause(self, kind: str, hours: float, rule: str) -> None:
        """Record a stop and let the time pass."""
        self.stops.append(Stop(kind, self.driven, self.elapsed, hours, rule))
        self.elapsed += hours * HOUR

    def queue(self, seconds: float, country: str) -> None:
        """Time in the border line: stop-and-go behind the wheel, which counts as driving
        ("waiting in stopped traffic ... is usually considered driving time", J.J. Keller on
        49 CFR 395), so a due break or rest is taken before the truck joins the line."""
        rules = RULES.get(country, US_RULES)
        if not self.team and self.room(rules) < seconds:
            self.stop(rules)
        self.elapsed += seconds
        self.since_break += seconds
        self.since_rest += seconds
        self.on_duty += seconds

    def park(self, seconds: float, country: str) -> None:
        """Parked, off duty, until a closed crossing opens: a rest when it is long enough,
        else an interruption that counts as the 30-minute break."""
        rules = RULES.get(country, US_RULES)
        self.elapsed += seconds
        if seconds >= rules.rest_length * HOUR:
            self.since_rest = self.since_break = self.on_duty = 0.0
        elif seconds >= rules.break_length * HOUR:
            self.since_break = 0.0
            self.on_duty += seconds

    @property
    def stopped_hours(self) -> float:
        """Hours spent in breaks, rests and driver changes so far."""
        return sum(s.hours for s in self.stops)
