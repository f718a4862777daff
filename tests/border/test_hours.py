"""Each crossing's commercial hours from the published facts, CBP's feed and CBP's history."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from cargorisk.border.hours import (
    PortHours,
    Span,
    authority_side,
    build_port_hours,
    clause_rules,
    holiday_clauses,
    holidays_of,
    parse_hours,
    weekend_defaults,
    weekend_holdout,
)
from cargorisk.border.waits import observed_profiles, open_spans
from cargorisk.config import Settings
from cargorisk.sources import load_table


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("06:00-20:00", ((360, 1200),)),
        ("6 am-Midnight", ((360, 1440),)),
        ("8 am-12 am", ((480, 1440),)),
        ("9 am-5 pm", ((540, 1020),)),
        ("24 hrs/day", ((0, 1440),)),
        ("Bridge II open 24 h (bridge operator statement)", ((0, 1440),)),
        ("10:00-14:00 & 18:00-20:00", ((600, 840), (1080, 1200))),
        ("08:00-16:00 (was 09:00-15:00)", ((480, 960),)),
        ("08:00-24:00 normal; 07:00-24:00 from 2017-05-23 (WTB storm)", ((480, 1440),)),
        ("closed to commercial", ()),
        ("NOT SOURCED", None),
        ("not listed", None),
        ("2025-11-17", None),
        ("Mexican customs closes around 17:00 (CBP officer quote)", None),
    ],
)
def test_parse_hours(text: str, hours: tuple | None) -> None:
    assert parse_hours(text) == hours


@pytest.fixture(scope="module")
def table(built: Settings, corridor: object) -> PortHours:
    from cargorisk.border import crossing_table  # noqa: PLC0415

    crossings = crossing_table(corridor, built.processed_dir)
    observed = observed_profiles(load_table("cbp_wait_profile", built.processed_dir), crossings)
    facts = load_table("facts_port_hours", built.processed_dir)
    return PortHours(build_port_hours(facts, crossings, open_spans(observed)))


def labels(hours: PortHours, crossing: str, direction: str = "northbound") -> list[str]:
    spans = hours.spans(crossing, direction)
    return [spans[k].label() for k in ("weekday", "saturday", "sunday")]


def test_regular_hours_follow_each_ports_sources(table: PortHours) -> None:
    assert labels(table, "World Trade Bridge") == ["07:00-24:00", "08:00-16:00", "10:00-14:00"]
    assert labels(table, "Colombia Solidarity Bridge")[0] == "08:00-24:00"
    assert labels(table, "Pharr International Bridge")[0] == "06:00-24:00"
    assert labels(table, "Otay Mesa Commercial") == ["06:00-22:00", "09:00-17:00", "08:00-16:00"]
    assert labels(table, "San Luis")[0] == "09:00-17:00"
    assert labels(table, "Camino Real International Bridge")[0] == "24 h"
    # CBP's own commercial history beats the feed's whole-crossing '24 hrs/day' in El Paso
    assert labels(table, "Ysleta Bridge") == ["06:00-24:00", "06:00-14:00", "closed"]
    assert labels(table, "Bridge of the Americas") == ["06:00-14:00", "closed", "closed"]
    wtb = table.spans("World Trade Bridge")
    assert wtb["weekday"].source == "CBP Border Wait Times feed, 2026-09-09"
    assert wtb["saturday"].source.startswith("CBP, 2017-07-28") and wtb["saturday"].url.startswith(
        "https://www.cbp.gov"
    )
    assert not any(s.assumed for s in wtb.values())


def test_the_feeds_one_string_is_weekday_hours_and_never_24_hours(table: PortHours, built: Settings) -> None:
    """CBP's feed gives one string per crossing, cars and trucks alike: read for weekdays only,
    and its '24 hrs/day' (Roma, Del Rio, Douglas...) not as cargo hours: where CBP's history shows
    the cargo lots' hours, the feed's '24 hrs/day' stood for lots open 18 and 8 hours."""
    facts = load_table("facts_port_hours", built.processed_dir)
    feed = facts[facts["source_url"].str.contains("Border Wait Times XML")]
    for port in ("Ysleta", "Bridge of the Americas (BOTA)"):  # the evidence, as the data has it
        assert (
            feed.loc[feed["crossing"].str.contains(port, regex=False), "weekday_hours"].item() == "24 hrs/day"
        )
    assert labels(table, "Ysleta Bridge")[0] == "06:00-24:00"
    for crossing in ("Roma-Ciudad Miguel Alemán International Bridge", "Raul Hector Castro (Douglas)"):
        spans = table.spans(crossing)
        assert spans["weekday"].label() == "06:00-22:00" and spans["weekday"].assumed
    pharr = table.spans("Pharr International Bridge")
    assert pharr["weekday"].label() == "06:00-24:00" and not pharr["weekday"].assumed
    assert pharr["saturday"].label() == "08:00-16:00" and pharr["sunday"].label() == "09:00-16:00"
    assert pharr["saturday"].assumed and "Saturday hours are stated" in pharr["saturday"].source
    # a weekend default never opens longer than the crossing's weekdays (San Luis: 09:00-17:00)
    assert labels(table, "San Luis") == ["09:00-17:00", "09:00-16:00", "09:00-16:00"]
    assert labels(table, "Columbus") == ["09:00-17:00", "10:00-14:00", "09:00-16:00"]


def test_weekend_default_held_out_beats_reading_the_weekdays(national: object, built: Settings) -> None:
    """Left one crossing out, the weekend default misses fewer hours of the stated weekend than
    the weekday hours (what the feed's one string gave every day) do, on either day."""
    from cargorisk.border import crossing_table  # noqa: PLC0415

    crossings = crossing_table(national, built.processed_dir)
    observed = observed_profiles(load_table("cbp_wait_profile", built.processed_dir), crossings)
    facts = load_table("facts_port_hours", built.processed_dir)
    found = weekend_holdout(build_port_hours(facts, crossings, open_spans(observed)))
    assert set(found["day"]) == {"saturday", "sunday"} and len(found) >= 10
    errors = found.groupby("day")[["default_error_h", "weekday_error_h"]].mean()
    assert (errors["default_error_h"] < 0.6 * errors["weekday_error_h"]).all()
    assert (errors["default_error_h"] <= 4.5).all()


def test_weekend_defaults_from_the_stated_days() -> None:
    """Closed when most stated crossings are; else median opening to closing, whole hours (half
    past up), from the crossings open in one stretch; a crossing the table does not know gets the
    same weekend."""
    spans = [((420, 930),), ((450, 990),), ((510, 900),), ((600, 840), (1080, 1200)), ()]
    stated = {"saturday": {f"c{i}": Span(s, "a source") for i, s in enumerate(spans)}, "sunday": {}}
    found = weekend_defaults(stated)
    assert found["saturday"].label() == "08:00-16:00" and found["saturday"].assumed  # 07:30 up, 15:30 up
    assert "sunday" not in found  # fewer than three: the weekday hours stand
    closed = {"saturday": {f"c{i}": Span((), "a source") for i in range(3)}, "sunday": {}}
    assert weekend_defaults(closed)["saturday"].label() == "closed"
    table = PortHours({"X": {"northbound": dict.fromkeys(("weekday", "saturday"), Span(((480, 960),), "s"))}})
    assert table.spans("Nowhere")["saturday"].label() == "06:00-22:00"  # one crossing states it
    table = PortHours(
        {f"c{i}": {"northbound": {"saturday": Span(s, "a source")}} for i, s in enumerate(spans)}
    )
    unknown = table.spans("Nowhere")
    assert unknown["weekday"].label() == "06:00-22:00" and unknown["saturday"].label() == "08:00-16:00"


def test_mexican_customs_hours(table: PortHours) -> None:
    """Southbound (Mexican import) and Mexican export hours where a source gives them."""
    assert labels(table, "World Trade Bridge", "mx_export") == ["07:00-23:00", "08:00-15:00", "08:00-15:00"]
    assert labels(table, "Pharr International Bridge", "southbound") == [
        "07:00-23:00",
        "07:00-16:00",
        "07:00-16:00",
    ]
    naco = table.spans("Naco", "southbound")
    assert naco["weekday"].assumed and naco["weekday"].source.startswith("as northbound")


def test_holiday_rules(table: PortHours) -> None:
    day = {
        "christmas": date(2026, 12, 25),
        "eve": date(2026, 12, 24),
        "good_friday": date(2026, 4, 3),
        "independence": date(2026, 9, 16),
        "july4": date(2026, 7, 3),  # observed on Friday
    }
    assert table.span("World Trade Bridge", day["christmas"]).label() == "closed"
    assert table.span("World Trade Bridge", day["eve"]).label() == "10:00-14:00"
    assert table.span("Colombia Solidarity Bridge", day["eve"]).label() == "09:00-14:00"
    assert table.span("Pharr International Bridge", day["eve"]).label() == "06:00-14:00"
    for crossing in ("Ysleta Bridge", "Bridge of the Americas"):  # 'Juarez aduanas close ... Good Friday'
        assert table.span(crossing, day["good_friday"]).label() == "closed"
    assert table.span("Colombia Solidarity Bridge", day["independence"]).label() == "closed"
    assert table.span("World Trade Bridge", day["independence"]).label() == "08:00-16:00"  # overtime only
    otay = table.span("Otay Mesa Commercial", day["july4"])
    assert otay.label() == "08:00-16:00" and not otay.assumed  # 'US holidays: same as Sundays' (CBP 2008)
    naco = table.span("Naco", day["july4"])
    assert naco.assumed and naco.source.startswith("default: Sunday hours")
    assert table.span("Naco", day["christmas"]).assumed


def test_calendars() -> None:
    assert holidays_of(date(2026, 4, 3)) == ["good_friday"]
    assert holidays_of(date(2026, 4, 2)) == ["holy_thursday"]
    assert holidays_of(date(2026, 2, 2)) == ["mx_holiday"]  # first Monday of February
    assert holidays_of(date(2026, 11, 16)) == ["mx_holiday"]  # third Monday of November
    assert holidays_of(date(2026, 12, 25)) == ["dec25", "mx_holiday", "us_holiday"]
    assert "us_holiday" in holidays_of(date(2026, 11, 26))  # Thanksgiving
    assert holidays_of(date(2026, 3, 3)) == []


def test_round_trip_and_live_feed_hours(table: PortHours) -> None:
    assert PortHours.from_doc(table.as_doc()).table == table.table
    fed = table.with_feed(
        {
            "Colombia Solidarity Bridge": "7 am-11 pm",
            "Ysleta Bridge": "24 hrs/day",
            "Del Rio International Bridge": "24 hrs/day",
        }
    )
    colombia = fed.spans("Colombia Solidarity Bridge")
    assert colombia["weekday"].label() == "07:00-23:00" and "--waits file" in colombia["weekday"].source
    assert colombia["saturday"] == table.spans("Colombia Solidarity Bridge")["saturday"]  # weekdays only
    assert fed.spans("Ysleta Bridge")["weekday"].label() == "06:00-24:00"  # CBP's history stays
    assert fed.spans("Del Rio International Bridge") == table.spans(
        "Del Rio International Bridge"
    )  # not 24 h
    late = datetime(2026, 3, 2, 23, 30, tzinfo=ZoneInfo("America/Chicago"))
    assert table.is_open("Colombia Solidarity Bridge", late) and not fed.is_open(
        "Colombia Solidarity Bridge", late
    )
    # a joint CBP/SAT row states the Mexican side's hours too (08:00-24:00): a northbound truck
    # clears the export customs, so the feed's 07:00 opening for CBP's side is cut to 08:00
    early = datetime(2026, 3, 2, 7, 30, tzinfo=ZoneInfo("America/Chicago"))
    assert not fed.is_open("Colombia Solidarity Bridge", early)
    assert not table.is_open("Colombia Solidarity Bridge", early)
    cut = fed.span("Colombia Solidarity Bridge", early.date())
    assert cut.label() == "08:00-23:00" and "within Mexican export customs: CBP/SAT" in cut.source
    # the days that follow the weekdays follow the feed's: San Luis' assumed Saturday is cut to them
    assert table.spans("San Luis")["saturday"].label() == "09:00-16:00"
    cut = table.with_feed({"San Luis": "10 am-2 pm"}).spans("San Luis")
    assert cut["weekday"].label() == cut["saturday"].label() == "10:00-14:00"
    assert cut["saturday"].assumed and cut["sunday"].label() == "10:00-14:00"
    south = table.with_feed({"San Luis": "10 am-2 pm"}).spans("San Luis", "southbound")["weekday"]
    assert south.label() == "10:00-14:00" and south.source.startswith("as northbound")


def test_a_truck_going_north_clears_both_customs(table: PortHours) -> None:
    """Northbound hours are CBP's within the Mexican export customs' where a source states
    those; each authority's own stay in :meth:`spans` (`border ports`)."""
    tuesday, saturday = date(2026, 3, 3), date(2026, 3, 7)
    wtb = table.span("World Trade Bridge", tuesday)
    assert wtb.label() == "07:00-23:00" and "Mexican export customs: SAT/ANAM" in wtb.source
    assert table.span("World Trade Bridge", saturday).label() == "08:00-15:00"
    assert table.spans("World Trade Bridge")["weekday"].label() == "07:00-24:00"  # CBP's own
    assert table.span("Camino Real International Bridge", tuesday).label() == "07:00-23:00"  # Piedras Negras
    assert table.span("Mariposa", tuesday).label() == "08:00-22:00"
    # Santa Teresa's 06:00-20:00 is a statement of both countries (NM Border Authority): CBP's
    # newer feed (06:00-22:00) wins for CBP's side, San Jeronimo's export customs still close at 20:00
    assert table.spans("Santa Teresa")["weekday"].label() == "06:00-22:00"  # CBP's own
    assert table.span("Santa Teresa", tuesday).label() == "06:00-20:00"
    naco = table.span("Naco", tuesday)  # no source for its Mexican side: CBP's hours stand
    assert naco.label() == "06:00-22:00" and "export" not in naco.source
    assert table.span("World Trade Bridge", tuesday, "southbound").label() == "08:00-24:00"  # import


def test_without_the_facts_table_hours_are_defaults_flagged_assumed(
    corridor: object, built: Settings
) -> None:
    from cargorisk.border import crossing_table  # noqa: PLC0415

    crossings = crossing_table(corridor, built.processed_dir)
    hours = PortHours(build_port_hours(None, crossings))
    spans = hours.spans("World Trade Bridge")
    assert spans["weekday"].label() == "06:00-22:00" and all(s.assumed for s in spans.values())
    assert isinstance(crossings, pd.DataFrame)


def within(inner: Span, outer: Span) -> bool:
    """Whether every open minute of ``inner`` is open in ``outer``."""
    return all(outer.is_open(m) for a, b in inner.intervals for m in range(a, b))


def test_northbound_hours_lie_within_the_mexican_export_customs_wherever_both_are_stated(
    table: PortHours,
) -> None:
    """A truck going north clears San Jeronimo's export customs before CBP's Santa Teresa lot: the
    NM Border Authority's 06:00-20:00 (both countries' ports) cuts CBP's feed 06:00-22:00, and
    at every crossing the Mexican side's stated hours (Mexican or joint rows) bound the truck's."""
    tuesday = date(2027, 3, 3)
    santa_teresa = table.span("Santa Teresa", tuesday)
    assert santa_teresa.label() == "06:00-20:00" and "(per NMBA)" in santa_teresa.source
    assert not table.is_open("Santa Teresa", datetime(2027, 3, 3, 21, tzinfo=ZoneInfo("America/Denver")))
    checked = 0
    for crossing in table.table:
        for kind in ("weekday", "saturday", "sunday"):
            export = table.spans(crossing, "mx_export")[kind]
            if not export.assumed:
                checked += 1
                assert within(table.regular(crossing, kind), export), (crossing, kind)
    assert checked >= 10


def test_a_holiday_rule_of_one_side_limits_the_other_sides_hours(table: PortHours) -> None:
    """'Juarez aduanas: Holy Thu & Sat 08:00-16:00' is the Mexican customs' day: CBP's Bridge of
    the Americas lot keeps its own hours (weekdays 06:00-14:00, closed on Saturdays), so a
    northbound truck crosses 08:00-14:00 on Holy Thursday and not at all on Holy Saturday."""
    thursday, saturday = date(2027, 3, 25), date(2027, 3, 27)  # Easter 2027: 28 March
    assert table.span("Bridge of the Americas", thursday).label() == "08:00-14:00"
    assert table.span("Bridge of the Americas", saturday).label() == "closed"
    assert table.span("Ysleta Bridge", saturday).label() == "08:00-14:00"  # CBP Saturdays 06:00-14:00
    assert table.span("Ysleta Bridge", thursday).label() == "08:00-16:00"  # CBP 06:00-24:00
    assert table.span("Ysleta Bridge", saturday, "southbound").label() == "08:00-16:00"  # the aduana's
    assert table.span("Ysleta Bridge", date(2027, 3, 26)).label() == "closed"  # Good Friday
    # no rule of the Mexican customs alone stands for CBP's side of any crossing
    for crossing, directions in table.table.items():
        for kind, span in directions["northbound"].items():
            assert authority_side(span.source.split(", ")[0]) != "MX", (crossing, kind)


def test_southbound_hours_are_the_mexican_import_customs(table: PortHours) -> None:
    """Southbound, the Mexican import customs' hours where a Mexican (or joint) row states them:
    Nuevo Laredo's Puente III imports 08:00-24:00 and 08:00-16:00 at weekends, not CBP's 2017
    storm-period hours; a US row only where no Mexican-side row speaks (Pharr's bridge)."""
    wtb = table.spans("World Trade Bridge", "southbound")
    assert labels(table, "World Trade Bridge", "southbound") == ["08:00-24:00", "08:00-16:00", "08:00-16:00"]
    assert all(wtb[k].source.startswith("SAT/ANAM") and not wtb[k].assumed for k in ("weekday", "sunday"))
    wednesday = datetime(2027, 3, 3, 7, 30, tzinfo=ZoneInfo("America/Chicago"))
    assert not table.is_open("World Trade Bridge", wednesday, "southbound")
    camino_real = table.spans("Camino Real International Bridge", "southbound")["weekday"]
    assert camino_real.label() == "07:00-23:00" and camino_real.source.startswith("SAT/ANAM")
    assert table.spans("Santa Teresa", "southbound")["weekday"].label() == "06:00-20:00"
    pharr = table.spans("Pharr International Bridge", "southbound")["weekday"]
    assert pharr.label() == "07:00-23:00" and pharr.source.startswith("City of Pharr")


def test_mexican_holidays_read_export_hours_northbound_and_import_hours_southbound(table: PortHours) -> None:
    """SAT's Constitution Day hours (2020-02-03) give import and export hours: a northbound truck
    clears the export customs (Otay Mesa 08:00-14:00, Calexico East 06:00-15:00, Mariposa
    08:00-16:00), a southbound one the import customs (09:00-14:00, 08:00-14:00, 10:00-14:00)."""
    day = date(2027, 2, 1)  # first Monday of February
    expected = {
        "Otay Mesa Commercial": ("08:00-14:00", "09:00-14:00"),
        "Calexico East": ("06:00-15:00", "08:00-14:00"),
        "Mariposa": ("08:00-16:00", "10:00-14:00"),
    }
    for crossing, (north, south) in expected.items():
        northbound, southbound = table.span(crossing, day), table.span(crossing, day, "southbound")
        assert northbound.label() == north and "within Mexican export customs: SAT" in northbound.source
        assert southbound.label() == south and southbound.source.startswith("SAT"), crossing
    (joined,) = holiday_clauses(
        "Holiday 2020-02-03 only: import laden 09:00-14:00; export laden 08:00-14:00; empties 07:00-15:00"
    )
    assert clause_rules(joined) == [("mx_holiday", {"import": ((540, 840),), "export": ((480, 840),)})]
    assert clause_rules("Juarez aduanas close Dec 25, Jan 1 and Good Friday") == [
        (day, {"import": (), "export": ()}) for day in ("dec25", "jan1", "good_friday")
    ]
