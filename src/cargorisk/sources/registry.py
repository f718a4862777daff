"""The registry: every data source cargorisk knows, keyed by its mirror folder name."""

from __future__ import annotations

from cargorisk.errors import InputError
from cargorisk.sources import bts, cbp, facts, inegi, roads, sesnsp, travelmapping
from cargorisk.sources.base import Source, Table

SOURCES: dict[str, Source] = {
    s.id: s
    for s in (
        bts.SOURCE,
        cbp.BRIDGES_SOURCE,
        cbp.WAITS_SOURCE,
        sesnsp.STATE_ANNUAL_SOURCE,
        sesnsp.FEDERAL_SOURCE,
        sesnsp.MUNICIPAL_SOURCE,
        inegi.GEO_SOURCE,
        inegi.MUNICIPALITIES_SOURCE,
        roads.MX_SOURCE,
        roads.US_SOURCE,
        travelmapping.SOURCE,
        travelmapping.STATE_SOURCE,
        facts.SOURCE,
    )
}


def select_sources(ids: list[str] | None = None) -> list[Source]:
    """Return the sources named in ``ids`` (all when empty), refusing unknown names."""
    if not ids:
        return list(SOURCES.values())
    unknown = [i for i in ids if i not in SOURCES]
    if unknown:
        msg = f"unknown data source {unknown[0]!r}; choose from {sorted(SOURCES)}"
        raise InputError(msg)
    return [SOURCES[i] for i in ids]


def find_table(name: str) -> tuple[Source, Table]:
    """Return the source and table definition of a processed table name."""
    for source in SOURCES.values():
        for table in source.tables:
            if table.name == name:
                return source, table
    names = sorted(t.name for s in SOURCES.values() for t in s.tables)
    msg = f"unknown table {name!r}; choose from {names}"
    raise InputError(msg)
