"""Published facts: small tables of sourced statements (port commercial hours, produce seasons,
cargo theft by state, by time and by place), one row per source and period, each with its URL
and date.

The tables are read as they are written: the facts mix scopes on purpose (an incident database,
tracked trucks, official complaints and insured vehicles count different things), so readers
downstream decide how to use each row (:mod:`cargorisk.border.hours`, :mod:`cargorisk.risk`).
There is no public bulk download: the rows were compiled by hand from the cited pages, so the
source is fetched from a mirror only; a fetch without one skips it, and every consumer has a
documented fallback when its table is not built.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from cargorisk.sources._read import read_csv
from cargorisk.sources.base import Source, SourceFile, Table

PORT_HOURS = "port_commercial_hours.csv"
SEASONS = "port_seasonality.csv"
STATE_SHARES = "theft_state_shares.csv"
TIME_PLACE = "theft_time_location_patterns.csv"

CITED = {
    "source_url": "address of the page the fact was read from",
    "source_date": "date of the source as given (YYYY-MM-DD, YYYY, 'c. YYYY' or 'n.d.')",
    "notes": "the compiler's notes (conflicts, context), empty when none",
}
PORT_HOURS_TABLE = Table(
    "facts_port_hours",
    {
        "port": "port as named by the source, with state (e.g. 'Otay Mesa CA')",
        "crossing": "crossing or facility named by the source",
        "direction": "NB (northbound, CBP), SB (southbound, Mexican customs), NB+SB, with detail",
        "authority": "who sets the hours (CBP, Mexican customs, bridge operator, media citing them)",
        "weekday_hours": "Monday-Friday commercial hours as written ('06:00-24:00', '24 h'), or empty",
        "saturday_hours": "Saturday hours as written, empty if not given",
        "sunday_hours": "Sunday hours as written ('closed'), empty if not given",
        "holiday_or_special": "holiday or special schedule as written",
        "status": "current, historic, temporary, NOT SOURCED, ... (read before trusting a row)",
        **CITED,
    },
)
SEASONS_TABLE = Table(
    "facts_port_seasons",
    {
        "port": "port (crossing) the fact is about",
        "fact": "the statement (e.g. 'Produce season generally October-March')",
        "period_or_months": "months it names, as written ('Oct-Mar', 'Jan-Feb peak')",
        **CITED,
    },
)
STATE_SHARES_TABLE = Table(
    "facts_theft_states",
    {
        "source_org": "who counted (Overhaul, SensiGuard, ANERPV, AMESIS, AMIS, FGR, SESNSP, ...)",
        "period": "period the figure covers, as written",
        "scope": "what is counted (incident records, tracked heavy units, insured vehicles, complaints)",
        "state": "state or region as written",
        "share_pct": "share of the source's national total [%], empty when a count is given",
        "count": "count in the period, empty when a share is given",
        "source_url": CITED["source_url"],
        "pub_date": "publication date as given",
        "notes": CITED["notes"],
    },
)
TIME_PLACE_TABLE = Table(
    "facts_theft_time_place",
    {
        "country": "MX, US, US+CA, North America or Global",
        "source_org": "who counted",
        "period": "period covered, as written",
        "dimension": "time_of_day, day_of_week, month, location/modus, road_jurisdiction, ...",
        "bucket": "the bucket(s) as written ('18:00-24:00', 'in transit / parked')",
        "value": "the share(s) or count(s) as written ('33%', '88% / 9%', 'n/a')",
        "source_url": CITED["source_url"],
        "pub_date": "publication date as given",
        "notes": CITED["notes"],
    },
)
READS = {
    PORT_HOURS: PORT_HOURS_TABLE,
    SEASONS: SEASONS_TABLE,
    STATE_SHARES: STATE_SHARES_TABLE,
    TIME_PLACE: TIME_PLACE_TABLE,
}


def read_facts(path: Path, table: Table) -> pd.DataFrame:
    """Read one facts CSV as text (nothing parsed: the columns of ``table``, empty cells '')."""
    frame = read_csv(path, table.columns, dtype=str, keep_default_na=False)
    return frame[list(table.columns)].apply(lambda col: col.str.strip()).reset_index(drop=True)


def build_facts(paths: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """Build the four facts tables."""
    return {table.name: read_facts(paths[name], table) for name, table in READS.items()}


SOURCE = Source(
    id="published_facts",
    title="Published facts: port commercial hours, produce seasons, cargo theft by state, time and place",
    publisher="compiled by the data curators from news, trade press, industry reports and CBP pages",
    licence="facts with their sources (short values, no text copied); each row cites its page",
    homepage="see source_url in every row",
    files=(
        SourceFile(PORT_HOURS, None, "7fd772f25ce88dc3cddd66710af7fbc8cbd88fece10ef7056919d13d07140262"),
        SourceFile(SEASONS, None, "ca4d92f42a6b4655f90632e6392a25068ce74698d01b283707017f95d1b52344"),
        SourceFile(STATE_SHARES, None, "f23e20c2bbb6e5f031fa47253f10eac476d85fede29683a8d167905661cf47be"),
        SourceFile(TIME_PLACE, None, "9c83225f062be51db23b7864cdddfc62746d3f2baebfb3b7aeb16dd94794d18d"),
    ),
    tables=(PORT_HOURS_TABLE, SEASONS_TABLE, STATE_SHARES_TABLE, TIME_PLACE_TABLE),
    build=build_facts,
    caveats=(
        "Secondary sources, one row per source and period; scopes differ by design and "
        "several dates are inferred (c., n.d.). Most port hours are historic or temporary: "
        "read status and source_date. No bulk download: mirror only."
    ),
)
