"""Shared reader helpers: every parsing failure becomes a one-line DataSourceError."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from cargorisk.errors import DataSourceError

REFETCH = "run `cargorisk data fetch --force`"


@contextlib.contextmanager
def reading(path: Path) -> Iterator[None]:
    """Turn any parse error raised inside the block into a DataSourceError naming ``path``."""
    try:
        yield
    except DataSourceError:
        raise
    except (UnicodeError, ValueError, KeyError, IndexError, TypeError, OSError, EOFError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = f"cannot read {path}: {detail[:200]}; {REFETCH}"
        raise DataSourceError(msg) from exc


def require_columns(df: pd.DataFrame, columns: Iterable[str], path: Path) -> None:
    """Raise DataSourceError if ``df`` lacks any of ``columns``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        msg = (
            f"{path} lacks columns {missing} (has {list(df.columns)[:12]}): wrong file, "
            f"encoding or truncated download; {REFETCH}"
        )
        raise DataSourceError(msg)


def read_csv(path: Path, columns: Iterable[str], **kwargs: object) -> pd.DataFrame:
    """Read a CSV with pandas, check it has ``columns`` and at least one row."""
    with reading(path):
        df = pd.read_csv(path, **kwargs)  # type: ignore[call-overload]
    require_columns(df, columns, path)
    if df.empty:
        msg = f"{path} has no data rows; {REFETCH}"
        raise DataSourceError(msg)
    return df


def check(condition: bool, path: Path, what: str) -> None:
    """Raise DataSourceError naming ``path`` if a content check fails."""
    if not condition:
        msg = f"{path}: {what}; {REFETCH}"
        raise DataSourceError(msg)
