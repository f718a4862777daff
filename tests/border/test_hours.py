"""Each crossing's commercial hours from the published facts, CBP's feed and CBP's history."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from cargorisk.border.hours import (
    PortHours,
    Span,
    build_port_hours,
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
    early = datetime(2026, 3, 2, 7, 30, tzinfo=ZoneInfo("America/Chicago"))  # Colombia's export hours
    assert fed.is_open("Colombia Solidarity Bridge", early)  # come from a joint CBP/SAT row: no cut
    assert not table.is_open("Colombia Solidarity Bridge", early)
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
    # Santa Teresa's 06:00-20:00 is a statement of both countries (NM Border Authority), which
    # CBP's newer feed (06:00-22:00) replaces for CBP's side: not an export customs' limit
    assert table.span("Santa Teresa", tuesday).label() == "06:00-22:00"
    naco = table.span("Naco", tuesday)  # no source for its Mexican side: CBP's hours stand
    assert naco.label() == "06:00-22:00" and "export" not in naco.source
    assert table.span("World Trade Bridge", tuesday, "southbound").label() == "07:00-24:00"


def test_without_the_facts_table_hours_are_defaults_flagged_assumed(
    corridor: object, built: Settings
) -> None:
    from cargorisk.border import crossing_table  # noqa: PLC0415

    crossings = crossing_table(corridor, built.processed_dir)
    hours = PortHours(build_port_hours(None, crossings))
    spans = hours.spans("World Trade Bridge")
    assert spans["weekday"].label() == "06:00-22:00" and all(s.assumed for s in spans.values())
    assert isinstance(crossings, pd.DataFrame)
