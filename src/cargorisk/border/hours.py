"""Commercial hours of each crossing, by direction, day type and holiday, each with its source.

Sources, in this order of precedence for a crossing, direction and day type:

1. CBP's historical commercial waits (El Paso: Ysleta, Bridge of the Americas): the hours whose
   cells are open in most months are the northbound hours CBP actually kept.
2. ``facts_port_hours`` (published_facts): the most recent row that states hours for the day
   type, the direction and the crossing (``source_date``; 'n.d.' is oldest). A row of CBP's Border
   Wait Times feed gives one string per crossing for all days and all vehicles: it is read as
   the weekday hours only, and not at all when it is '24 hrs/day', which is the whole
   crossing's (at Ysleta and Bridge of the Americas, where CBP's history shows the cargo lots'
   hours, the feed says '24 hrs/day' of lots open 18 and 8 hours on weekdays). Rows of a special
   day, a holiday, a test or of empty trucks only are not regular hours; their holiday
   statements become holiday rules.
3. A live CBP feed (``--waits``): its ``hours`` field replaces the weekday hours of the
   crossings it lists, read as in 2.
4. Defaults, flagged ``assumed``: weekdays 06:00-22:00, the most common posted commercial hours
   in CBP's feed (9 of its 25 Mexican-border crossings); Saturday and Sunday as most crossings
   whose hours for that day a source states: closed if most are, else their median opening
   to their median closing (:func:`weekend_defaults`; Saturday 08:00-16:00 and Sunday
   09:00-16:00 from the published facts; the feed's string, read for every day before,
   overstated the weekend at every crossing where it can be checked: :func:`weekend_holdout`).

Directions: ``northbound`` (CBP import), ``southbound`` (Mexican customs import) and
``mx_export`` (Mexican customs clearing northbound exports); a direction without a source takes
the northbound hours, flagged ``assumed``. The Mexican directions read the rows of the Mexican
side (SAT, ANAM, an aduana, or Mexican customs with CBP): a statement of import and export hours
gives ``southbound`` the import hours and ``mx_export`` the export hours; southbound, a US row
(a bridge's, CBP's) counts only for a day no Mexican-side row states. A truck going north clears
both customs: a day's ``northbound`` span (:meth:`PortHours.span`) is CBP's within the Mexican
export customs' wherever a source states those, on regular days and holidays alike
(:func:`both_open`, :func:`mexican_source`). Holidays: Dec 24/31, Dec 25, Jan 1, Holy Thursday,
Good Friday, Holy Saturday, Mexican official rest days (Ley Federal del Trabajo art. 74) and US
federal holidays, with the rules the sources state per crossing, each in the directions of the
side that states it (:func:`holiday_rules`): a rule from Mexican customs (e.g. Juárez closes on
Good Friday, opens 08:00-16:00 on Holy Thursday) limits the Mexican side, so a northbound truck
crosses when CBP's lot and the export customs are both open, never in hours only one of them
keeps.
Without a rule, crossings close on Dec 25 and Jan 1 (every crossing with a source does: Laredo,
Pharr, Eagle Pass, Juárez) and keep Sunday hours on US federal holidays (CBP Otay Mesa, 2008),
both flagged ``assumed``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, cached_property

import numpy as np
import pandas as pd
from dateutil.easter import easter

from cargorisk.border.names import contained, lookup, name_index, name_key

DAY_TYPES = ("weekday", "saturday", "sunday")
DIRECTIONS = ("northbound", "southbound", "mx_export")
DAY = 24 * 60
FEED = "CBP Border Wait Times"
DEFAULT_WEEKDAY = ((6 * 60, 22 * 60),)
DEFAULT_SOURCE = "default 06:00-22:00 (most common posted commercial hours in CBP's feed)"
OBSERVED_SOURCE = "CBP historical commercial waits (bwt.cbp.gov/historical): hours open in most months"


@dataclass(frozen=True)
class Span:
    """The open intervals of one day (minutes after local midnight, [open, close)), and why."""

    intervals: tuple[tuple[int, int], ...]
    source: str  # who said it and when ('CBP Border Wait Times feed, 2026-09-09')
    assumed: bool = False
    url: str = ""  # where (empty for defaults and observations)

    def is_open(self, minute: int) -> bool:
        """Whether the crossing is open at ``minute`` after midnight."""
        return self.closes_after(minute) is not None

    def closes_after(self, minute: float) -> int | None:
        """The minute after midnight the open interval holding ``minute`` ends; None when closed."""
        return next((b for a, b in self.intervals if a <= minute < b), None)

    def label(self) -> str:
        """'06:00-22:00', '24 h' or 'closed'."""
        if not self.intervals:
            return "closed"
        if self.intervals == ((0, DAY),):
            return "24 h"
        return ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in self.intervals)

    def as_doc(self) -> dict:
        """JSON form (the wait model file)."""
        return {
            "open": [list(i) for i in self.intervals],
            "source": self.source,
            "assumed": self.assumed,
            "url": self.url,
        }


CLOSED_DEFAULT = Span((), "default: closed Dec 25 and Jan 1 (as every crossing with a source)", assumed=True)
DEFAULT_SPAN = Span(DEFAULT_WEEKDAY, DEFAULT_SOURCE, assumed=True)

# ---- reading hours written as text ----

CLOCK = r"(?:\d{1,2}(?::\d{2})?\s*(?:am|pm)?|midnight|noon)"
RANGE = re.compile(rf"(?<![\d:])({CLOCK})\s*(?:-|\u2013|to)\s*({CLOCK})(?![\d:])", re.IGNORECASE)
UNTIL = re.compile(r"until\s+(\d{1,2}(?::\d{2})?)", re.IGNORECASE)
DATE = re.compile(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b")
NOTHING = re.compile(r"not sourced|not listed|not stated|not specified|not given", re.IGNORECASE)


def minute_of(text: str, *, end: bool) -> int:
    """Minutes after midnight of '6 am', '06:00', 'Midnight' (24:00 as an end), 'noon'."""
    text = text.strip().lower()
    if text in ("midnight", "noon"):
        return (DAY if end else 0) if text == "midnight" else 12 * 60
    match = re.match(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", text)
    hour, minute, half = int(match[1]), int(match[2] or 0), match[3]  # type: ignore[index]
    if half:
        hour = hour % 12 + (12 if half == "pm" else 0)
    return min(hour * 60 + minute, DAY)


def parse_hours(text: str) -> tuple[tuple[int, int], ...] | None:
    """Open intervals of hours written as text; () when closed, None when it says nothing.

    Reads the first clause (before ';'): '06:00-20:00', '6 am-Midnight', '24 hrs/day', '10:00-14:00
    & 18:00-20:00', 'closed to commercial'. Dates are not times ('2025-11-17')."""
    clause = re.sub(r"\([^)]*\)", " ", DATE.sub(" ", str(text).split(";")[0]))
    ranges = [(minute_of(a, end=False), minute_of(b, end=True)) for a, b in RANGE.findall(clause)]
    ranges = [(a, b if b > a else DAY) for a, b in ranges]
    if ranges:
        return tuple(ranges)
    if re.search(r"\b24\s*h", clause, re.IGNORECASE):
        return ((0, DAY),)
    if re.search(r"\bclosed\b", clause, re.IGNORECASE) and not NOTHING.search(clause):
        return ()
    return None


