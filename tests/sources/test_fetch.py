"""Fetching: mirror copies, manifest, checksums, offline downloads, interruption."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from cargorisk.errors import DataSourceError
from cargorisk.sources import SOURCES, build_sources, fetch_sources, load_table, verify_raw
from cargorisk.sources import fetch as fetch_module

SMALL = SOURCES["mx_geo_isaacarroyov"]


def copy_mirror_source(mirror: Path, dest: Path, source_id: str) -> Path:
    """A private mirror holding one source, safe to damage."""
    shutil.copytree(mirror / source_id, dest / source_id)
    return dest


def test_mirror_fetch_records_manifest_and_skips_when_up_to_date(mirror: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    first = fetch_sources([SMALL], raw, mirror=mirror)
    assert {r.action for r in first} == {"copied"}
    manifest = json.loads((raw / "manifest.json").read_text())
    entry = manifest[SMALL.id]["00ent_mexico.geojson"]
    assert entry["sha256"] == SMALL.files[0].sha256
    assert entry["bytes"] == (mirror / SMALL.id / "00ent_mexico.geojson").stat().st_size
    second = fetch_sources([SMALL], raw, mirror=mirror)
    assert {r.action for r in second} == {"up to date"}
    forced = fetch_sources([SMALL], raw, mirror=mirror, force=True)
    assert {r.action for r in forced} == {"copied"}
    assert set(verify_raw(SMALL, raw)) == {f.name for f in SMALL.files}


def test_mirror_file_with_wrong_checksum_is_refused(mirror: Path, tmp_path: Path) -> None:
    bad = copy_mirror_source(mirror, tmp_path / "mirror", SMALL.id)
    target = bad / SMALL.id / "cve_nom_municipios.csv"
    target.write_bytes(target.read_bytes()[:-100])  # truncated copy
    raw = tmp_path / "raw"
    with pytest.raises(DataSourceError, match=r"cve_nom_municipios\.csv has sha256 .*data fetch --force"):
        fetch_sources([SMALL], raw, mirror=bad)
    assert not (raw / SMALL.id / "cve_nom_municipios.csv").exists()
    assert not list((raw / SMALL.id).glob("*.tmp"))


def test_missing_mirror_folder_and_file(mirror: Path, tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match=r"mirror folder .*nowhere does not exist"):
        fetch_sources([SMALL], tmp_path / "raw", mirror=tmp_path / "nowhere")
    empty = tmp_path / "empty"
    (empty / SMALL.id).mkdir(parents=True)
    with pytest.raises(DataSourceError, match=r"mirror has no file .*00ent_mexico\.geojson"):
        fetch_sources([SMALL], tmp_path / "raw", mirror=empty)


def test_offline_download_says_to_use_a_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*_args: object, **_kwargs: object) -> None:
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DataSourceError, match=r"cannot download https://.*--mirror DIR"):
        fetch_sources([SMALL], tmp_path / "raw")
    assert not any(p.is_file() for p in (tmp_path / "raw").rglob("*"))


def test_interrupted_fetch_leaves_no_partial_file(
    mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def half_copy(src: Path, dst: Path) -> None:
        Path(dst).write_bytes(Path(src).read_bytes()[:1000])
        raise KeyboardInterrupt

    monkeypatch.setattr(fetch_module.shutil, "copyfile", half_copy)
    raw = tmp_path / "raw"
    with pytest.raises(KeyboardInterrupt):
        fetch_sources([SMALL], raw, mirror=mirror)
    assert not any(p.is_file() for p in raw.rglob("*"))


def test_download_writes_pinned_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mirror: Path) -> None:
    """A download (served here from the mirror file) lands under its name and is checked."""
    spec = SMALL.files[1]
    body = (mirror / SMALL.id / spec.name).read_bytes()

    class Response:
        def __init__(self, data: bytes) -> None:
            self.data, self.pos = data, 0

        def read(self, n: int = -1) -> bytes:
            chunk = self.data[self.pos :] if n < 0 else self.data[self.pos : self.pos + n]
            self.pos += len(chunk)
            return chunk

        def __enter__(self) -> Response:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

    served = {spec.url: body, SMALL.files[0].url: b"not the pinned file"}
    monkeypatch.setattr(urllib.request, "urlopen", lambda req, timeout: Response(served[req.full_url]))
    raw = tmp_path / "raw"
    fetch_module.download(spec, raw / spec.name)
    assert (raw / spec.name).read_bytes() == body
    with pytest.raises(DataSourceError, match="has sha256"):
        fetch_module.download(SMALL.files[0], raw / SMALL.files[0].name)
    assert not (raw / SMALL.files[0].name).exists()


def test_corrupt_manifest(tmp_path: Path, mirror: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "manifest.json").write_text("{not json")
    with pytest.raises(DataSourceError, match=r"manifest\.json is corrupt"):
        fetch_sources([SMALL], raw, mirror=mirror)


def test_mirror_only_source_skipped_without_mirror_read_from_one(mirror: Path, tmp_path: Path) -> None:
    facts = SOURCES["published_facts"]
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    skipped = fetch_sources([facts], raw, mirror=None)
    assert [r.action for r in skipped] == ["skipped (mirror only)"]
    assert build_sources([facts], raw, processed, skip_unfetched=True) == []
    with pytest.raises(DataSourceError, match="run `cargorisk data fetch published_facts`"):
        build_sources([facts], raw, processed)
    fetch_sources([facts], raw, mirror=mirror)
    built = {t.table: t.rows for t in build_sources([facts], raw, processed)}
    assert built == {
        "facts_port_hours": 70,
        "facts_port_seasons": 13,
        "facts_theft_states": 89,
        "facts_theft_time_place": 36,
    }
    hours = load_table("facts_port_hours", processed)
    cited = ~hours.apply(lambda row: "NOT SOURCED" in " ".join(row), axis=1)
    assert (hours.loc[cited, "source_url"].str.len() > 10).all()  # a URL or the feed it was read from
    assert (hours == "").any().any()  # empty cells stay empty text, not NaN
