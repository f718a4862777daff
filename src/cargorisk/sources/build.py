"""``cargorisk data build`` and ``data status``: raw files -> tidy parquet tables.

Raw files are checked against the fetch manifest first (missing, truncated or altered files
are refused with the command that fixes them); each table is checked against its documented
columns and written atomically; ``data/processed/build.json`` records rows and periods.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from cargorisk._io import atomic_path, sha256_file, write_bytes_atomic
from cargorisk.errors import ELSEWHERE_DATA, DataSourceError
from cargorisk.sources._read import reading
from cargorisk.sources.base import Source, Table
from cargorisk.sources.fetch import read_manifest
from cargorisk.sources.registry import SOURCES, find_table

log = logging.getLogger(__name__)
BUILD_LOG = "build.json"


@dataclass(frozen=True)
class TableStatus:
    """One line of ``data status``."""

    source: str
    table: str
    raw: str
    built: bool
    rows: int | None
    period: str


def verify_raw(source: Source, raw_dir: Path) -> dict[str, Path]:
    """Return the local path of every file of ``source`` after checking it against the manifest.

    Raises
    ------
    DataSourceError
        A file is missing, unrecorded, or its checksum differs from the one recorded at fetch.
    """
    folder = raw_dir / source.id
    recorded = read_manifest(raw_dir).get(source.id, {})
    paths = {}
    for spec in source.files:
        entry = recorded.get(spec.name)
        path = folder / str(entry["path"]) if entry else folder / spec.name
        if not path.exists():
            msg = f"raw file {path} is missing; run `cargorisk data fetch {source.id}`"
            raise DataSourceError(msg)
        if entry is None:
            msg = (
                f"raw file {path} is not in the fetch manifest; "
                f"run `cargorisk data fetch --force {source.id}`"
            )
            raise DataSourceError(msg)
        if sha256_file(path) != entry["sha256"]:
            msg = (
                f"raw file {path} changed since it was fetched (truncated or edited); "
                f"run `cargorisk data fetch --force {source.id}`"
            )
            raise DataSourceError(msg)
        paths[spec.name] = path
    return paths


def build_sources(
    sources: list[Source], raw_dir: Path, processed_dir: Path, *, skip_unfetched: bool = False
) -> list[TableStatus]:
    """Build every table of ``sources`` into ``processed_dir`` and return their status.

    With ``skip_unfetched`` (a build of every source), a mirror-only source that was not
    fetched (:attr:`~cargorisk.sources.base.Source.mirror_only`) is left out with a warning."""
    done = []
    for source in sources:
        if skip_unfetched and source.mirror_only and raw_state(source, raw_dir) == "missing":
            log.warning("%s was not fetched (mirror only); its tables are not built", source.id)
            continue
        paths = verify_raw(source, raw_dir)
        tables = source.build(paths)
        for spec in source.tables:
            frame = tables[spec.name]
            check_columns(frame, spec)
            write_table(frame, processed_dir / f"{spec.name}.parquet")
            entry = record_build(processed_dir, source, spec, frame, paths)
            done.append(TableStatus(source.id, spec.name, "ok", True, len(frame), entry["period"]))
            log.info("built %s: %d rows, %s", spec.name, len(frame), entry["period"])
    return done


def check_columns(frame: pd.DataFrame, spec: Table) -> None:
    """Refuse a table whose columns differ from its documented schema (a reader bug)."""
    if list(frame.columns) != list(spec.columns):
        msg = f"table {spec.name} has columns {list(frame.columns)}, documented {list(spec.columns)}"
        raise DataSourceError(msg)


def write_table(frame: pd.DataFrame, dest: Path) -> None:
    """Write a (Geo)DataFrame to parquet atomically (GeoParquet for geometry tables)."""
    with atomic_path(dest) as tmp:
        frame.to_parquet(tmp, index=False)


def describe_period(frame: pd.DataFrame, spec: Table) -> str:
    """'2015 - 2025' or '2008-01 - 2025-12' for the table's period column, '' if static."""
    if spec.period is None:
        return ""
    values = frame[spec.period]
    if pd.api.types.is_datetime64_any_dtype(values):
        return f"{values.min():%Y-%m} - {values.max():%Y-%m}"
    return f"{values.min()} - {values.max()}"


def record_build(
    processed_dir: Path, source: Source, spec: Table, frame: pd.DataFrame, paths: dict[str, Path]
) -> dict[str, object]:
    """Add a table's rows, period and input checksums to ``build.json``."""
    log_path = processed_dir / BUILD_LOG
    builds = json.loads(log_path.read_text()) if log_path.exists() else {}
    entry: dict[str, object] = {
        "source": source.id,
        "rows": len(frame),
        "period": describe_period(frame, spec),
        "inputs": {name: sha256_file(p) for name, p in paths.items()},
        "built": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    builds[spec.name] = entry
    write_bytes_atomic(log_path, (json.dumps(builds, indent=2, sort_keys=True) + "\n").encode())
    return entry


def data_status(raw_dir: Path, processed_dir: Path) -> list[TableStatus]:
    """Report, per table, whether its raw files are fetched and the table built."""
    log_path = processed_dir / BUILD_LOG
    builds = json.loads(log_path.read_text()) if log_path.exists() else {}
    rows = []
    for source in SOURCES.values():
        raw = raw_state(source, raw_dir)
        for spec in source.tables:
            entry = builds.get(spec.name, {})
            built = (processed_dir / f"{spec.name}.parquet").exists() and bool(entry)
            rows.append(
                TableStatus(
                    source.id,
                    spec.name,
                    raw,
                    built,
                    entry.get("rows") if built else None,
                    entry.get("period", "") if built else "",
                )
            )
    return rows


def raw_state(source: Source, raw_dir: Path) -> str:
    """'ok', 'missing' (some file not fetched) or 'damaged' (differs from the manifest)."""
    folder = raw_dir / source.id
    files = [folder / spec.name for spec in source.files]
    alternatives = [folder / spec.download_name for spec in source.files]
    if not all(f.exists() or a.exists() for f, a in zip(files, alternatives, strict=True)):
        return "missing"
    try:
        verify_raw(source, raw_dir)
    except DataSourceError:
        return "damaged"
    return "ok"


def load_table(name: str, processed_dir: Path) -> pd.DataFrame:
    """Load a processed table by name (GeoDataFrame when it has geometry).

    Raises
    ------
    DataSourceError
        The table has not been built, or its file is unreadable.
    """
    source, spec = find_table(name)
    path = processed_dir / f"{name}.parquet"
    if not path.exists():
        msg = (
            f"table {path} is not built; run `cargorisk data fetch` then `cargorisk data build {source.id}`"
            f"{ELSEWHERE_DATA}"
        )
        raise DataSourceError(msg)
    with reading(path):
        if "geometry" in spec.columns:
            return gpd.read_parquet(path)
        return pd.read_parquet(path)
