"""Building: damaged raw files are refused with the fixing command; no half-written tables."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cargorisk.config import Settings
from cargorisk.errors import DataSourceError, InputError
from cargorisk.sources import SOURCES, build_sources, data_status, fetch_sources, load_table, select_sources
from cargorisk.sources import build as build_module
from cargorisk.sources.cbp import read_wait_times
from cargorisk.sources.sesnsp import read_federal, read_state_annual

FEDERAL = SOURCES["sesnsp_federal_ideff"]


@pytest.fixture
def fetched(mirror: Path, tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "data")
    fetch_sources([FEDERAL], settings.raw_dir, mirror=mirror)
    return settings


def federal_file(settings: Settings) -> Path:
    return settings.raw_dir / FEDERAL.id / "IDEFF_jul25.csv"


def test_missing_raw_file_names_the_fetch_command(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    expected = r"IDEFF_jul25\.csv is missing; run `cargorisk data fetch sesnsp_federal_ideff`"
    with pytest.raises(DataSourceError, match=expected):
        build_sources([FEDERAL], settings.raw_dir, settings.processed_dir)


def test_truncated_raw_file_is_refused(fetched: Settings) -> None:
    path = federal_file(fetched)
    path.write_bytes(path.read_bytes()[:50_000])
    with pytest.raises(DataSourceError, match=r"IDEFF_jul25\.csv changed since it was fetched .*--force"):
        build_sources([FEDERAL], fetched.raw_dir, fetched.processed_dir)
    assert not (fetched.processed_dir / "sesnsp_federal_state_month.parquet").exists()


def test_wrong_encoding_is_a_one_line_error(fetched: Settings, tmp_path: Path) -> None:
    text = federal_file(fetched).read_bytes().decode("latin1")
    utf16 = tmp_path / "IDEFF_utf16.csv"
    utf16.write_bytes(text.encode("utf-16"))
    with pytest.raises(DataSourceError, match=r"IDEFF_utf16\.csv") as info:
        read_federal(utf16)
    assert "\n" not in str(info.value)
    utf8 = tmp_path / "IDEFF_utf8.csv"  # UTF-8 read as latin1 garbles 'AÑO'
    utf8.write_bytes(text.encode("utf-8"))
    with pytest.raises(DataSourceError, match=r"lacks columns \['AÑO'\]"):
        read_federal(utf8)


def test_wrong_file_and_empty_file(tmp_path: Path, mirror: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataSourceError, match=r"cannot read .*empty\.csv"):
        read_wait_times(empty)
    header_only = tmp_path / "header.csv.bz2"
    with pytest.raises(DataSourceError, match=r"header\.csv\.bz2"):
        header_only.write_bytes(b"BZh91AY&SY garbage")
        read_state_annual(header_only)
    other = mirror / "bts_border_crossing_entry" / "bts_border_crossing_entry_us_mexico.csv"
    with pytest.raises(DataSourceError, match="lacks columns"):
        read_state_annual(other)


def test_interrupted_build_leaves_no_table(fetched: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(frame: pd.DataFrame, path: Path, **_kw: object) -> None:
        Path(path).write_bytes(b"PAR1 half")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_parquet", crash)
    with pytest.raises(KeyboardInterrupt):
        build_sources([FEDERAL], fetched.raw_dir, fetched.processed_dir)
    leftovers = list(fetched.processed_dir.glob("*")) if fetched.processed_dir.exists() else []
    assert leftovers == []


def test_status_reports_missing_built_and_damaged(fetched: Settings) -> None:
    before = {r.table: r for r in data_status(fetched.raw_dir, fetched.processed_dir)}
    assert before["sesnsp_federal_state_month"].raw == "ok"
    assert not before["sesnsp_federal_state_month"].built
    assert before["bts_ports"].raw == "missing"
    build_sources([FEDERAL], fetched.raw_dir, fetched.processed_dir)
    after = {r.table: r for r in data_status(fetched.raw_dir, fetched.processed_dir)}
    assert after["sesnsp_federal_state_month"].built
    assert after["sesnsp_federal_state_month"].rows == 151_104
    assert after["sesnsp_federal_state_month"].period == "2012-01 - 2025-07"
    federal_file(fetched).write_text("x")
    damaged = {r.table: r for r in data_status(fetched.raw_dir, fetched.processed_dir)}
    assert damaged["sesnsp_federal_state_month"].raw == "damaged"
    log = json.loads((fetched.processed_dir / "build.json").read_text())
    assert log["sesnsp_federal_state_month"]["inputs"]["IDEFF_jul25.csv"] == FEDERAL.files[0].sha256


def test_load_table_errors(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match=r"bts_ports\.parquet is not built; run `cargorisk data fetch`"):
        load_table("bts_ports", tmp_path)
    with pytest.raises(InputError, match="unknown table 'nope'"):
        load_table("nope", tmp_path)
    with pytest.raises(InputError, match="unknown data source 'nope'"):
        select_sources(["nope"])


def test_table_with_undocumented_columns_is_refused() -> None:
    spec = SOURCES["bts_border_crossing_entry"].tables[1]
    with pytest.raises(DataSourceError, match="documented"):
        build_module.check_columns(pd.DataFrame({"x": [1]}), spec)


def test_mirror_copy_of_another_source_folder_fails_cleanly(mirror: Path, tmp_path: Path) -> None:
    fake = tmp_path / "mirror"
    shutil.copytree(mirror / "cbp_bwt_elpaso", fake / FEDERAL.id)
    with pytest.raises(DataSourceError, match="mirror has no file"):
        fetch_sources([FEDERAL], tmp_path / "raw", mirror=fake)
