"""Data layer: a registry of public sources, fetching (mirror or download), readers that
turn the raw files into tidy tables, and their status."""

from cargorisk.sources.base import Source, SourceFile, Table
from cargorisk.sources.build import TableStatus, build_sources, data_status, load_table, verify_raw
from cargorisk.sources.fetch import FetchResult, fetch_sources
from cargorisk.sources.registry import SOURCES, find_table, select_sources

__all__ = [
    "SOURCES",
    "FetchResult",
    "Source",
    "SourceFile",
    "Table",
    "TableStatus",
    "build_sources",
    "data_status",
    "fetch_sources",
    "find_table",
    "load_table",
    "select_sources",
    "verify_raw",
]
