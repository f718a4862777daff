"""What a data source is: its files, where they come from, and the tables built from them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class SourceFile:
    """One file of a source.

    Attributes
    ----------
    name
        Local file name, as laid out in a mirror folder (``<mirror>/<source id>/<name>``).
    url
        Download address of the file (``None``: no public bulk download exists).
    sha256
        Checksum of the mirrored copy; a mirror file that differs is refused.
    download_as
        Local name for the downloaded file when the URL serves another format than the mirror
        copy (e.g. the full BTS file with both borders, or the original xlsx). Readers accept both.
    url_is_pinned
        True when ``url`` serves exactly the content of ``sha256`` (a URL fixed to a commit).
    """

    name: str
    url: str | None
    sha256: str | None = None
    download_as: str | None = None
    url_is_pinned: bool = True

    @property
    def download_name(self) -> str:
        """Local file name used when the file is downloaded from ``url``."""
        return self.download_as or self.name


@dataclass(frozen=True)
class Table:
    """A tidy table built from a source, written to ``data/processed/<name>.parquet``.

    ``columns`` maps every column to its description with unit; the build checks that the
    table has exactly these columns, so this stays the documentation of record.
    ``period`` names the column that gives the time covered (``None`` for static tables).
    """

    name: str
    columns: Mapping[str, str]
    period: str | None = None


Builder = Callable[[Mapping[str, Path]], dict[str, pd.DataFrame]]


@dataclass(frozen=True)
class Source:
    """A registry entry: one publisher's data set, as staged in one mirror folder."""

    id: str
    title: str
    publisher: str
    licence: str
    homepage: str
    files: tuple[SourceFile, ...]
    tables: tuple[Table, ...]
    build: Builder
    caveats: str = ""

    @property
    def mirror_only(self) -> bool:
        """True when no file has a public download (facts compiled by hand): a fetch without a
        mirror skips the source and a full build leaves its tables out, with a warning."""
        return all(spec.url is None for spec in self.files)
