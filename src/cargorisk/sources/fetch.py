"""``cargorisk data fetch``: copy source files from a mirror folder or download them.

Every file lands atomically (temp file + rename) and its SHA-256 goes into
``data/raw/manifest.json``; later builds check the raw files against that manifest.
"""

from __future__ import annotations

import json
import logging
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cargorisk._io import atomic_path, sha256_file, write_bytes_atomic
from cargorisk.errors import DataSourceError
from cargorisk.sources.base import Source, SourceFile

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"
TIMEOUT_S = 60


@dataclass(frozen=True)
class FetchResult:
    """What happened to one file: ``action`` is 'copied', 'downloaded', 'up to date' or, for a
    source without public downloads fetched without a mirror, 'skipped (mirror only)'."""

    source: str
    file: str
    action: str
    sha256: str
    bytes: int


def read_manifest(raw_dir: Path) -> dict[str, dict[str, dict[str, object]]]:
    """Load the fetch manifest (empty when none has been written yet)."""
    path = raw_dir / MANIFEST
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())  # type: ignore[no-any-return]
    except (json.JSONDecodeError, UnicodeDecodeError):
        msg = f"{path} is corrupt; delete it and run `cargorisk data fetch --force`"
        raise DataSourceError(msg) from None


def write_manifest(raw_dir: Path, manifest: dict[str, dict[str, dict[str, object]]]) -> None:
    """Write the fetch manifest atomically."""
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    write_bytes_atomic(raw_dir / MANIFEST, text.encode())


def fetch_sources(
    sources: list[Source], raw_dir: Path, *, mirror: Path | None = None, force: bool = False
) -> list[FetchResult]:
    """Fetch every file of ``sources`` into ``raw_dir/<source id>/``.

    Parameters
    ----------
    sources
        Registry entries to fetch.
    raw_dir
        Destination root (``data/raw``).
    mirror
        Folder laid out like ``<mirror>/<source id>/<file>``; when given, files are copied from
        it and checked against the pinned checksums, and nothing is downloaded.
    force
        Fetch again even when the local file matches the manifest.

    Raises
    ------
    DataSourceError
        A mirror file is missing or has the wrong checksum, or a download fails.
    """
    if mirror is not None and not Path(mirror).is_dir():
        msg = f"mirror folder {mirror} does not exist; pass the folder that holds the source folders"
        raise DataSourceError(msg)
    manifest = read_manifest(raw_dir)
    results = []
    for source in sources:
        if mirror is None and source.mirror_only:
            log.warning("%s has no public download; skipped (fetch it with --mirror DIR)", source.id)
            results.append(FetchResult(source.id, "*", "skipped (mirror only)", "", 0))
            continue
        done: list[FetchResult] = []
        try:
            for spec in source.files:
                result = fetch_file(source, spec, raw_dir, manifest, mirror=mirror, force=force)
                manifest.setdefault(source.id, {})[spec.name] = {
                    "path": local_name(spec, raw_dir / source.id),
                    "sha256": result.sha256,
                    "bytes": result.bytes,
                    "fetched": datetime.now(UTC).isoformat(timespec="seconds"),
                }
                done.append(result)
        finally:  # once per source (a source may have thousands of files), also after a failure
            if any(r.action != "up to date" for r in done):
                write_manifest(raw_dir, manifest)
            results += done
    return results


def local_name(spec: SourceFile, folder: Path) -> str:
    """Name of the local copy of ``spec`` in ``folder`` (mirror form preferred)."""
    if (folder / spec.name).exists() or not (folder / spec.download_name).exists():
        return spec.name
    return spec.download_name


def fetch_file(
    source: Source,
    spec: SourceFile,
    raw_dir: Path,
    manifest: dict[str, dict[str, dict[str, object]]],
    *,
    mirror: Path | None,
    force: bool,
) -> FetchResult:
    """Fetch one file unless its local copy already matches the manifest."""
    folder = raw_dir / source.id
    recorded = manifest.get(source.id, {}).get(spec.name)
    if recorded and not force:
        current = folder / str(recorded["path"])
        if current.exists() and sha256_file(current) == recorded["sha256"]:
            return FetchResult(
                source.id, spec.name, "up to date", str(recorded["sha256"]), current.stat().st_size
            )
    if mirror is not None:
        dest, action = folder / spec.name, "copied"
        copy_from_mirror(Path(mirror) / source.id / spec.name, dest, spec)
    else:
        dest, action = folder / spec.download_name, "downloaded"
        download(spec, dest)
    if spec.download_as:  # keep one form of the file, so readers never see a stale twin
        other = spec.download_name if dest.name == spec.name else spec.name
        (folder / other).unlink(missing_ok=True)
    log.info("%s %s/%s", action, source.id, dest.name)
    return FetchResult(source.id, spec.name, action, sha256_file(dest), dest.stat().st_size)


def copy_from_mirror(src: Path, dest: Path, spec: SourceFile) -> None:
    """Copy a mirror file into place atomically, refusing it if its checksum is wrong."""
    if not src.is_file():
        msg = f"mirror has no file {src}; check --mirror, or omit it to download from {spec.url}"
        raise DataSourceError(msg)
    with atomic_path(dest) as tmp:
        shutil.copyfile(src, tmp)
        verify_pinned(tmp, spec, shown=src)


def verify_pinned(path: Path, spec: SourceFile, *, shown: Path) -> None:
    """Raise DataSourceError if ``path`` does not have the registry's pinned checksum."""
    if spec.sha256 is None:
        return
    digest = sha256_file(path)
    if digest != spec.sha256:
        msg = (
            f"{shown} has sha256 {digest[:12]}..., expected {spec.sha256[:12]}...: the file is "
            f"damaged or another release; replace it and run `cargorisk data fetch --force`"
        )
        raise DataSourceError(msg)


def download(spec: SourceFile, dest: Path) -> None:
    """Download ``spec.url`` to ``dest`` atomically, checking pinned content."""
    if spec.url is None:
        msg = f"{spec.name} has no public download; run `cargorisk data fetch --mirror DIR` with a copy"
        raise DataSourceError(msg)
    request = urllib.request.Request(spec.url, headers={"User-Agent": "cargorisk"})
    try:
        with atomic_path(dest) as tmp, urllib.request.urlopen(request, timeout=TIMEOUT_S) as resp:
            with tmp.open("wb") as out:
                shutil.copyfileobj(resp, out)
            if spec.url_is_pinned:
                verify_pinned(tmp, spec, shown=dest)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        msg = (
            f"cannot download {spec.url} ({reason}); if this machine is offline, "
            "run `cargorisk data fetch --mirror DIR` with a local copy of the data"
        )
        raise DataSourceError(msg) from None