def part(text: str, word: str) -> str:
    """The 'Import ...' or 'Export ...' part of a Mexican customs statement (all of it if none)."""
    match = re.search(rf"{word}\s*([^;,]*)", text, re.IGNORECASE)
    return match[1] if match else text


def date_rank(text: str) -> tuple[int, int, int]:
    """Sortable date of a source ('2026-09-09', '2003-11', 'c.2014'; 'n.d.' is oldest)."""
    match = re.search(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", str(text))
    return (int(match[1]), int(match[2] or 0), int(match[3] or 0)) if match else (0, 0, 0)


# ---- which rows say what ----


def side_of(row: pd.Series) -> str:
    """'MX' for Mexican customs statements, 'US' for CBP or bridge statements, 'both' for joint."""
    return authority_side(row["authority"], row["direction"])


def authority_side(authority: str, direction: str = "") -> str:
    """:func:`side_of` an authority (and the row's direction text, which may name the side)."""
    mexican = bool(re.search(r"\b(SAT|ANAM|Mexican customs)\b", authority)) or "Mexican side" in direction
    us = "CBP" in authority or "bridge" in authority.lower() or "City" in authority
    return "both" if mexican and us else ("MX" if mexican else "US")


def directions_of(row: pd.Series) -> tuple[str, ...]:
    """The directions a row's hours apply to."""
    side, direction = side_of(row), row["direction"]
    if side == "MX":
        return ("southbound", "mx_export")
    if side == "both":
        return DIRECTIONS
    if direction.startswith("SB"):
        return ("southbound",)
    return ("northbound", "southbound") if "SB" in direction else ("northbound",)


def is_regular(row: pd.Series) -> bool:
    """Whether a row states regular hours (not a special day, holiday, test or empties only)."""
    status = f"{row['status']} {row['direction']}".lower()
    special = re.search(r"special|holiday|test|empties", status)
    return not special and not re.match(r"\s*(dec|holiday|\d{4}-)", row["weekday_hours"], re.IGNORECASE)


def row_text(row: pd.Series, day_type: str, direction: str) -> str:
    """The hours text of a row for a day type and direction."""
    text = row[f"{day_type}_hours"]
    if side_of(row) != "US" and re.search(r"import|export", text, re.IGNORECASE):
        text = part(text, "export" if direction == "mx_export" else "import")
    return text


def cite(row: pd.Series) -> dict[str, str]:
    """Who said it and when (``source``), and where (``url``), for the plan and `border ports`."""
    feed = FEED in row["source_url"]
    who = f"{FEED} feed" if feed else row["authority"]
    status = "" if feed else re.sub(r"\s*\(.*", "", row["status"])
    when = f"{row['source_date'] or 'n.d.'}" + (f", {status}" if status else "")
    return {"source": f"{who}, {when}", "url": "" if feed else row["source_url"]}


def matched_crossings(facts: pd.DataFrame, crossings: pd.DataFrame) -> list[frozenset[str]]:
    """The crossings each facts row is about: by its crossing name, else by its port."""
    index = name_index(crossings)
    out = []
    for row in facts.itertuples(index=False):
        hits = lookup(row.crossing, index) if row.crossing else frozenset()
        out.append(hits or lookup(re.sub(r"\s+[A-Z]{2}$", "", row.port), index))
    return out


# ---- building the table ----

HoursTable = dict[str, dict[str, dict[str, Span]]]  # crossing -> direction -> day type -> span


def build_port_hours(
    facts: pd.DataFrame | None, crossings: pd.DataFrame, observed_open: dict[str, pd.Series] | None = None
) -> HoursTable:
    """The hours table of every crossing in ``crossings`` (see the module docstring).

    ``observed_open``: per crossing with CBP history, a boolean Series indexed by (month,
    weekday, hour) (the wait profile's ``is_open``)."""
    facts = facts if facts is not None else pd.DataFrame(columns=["crossing", "port"])
    about = matched_crossings(facts, crossings) if len(facts) else []
    table: HoursTable = {}
    for crossing in crossings["crossing"]:
        rows = facts[[crossing in hits for hits in about]] if len(facts) else facts
        table[crossing] = regular_spans(rows)
        if observed_open and crossing in observed_open:
            table[crossing]["northbound"].update(observed_spans(observed_open[crossing]))
    weekend = weekend_defaults(stated_weekends(table))
    for spans in table.values():
        fill_defaults(spans, weekend)
    for crossing, day, direction, span in holiday_rules(facts, about, crossings):
        table[crossing][direction].setdefault(day, span)
    return table


def regular_spans(rows: pd.DataFrame) -> dict[str, dict[str, Span]]:
    """Weekday, Saturday and Sunday spans of one crossing per direction that its facts rows
    state (no defaults yet: :func:`fill_defaults`). Southbound, the Mexican import customs'
    hours: a row of the Mexican side (its authorities alone or with CBP's) first, then, where
    none states the day, a US row about southbound trucks (a bridge's, CBP's)."""
    newest = newest_first(rows[rows.apply(is_regular, axis=1)] if len(rows) else rows)
    mexican = newest[newest.apply(side_of, axis=1) != "US"] if len(newest) else newest
    out: dict[str, dict[str, Span]] = {d: {} for d in DIRECTIONS}
    for direction in DIRECTIONS:
        for day_type in DAY_TYPES:
            found = first_stated(mexican, direction, day_type) if direction == "southbound" else None
            found = found or first_stated(newest, direction, day_type)
            if found is not None:
                out[direction][day_type] = found
    return out


def newest_order(rows: pd.DataFrame) -> list[int]:
    """Positions of facts rows by source date, the most recent first ('n.d.' last)."""
    return sorted(range(len(rows)), key=lambda i: date_rank(rows.iloc[i]["source_date"]), reverse=True)


def newest_first(rows: pd.DataFrame) -> pd.DataFrame:
    """Facts rows by source date, the most recent first."""
    return rows.iloc[newest_order(rows)]


def first_stated(rows: pd.DataFrame, direction: str, day_type: str) -> Span | None:
    """The hours of the first row that states them for a direction and day type. The feed's
    one string is the whole crossing's posted hours: it is read as weekday hours only, and not
    when it is '24 hrs/day' (:func:`feed_states`)."""
    for _, row in rows.iterrows():
        feed = FEED in row["source_url"]
        if direction not in directions_of(row) or (day_type != "weekday" and feed):
            continue
        hours = parse_hours(row_text(row, day_type, direction))
        if hours is not None and (not feed or feed_states(hours)):
            return Span(hours, **cite(row))
    return None


def feed_states(hours: tuple[tuple[int, int], ...]) -> bool:
    """Whether the CBP feed's hours string says anything of a crossing's commercial hours: not
    when it is the whole day. The feed gives one string per crossing, cars and trucks alike;
    where CBP's commercial history shows the cargo lots' own hours (El Paso), the feed's
    '24 hrs/day' stood for 06:00-24:00 (Ysleta) and 06:00-14:00 (Bridge of the Americas) on
    weekdays and for a short Saturday or none, and no Sunday."""
    return hours != ((0, DAY),)


def stated_weekends(table: HoursTable) -> dict[str, dict[str, Span]]:
    """Per weekend day type, the northbound span of every crossing that a source of its own
    states (CBP's history included): what :func:`weekend_defaults` learns from."""
    out: dict[str, dict[str, Span]] = {"saturday": {}, "sunday": {}}
    for crossing, directions in table.items():
        for day_type, found in out.items():
            span = directions["northbound"].get(day_type)
            if span is not None and not span.assumed:
                found[crossing] = span
    return out


def weekend_defaults(stated: dict[str, dict[str, Span]], least: int = 3) -> dict[str, Span]:
    """The assumed Saturday and Sunday hours of a crossing no source states them for: closed
    when most crossings that have them are closed that day, else from the median opening to
    the median closing (whole hours) of those open; none from fewer than ``least`` crossings
    (then a weekend day takes the weekday hours). The feed's one string is not taken for the
    weekend: at every crossing where a source of its own states the weekend, the weekend is
    shorter than the feed's string (:func:`weekend_holdout`)."""
    out = {}
    for day_type, spans in stated.items():
        if len(spans) < least:
            continue
        open_ = [s.intervals for s in spans.values() if s.intervals]
        source = f"as the {len(spans)} crossings whose {day_type.capitalize()} hours are stated"
        single = [i[0] for i in open_ if len(i) == 1]  # split days have no one opening and closing
        if 2 * len(open_) < len(spans) or not single:
            out[day_type] = Span((), source + " (most closed)", assumed=True)
            continue
        start, end = (whole_hour(float(np.median(ends))) for ends in zip(*single, strict=True))
        out[day_type] = Span(
            ((start, end),) if start < end else (), source + " (median opening to closing)", True
        )
    return out


def whole_hour(minute: float) -> int:
    """A minute of the day to the nearest whole hour (half past up)."""
    return 60 * math.floor(minute / 60 + 0.5)


def weekend_span(kind: str, weekday: Span, weekend: dict[str, Span]) -> Span:
    """An unsourced Saturday or Sunday (``kind``) of a crossing open ``weekday`` on weekdays:
    the weekend default cut to those hours (:func:`weekend_defaults`, :func:`within_weekdays`),
    or the weekday hours without a default."""
    default = weekend.get(kind)
    if default is None:
        return Span(weekday.intervals, f"as weekdays: {weekday.source}", True, weekday.url)
    return within_weekdays(default, weekday)


def within_weekdays(weekend: Span, weekday: Span) -> Span:
    """A weekend default cut to the crossing's weekday hours: no crossing whose hours are stated
    is open longer on a Saturday or Sunday than on weekdays."""
    cut = overlap(weekend.intervals, weekday.intervals)
    return weekend if cut == weekend.intervals else Span(cut, weekend.source + ", within weekday hours", True)


def mexican_source(span: Span) -> bool:
    """Whether a span of the ``mx_export`` direction is stated by a source, not a default nor
    the northbound hours taken for it: that direction holds only statements of the Mexican side
    (SAT, ANAM, an aduana, or Mexican customs with CBP: :func:`directions_of`, :func:`rule_directions`)."""
    return not span.assumed


def both_open(cbp: Span, export: Span) -> Span:
    """The hours a northbound truck crosses: CBP's within the Mexican export customs' (it clears
    both; the source names both when the export customs cut CBP's hours, or close the day where
    CBP's hours are a default)."""
    cut = overlap(cbp.intervals, export.intervals)
    closed = not export.intervals  # closed whatever CBP's hours: not assumed
    if cut == cbp.intervals and not (cbp.assumed and closed):
        return cbp
    source = f"{cbp.source}; within Mexican export customs: {export.source}"
    return Span(cut, source, cbp.assumed and not closed, cbp.url or export.url)


def overlap(
    first: tuple[tuple[int, int], ...], second: tuple[tuple[int, int], ...]
) -> tuple[tuple[int, int], ...]:
    """The open intervals of both."""
    return tuple((max(a, c), min(b, d)) for a, b in first for c, d in second if max(a, c) < min(b, d))


def weekend_holdout(table: HoursTable) -> pd.DataFrame:
    """Leave-one-crossing-out check of the weekend default: for each crossing whose Saturday or
    Sunday hours a source states, the hours of that day (0-24) on which its stated open or
    closed state differs from :func:`weekend_span` with the other crossings' defaults, and from
    its weekday hours taken for the weekend (the rule before: the feed's one string, where the
    feed was a crossing's source, stood for every day)."""
    stated = stated_weekends(table)
    rows = []
    for day_type, spans in stated.items():
        for crossing, span in spans.items():
            others = {d: {c: s for c, s in found.items() if c != crossing} for d, found in stated.items()}
            weekday = table[crossing]["northbound"].get("weekday", DEFAULT_SPAN)
            guess = weekend_span(day_type, weekday, weekend_defaults(others))
            rows.append(
                {
                    "crossing": crossing,
                    "day": day_type,
                    "stated": span.label(),
                    "default": guess.label(),
                    "default_error_h": hours_apart(span, guess),
                    "weekday_error_h": hours_apart(span, weekday),
                }
            )
    return pd.DataFrame(rows)


def hours_apart(a: Span, b: Span) -> float:
    """Hours of a day on which one span is open and the other closed."""
    return sum(a.is_open(m) != b.is_open(m) for m in range(0, DAY, 15)) / 4


def fill_defaults(spans: dict[str, dict[str, Span]], weekend: dict[str, Span] | None = None) -> None:
    """Unsourced northbound days take the defaults (a weekend day :func:`weekend_span` of the
    ``weekend`` defaults); other directions the northbound hours."""
    north = spans["northbound"]
    north.setdefault("weekday", DEFAULT_SPAN)
    for day_type in ("saturday", "sunday"):
        north.setdefault(day_type, weekend_span(day_type, north["weekday"], weekend or {}))
    as_northbound(spans)


def as_northbound(spans: dict[str, dict[str, Span]]) -> None:
    """Every day of the other directions that no source states takes the northbound span
    (again after the northbound hours change: :meth:`PortHours.with_feed`)."""
    north = spans["northbound"]
    for direction in ("southbound", "mx_export"):
        for day_type in DAY_TYPES:
            found = spans[direction].get(day_type)
            if found is None or found.source.startswith("as northbound"):
                nb = north[day_type]
                spans[direction][day_type] = Span(nb.intervals, f"as northbound: {nb.source}", True, nb.url)


def observed_spans(is_open: pd.Series) -> dict[str, Span]:
    """Weekday, Saturday and Sunday hours from CBP's open cells (open in most months)."""
    share = is_open.groupby(level=["weekday", "hour"]).mean()
    out = {}
    for day_type, days in (("weekday", range(5)), ("saturday", [5]), ("sunday", [6])):
        hours = [h for h in range(24) if share.reindex([(d, h) for d in days]).fillna(0).mean() >= 0.5]
        intervals = ((hours[0] * 60, (hours[-1] + 1) * 60),) if hours else ()
        out[day_type] = Span(intervals, OBSERVED_SOURCE)
    return out


# ---- holiday rules ----

RULES: tuple[tuple[str, str], ...] = (
    (r"dec(ember)?\s*24", "dec24"),
    (r"dec(ember)?\s*(24\s*&\s*(dec\s*)?)?31", "dec31"),
    (r"dec(ember)?\s*25", "dec25"),
    (r"jan(uary)?\s*1\b", "jan1"),
    (r"good friday", "good_friday"),
    (r"holy thu", "holy_thursday"),
    (r"holy [^;]*sat", "holy_saturday"),
    (r"mexican holiday", "mx_holiday"),
    (r"us holiday", "us_holiday"),
)


def holiday_rules(
    facts: pd.DataFrame, about: list[frozenset[str]], crossings: pd.DataFrame
) -> list[tuple[str, str, str, Span]]:
    """(crossing, holiday, direction, span) from the holiday statements of the facts rows, newest
    first, in the directions of the side that states them (:func:`rule_directions`): a rule of
    the Mexican customs limits the Mexican side, and a northbound truck through CBP's hours cut
    to the export customs' (:meth:`PortHours.truck`), never opens CBP's. Southbound, the rules of
    the Mexican side come before a US row's (the Mexican import customs' hours)."""
    index = name_index(crossings)
    first, later = [], []
    for i in newest_order(facts):
        row = facts.iloc[i]
        for field in ("weekday_hours", "holiday_or_special", "notes"):
            named, side = about[i], side_of(row)
            for clause in holiday_clauses(str(row[field])):
                named = contained(name_key(clause), index) or named  # 'Juarez aduanas close ...'
                side = clause_side(clause) or side  # 'Mexican aduana Matamoros ...' in a CBP row
                for holiday, hours in clause_rules(clause):
                    for direction in rule_directions(side, row):
                        if READING[direction] not in hours:
                            continue
                        span = Span(hours[READING[direction]], **cite(row))
                        found = [(c, holiday, direction, span) for c in named]
                        (later if side == "US" and direction == "southbound" else first).extend(found)
    return first + later


# which customs' hours a direction reads in a statement giving import and export hours: a
# northbound truck clears the Mexican export customs, a southbound one the import customs
READING = {"northbound": "export", "southbound": "import", "mx_export": "export"}
MEXICAN_SIDE = re.compile(r"\b(?:aduanas?|mexican (?:side|customs|aduana))\b", re.IGNORECASE)
MEXICAN_AUTHORITY = re.compile(r"\b(?:SAT|ANAM)\b")  # case matters: 'Holy Thu & Sat'
CONTINUED = re.compile(r"\s*(?:import|export|empties)\b", re.IGNORECASE)


def clause_side(clause: str) -> str | None:
    """'MX' when a clause names the Mexican customs ('Juarez aduanas close ...', 'Mexican side
    closed ...', 'Mexican aduana Matamoros ...'), else None (the row's side)."""
    text = re.sub(r"https?://\S+", " ", clause)
    return "MX" if MEXICAN_SIDE.search(text) or MEXICAN_AUTHORITY.search(text) else None


def rule_directions(side: str, row: pd.Series) -> tuple[str, ...]:
    """The directions a holiday rule of a side governs: the Mexican customs' southbound (import)
    and export hours; a joint statement every direction; a US one the directions of its row."""
    if side == "MX":
        return ("southbound", "mx_export")
    if side == "both":
        return DIRECTIONS
    return tuple(d for d in directions_of(row) if d != "mx_export")


def holiday_clauses(text: str) -> list[str]:
    """The clauses of a statement (split at ';'), a clause that goes on with other hours of the
    same day joined to it ('Holiday 2020-02-03 only: import laden 09:00-14:00; export laden
    08:00-14:00; empties 07:00-15:00' is one clause)."""
    out: list[str] = []
    for clause in text.split(";"):
        if out and CONTINUED.match(clause) and not holiday_days(clause):
            out[-1] += "," + clause
        else:
            out.append(clause)
    return out


def holiday_days(clause: str) -> list[str]:
    """The holidays one clause speaks of (:data:`RULES`, or a date that is a Mexican holiday)."""
    text = clause.lower()
    days = [day for pattern, day in RULES if re.search(pattern, text)]
    dated = [date(int(y), int(m), int(d)) for y, m, d in DATE.findall(clause) if d]
    if not days and any(is_mexican_holiday(d) for d in dated):
        days = ["mx_holiday"]
    return days


def clause_rules(clause: str) -> list[tuple[str, dict[str, tuple[tuple[int, int], ...]]]]:
    """The holidays one clause speaks of and its hours on them, for the Mexican import and export
    customs ('Closed Dec 25 & Jan 1', 'Dec 24 & Dec 31 2024: 10:00-14:00', '2025-11-17 (Revolution
    Day): overtime only 08:00-16:00', 'Holiday 2020-02-03 only: import 09:00-14:00, export
    08:00-14:00'); a clause naming neither gives both the same hours, a side it does not name none."""
    days = holiday_days(clause)
    if not days:
        return []
    sides = {word: side_text(clause, word) for word in ("import", "export")}
    out = []
    for day in days:
        hours = {}
        for word, text in sides.items():
            found = side_hours(text)
            closed = re.search(r"\bclose", text, re.IGNORECASE) and not found
            if closed and day not in ("dec24", "dec31"):
                hours[word] = ()
            elif found:
                hours[word] = found
        if hours:
            out.append((day, hours))
    return out


def side_text(clause: str, word: str) -> str:
    """What a clause says of the Mexican import or export customs (``word``): its part for that
    customs, all of it when it names neither, nothing when it names only the other."""
    if not re.search(r"import|export", clause, re.IGNORECASE):
        return clause
    return part(clause, word) if re.search(word, clause, re.IGNORECASE) else ""


def side_hours(text: str) -> tuple[tuple[int, int], ...] | None:
    """Hours of a holiday statement: 'open until 14:00' from the usual 06:00, else as written."""
    until = UNTIL.search(text)
    return ((DEFAULT_WEEKDAY[0][0], minute_of(until[1], end=True)),) if until else parse_hours(text)


# ---- calendars ----


def nth_monday(year: int, month: int, n: int) -> date:
    """The n-th Monday of a month."""
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


@cache
def mexican_holidays(year: int) -> frozenset[date]:
    """Mexico's official rest days (Ley Federal del Trabajo, art. 74)."""
    days = {date(year, 1, 1), nth_monday(year, 2, 1), nth_monday(year, 3, 3), date(year, 5, 1)}
    days |= {date(year, 9, 16), nth_monday(year, 11, 3), date(year, 12, 25)}
    if (year - 2024) % 6 == 0:
        days.add(date(year, 10, 1))  # transmission of the federal executive power
    return frozenset(days)


@cache
def us_holidays(year: int) -> frozenset[date]:
    """US federal holidays (observed dates), from pandas' federal calendar."""
    from pandas.tseries.holiday import USFederalHolidayCalendar  # noqa: PLC0415  (slow import)

    found = USFederalHolidayCalendar().holidays(f"{year}-01-01", f"{year}-12-31")
    return frozenset(d.date() for d in found)


def is_mexican_holiday(day: date) -> bool:
    """Whether ``day`` is a Mexican official rest day."""
    return day in mexican_holidays(day.year)


def holidays_of(day: date) -> list[str]:
    """The holiday kinds ``day`` is, most specific first."""
    found = {(12, 24): "dec24", (12, 25): "dec25", (12, 31): "dec31", (1, 1): "jan1"}.get(
        (day.month, day.day)
    )
    kinds = [found] if found else []
    offset = (day - easter(day.year)).days
    kinds += {-3: ["holy_thursday"], -2: ["good_friday"], -1: ["holy_saturday"]}.get(offset, [])
    if is_mexican_holiday(day):
        kinds.append("mx_holiday")
    if day in us_holidays(day.year):
        kinds.append("us_holiday")
    return kinds


def day_type(day: date) -> str:
    """'weekday', 'saturday' or 'sunday'."""
    return {5: "saturday", 6: "sunday"}.get(day.weekday(), "weekday")


class PortHours:
    """The hours table with the calendar: which span applies to a crossing on a day."""

    def __init__(self, table: HoursTable) -> None:
        self.table = table
        self.memo: dict[tuple[str, date, str], Span] = {}

    def span(self, crossing: str, day: date, direction: str = "northbound") -> Span:
        """The span of ``crossing`` on a local date (a sourced holiday rule first, then the
        defaults for Dec 25, Jan 1 and US federal holidays, then the day type); northbound,
        CBP's within the Mexican export customs' of that day, holidays included (:meth:`truck`)."""
        key = (crossing, day, direction)
        if key not in self.memo:
            if len(self.memo) >= 100_000:  # keyed by date: keep the memory bounded
                self.memo.clear()
            own = self.day_span(crossing, day, direction)
            self.memo[key] = self.truck(own, lambda: self.day_span(crossing, day, "mx_export"), direction)
        return self.memo[key]

    def regular(self, crossing: str, kind: str, direction: str = "northbound") -> Span:
        """The span of ``crossing`` on a regular day of a kind ('weekday', 'saturday',
        'sunday'), as :meth:`span` gives it (heatmaps and the closure queue's rates)."""
        own = self.spans(crossing, direction)[kind]
        return self.truck(own, lambda: self.spans(crossing, "mx_export")[kind], direction)

    @staticmethod
    def truck(own: Span, export: Callable[[], Span], direction: str) -> Span:
        """The hours a truck crosses in ``direction``: a northbound truck clears the Mexican
        export customs too, so CBP's ``own`` hours are cut to ``export()``'s where a source of
        the Mexican side states those (:func:`both_open`; a row of both countries' authorities
        states the export customs' hours as well as CBP's). Southbound, the Mexican import
        customs' hours. Each authority's own stay in :meth:`spans` (`border ports --direction
        mx_export`)."""
        if direction != "northbound":
            return own
        found = export()
        return both_open(own, found) if mexican_source(found) else own

    def day_span(self, crossing: str, day: date, direction: str) -> Span:
        """One authority's span of a crossing on a date: a sourced holiday rule first, then the
        defaults for Dec 25, Jan 1 and US federal holidays, then the day type."""
        spans = self.spans(crossing, direction)
        kinds = holidays_of(day)
        dated = [
            k for k in kinds if k not in ("mx_holiday", "us_holiday")
        ]  # Dec 25 before 'Mexican holidays'
        for kind in dated:
            if kind in spans:
                return spans[kind]
        if {"dec25", "jan1"} & set(kinds):
            return CLOSED_DEFAULT
        for kind in kinds:
            if kind in spans:
                return spans[kind]
        if "us_holiday" in kinds and direction == "northbound":
            sunday = spans["sunday"]
            return Span(
                sunday.intervals, f"default: Sunday hours on US federal holidays ({sunday.source})", True
            )
        return spans[day_type(day)]

    @cached_property
    def weekend(self) -> dict[str, Span]:
        """The weekend defaults this table's stated weekends give (:func:`weekend_defaults`)."""
        return weekend_defaults(stated_weekends(self.table))

    def spans(self, crossing: str, direction: str = "northbound") -> dict[str, Span]:
        """Every span of a crossing and direction; for a crossing the table does not know, the
        defaults (:func:`fill_defaults`)."""
        found = self.table.get(crossing, {}).get(direction)
        if found is None:
            unknown: dict[str, dict[str, Span]] = {d: {} for d in DIRECTIONS}
            fill_defaults(unknown, self.weekend)
            return unknown[direction]
        return found

    def is_open(self, crossing: str, local: datetime, direction: str = "northbound") -> bool:
        """Whether a crossing is open at a local time."""
        return self.span(crossing, local.date(), direction).is_open(local.hour * 60 + local.minute)

    def with_feed(self, feed_hours: dict[str, str]) -> PortHours:
        """A copy whose weekday hours are those of a live CBP feed's ``hours`` field, per
        crossing, where it states them (not '24 hrs/day': :func:`feed_states`), with the
        assumed days that follow the weekdays made again (:func:`fill_defaults`)."""
        table = {c: {d: dict(s) for d, s in dirs.items()} for c, dirs in self.table.items()}
        for crossing, text in feed_hours.items():
            hours = parse_hours(text)
            if hours is None or not feed_states(hours) or crossing not in table:
                continue
            north = table[crossing]["northbound"]
            if OBSERVED_SOURCE in north["weekday"].source:
                continue  # CBP's commercial history beats the whole crossing's posted hours
            north["weekday"] = Span(hours, f"{FEED} feed (the --waits file): '{text}'")
            for kind in ("saturday", "sunday"):
                if north[kind].assumed:  # it followed the old weekdays: made again below
                    del north[kind]
            fill_defaults(table[crossing], self.weekend)
        return PortHours(table)

    def as_doc(self) -> dict:
        """JSON form (the wait model file)."""
        return {
            c: {d: {k: s.as_doc() for k, s in spans.items()} for d, spans in dirs.items()}
            for c, dirs in self.table.items()
        }

    @classmethod
    def from_doc(cls, doc: dict) -> PortHours:
        """Inverse of :meth:`as_doc`."""
        return cls(
            {
                c: {
                    d: {
                        k: Span(tuple(tuple(i) for i in s["open"]), s["source"], s["assumed"], s["url"])
                        for k, s in spans.items()
                    }
                    for d, spans in dirs.items()
                }
                for c, dirs in doc.items()
            }
        )
