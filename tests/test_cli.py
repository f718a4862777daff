"""The command line: real commands, one-line errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cargorisk.cli import main
from cargorisk.config import Settings


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed console script as a user would."""
    exe = Path(sys.executable).with_name("cargorisk")
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, check=False, env={**os.environ, "COLUMNS": "200"}
    )


def test_fetch_build_status_through_the_console_script(mirror: Path, tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    fetched = run("--data-dir", data, "data", "fetch", "--mirror", str(mirror), "cbp_bwt_elpaso")
    assert fetched.returncode == 0, fetched.stderr
    assert "copied" in fetched.stdout
    assert "elpaso_border_wait_times.csv" in fetched.stdout
    built = run("--data-dir", data, "data", "build", "cbp_bwt_elpaso")
    assert built.returncode == 0, built.stderr
    assert "cbp_wait_profile" in built.stdout
    assert "30,912 rows" in built.stdout
    status = run("--data-dir", data, "data", "status")
    assert status.returncode == 0
    line = next(x for x in status.stdout.splitlines() if "cbp_wait_profile" in x)
    assert line.split()[2:5] == ["ok", "yes", "30,912"]
    assert "1 of 25 tables built" in status.stdout


def test_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = run("--data-dir", str(tmp_path), "data", "build", "bts_border_crossing_entry")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: DataSourceError: raw file ")
    assert "run `cargorisk data fetch bts_border_crossing_entry`" in result.stderr
    assert "Traceback" not in result.stderr


def test_quiet_and_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "-v", "--data-dir", str(tmp_path), "data", "status"]) == 0
    quiet = capsys.readouterr()
    assert "tm_routes" in quiet.out and quiet.err == ""  # the answer, without -v's logs
    assert main(["data", "fetch", "--no-such-flag"]) == 2
    assert "No such option" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path), "data", "fetch", "nope"]) == 1
    assert "unknown data source 'nope'" in capsys.readouterr().err


def test_bad_environment_setting_is_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARGORISK_CARGO_VALUE_USD", "a lot")
    assert main(["data", "status"]) == 1
    assert "CARGORISK_CARGO_VALUE_USD='a lot' is not a number" in capsys.readouterr().err


def test_settings_reach_commands(tmp_path: Path, mirror: Path) -> None:
    assert (
        main(
            [
                "-q",
                "--data-dir",
                str(tmp_path),
                "data",
                "fetch",
                "--mirror",
                str(mirror),
                "mx_geo_isaacarroyov",
            ]
        )
        == 0
    )
    assert (Settings(data_dir=tmp_path).raw_dir / "manifest.json").exists()


def test_works_from_any_folder(
    trained: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """From a folder outside the checkout: with the folders given, the same answer; without,
    a one-line message naming the folder it looked in and how to point elsewhere."""
    monkeypatch.chdir(tmp_path)
    for name in ("CARGORISK_HOME", "CARGORISK_DATA_DIR", "CARGORISK_MODELS_DIR", "CARGORISK_MAPS_DIR"):
        monkeypatch.delenv(name, raising=False)
    folders = ["--data-dir", str(trained.data_dir), "--models-dir", str(trained.models_dir)]
    request = ["route", "Monterrey, NL", "Dallas, TX", "--depart", "2026-03-02T06:00", "--json"]
    assert main([*folders, "--maps-dir", "out", *request, "--map", "m.html"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out[: out.rindex("}") + 1])["recommended"]["crossing"] == "World Trade Bridge"
    assert (tmp_path / "m.html").is_file()
    monkeypatch.setattr("platformdirs.user_data_path", lambda _: tmp_path / "user")
    assert main(request) == 1
    err = capsys.readouterr().err
    assert str(tmp_path / "user" / "data") in err and "--home" in err and len(err.strip().splitlines()) == 1


def test_quiet_route_prints_the_answer_and_says_what_departure_it_assumed(
    trained: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(trained.models_dir))
    folders = ["-q", "--data-dir", str(trained.data_dir)]
    assert main([*folders, "route", "Monterrey, NL", "Dallas, TX", "--objective", "FASTEST"]) == 0
    out = capsys.readouterr().out
    assert "objective fastest; no departure given: typical border waits" in out and "recommended" in out
