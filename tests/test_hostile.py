"""The hostile-input audit (issue 18): each finding is a command or call that now gives the right
answer or a one-line error, never a traceback, a wrong row marked "ok" or a clobbered file."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cargorisk
from cargorisk._io import atomic_path
from cargorisk.batch import score_file
from cargorisk.cli import main
from cargorisk.config import Settings
from cargorisk.errors import InputError
from cargorisk.routing import Router
from cargorisk.viz.maps import esc

DALLAS = ("Monterrey, NL", "Dallas, TX")


def one_line_error(capsys: pytest.CaptureFixture[str], code: int) -> str:
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1, err
    return err


def test_null_cells_never_put_answers_on_other_rows(router: Router, tmp_path: Path) -> None:
    """Finding 1: a null in any request column made rows share a key (4 of 5 rows wrong, "ok")."""
    lanes = pd.DataFrame(
        {
            "lane_id": ["L1", "L2", "L3", "L4", "L5"],
            "origin": ["Monterrey, NL", "Saltillo", None, "Querétaro", "Saltillo"],
            "destination": ["Dallas, TX", "Laredo, TX", "Laredo, TX", "Nuevo Laredo", "Laredo, TX"],
            "cargo_value": [250_000, np.nan, 100_000, None, 5_000],
            "depart": [pd.NaT, "2026-03-02T06:00", None, np.nan, "2026-03-02T06:00"],
        }
    )
    lanes.assign(depart=lanes["depart"].replace({pd.NaT: None})).to_parquet(tmp_path / "l.parquet")
    from_parquet = pd.read_parquet(tmp_path / "l.parquet")
    for scored in (cargorisk.score_lanes(lanes, router), cargorisk.score_lanes(from_parquet, router)):
        ok = scored[scored["status"] == "ok"].set_index("lane_id")
        assert (
            set(ok.index) == {"L1", "L2", "L4", "L5"}
            and "empty" in scored.set_index("lane_id").loc["L3", "error"]
        )
        for lane in lanes.itertuples(index=False):
            if lane.lane_id in ok.index:
                assert ok.loc[lane.lane_id, "destination_name"].startswith(lane.destination.split(",")[0])
        assert ok.loc["L5", "cargo_value_usd"] == 5_000 and ok.loc["L2", "cargo_value_usd"] == 100_000


def test_map_text_cannot_run_in_a_template_literal() -> None:
    """Finding 2: `${...}` in a label ran inside folium's tooltip template literal."""
    text = esc("Monterrey ${document.title='PWNED'} `x` \\u0041 <b>")
    assert "${" not in text and "`" not in text and "\\" not in text and "<b>" not in text
    assert "&#36;{document.title=&#x27;PWNED&#x27;}" in text


@pytest.mark.parametrize("special", ["/dev/full", "/dev/null"])
def test_writes_never_replace_special_files(special: str) -> None:
    """Finding 3: temp file + rename swapped a device node for a regular file."""
    before = Path(special).stat().st_rdev
    with (
        pytest.raises(InputError, match=f"cannot write {special}: it is not a regular file"),
        atomic_path(Path(special)),
    ):
        pytest.fail("the block must not run")
    assert Path(special).stat().st_rdev == before and Path(special).is_char_device()


def test_writes_refuse_directories_and_report_a_full_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InputError, match="it is a directory"), atomic_path(tmp_path):
        pass
    target = tmp_path / "out.json"

    def full(*_: object, **__: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    with (
        pytest.raises(
            InputError, match=r"cannot write .*out\.json: No space left on device; free some space"
        ),
        atomic_path(target) as tmp,
    ):
        tmp.write_bytes(b"x")
    assert not target.exists() and not list(tmp_path.glob("*.tmp"))  # no partial file


def test_score_lanes_never_overwrites_its_input(trained: Settings, tmp_path: Path) -> None:
    book = tmp_path / "l.csv"
    book.write_text('lane_id,origin,destination\nA,"Monterrey, NL","Dallas, TX"\n')
    before = book.read_bytes()
    with pytest.raises(InputError, match="would overwrite its input"):
        score_file(book, tmp_path / "." / "l.csv", settings=trained)
    assert book.read_bytes() == before


@pytest.mark.parametrize(
    ("depart", "message"),
    [("9999-12-31T23:59+00:00", "out of range"), ("0001-01-01T00:00+00:00", "out of range")],
)
def test_far_dates_are_one_line_errors_and_per_row_in_a_book(
    router: Router, depart: str, message: str
) -> None:
    """Finding 4: far dates overflowed the schedule (a traceback; in a book, the whole batch)."""
    with pytest.raises(InputError, match=message):
        router.plan(*DALLAS, depart=depart)
    lanes = pd.DataFrame(
        {"lane_id": ["bad", "good"], "origin": [DALLAS[0]] * 2, "destination": [DALLAS[1]] * 2,
         "depart": [depart, "2026-03-02T06:00-06:00"]}
    )  # fmt: skip
    scored = cargorisk.score_lanes(lanes, router)
    assert list(scored["status"]) == ["error", "ok"] and message in scored["error"].iloc[0]


@pytest.mark.parametrize("value", [1e308, 10**400, True, float("inf"), -1, "lots"])
def test_money_is_a_bounded_number(router: Router, value: object) -> None:
    """Finding 5: 1e308 printed a 300-digit loss, True was USD 1, 10**400 crashed the API."""
    with pytest.raises(InputError, match="cargo value"):
        router.plan(*DALLAS, cargo_value=value)


def test_live_feed_readings_and_files_are_checked(
    trained: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Findings 5 and 6: a negative delay gave a negative total; /dev/zero and a FIFO as --waits
    read forever or hung."""
    from cargorisk.border import read_live_waits  # noqa: PLC0415

    feed = [{"port_number": "230401", "border": "Mexican Border", "crossing_name": "World Trade Bridge",
             "commercial_vehicle_lanes": {"standard_lanes": {"delay_minutes": "-999", "lanes_open": "4",
                                                             "operational_status": "delay", "update_time":
                                                             "At 8:00 am CST"}},
             "date": "03/02/2026"}]  # fmt: skip
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed))
    assert read_live_waits(path)["delay_min"].isna().all()  # not a reading
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(trained.models_dir))
    data = ["--data-dir", str(trained.data_dir)]
    for bad, message in (("/dev/zero", "not a regular file"), (str(fifo), "not a regular file"),
                         (str(tmp_path), "not a regular file")):  # fmt: skip
        err = one_line_error(capsys, main([*data, "route", *DALLAS, "--waits", bad]))
        assert message in err


def test_cli_ranges(
    trained: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding 5: --top -5 printed all but five roads; --year 2016 was accepted."""
    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(trained.models_dir))
    data = ["--data-dir", str(trained.data_dir)]
    assert main([*data, "risk", "edges", "--year", "2025", "--top", "-5"]) == 2
    assert "-5" in capsys.readouterr().err
    assert "choose a year from" in one_line_error(capsys, main([*data, "risk", "states", "--year", "2016"]))


def test_repeated_header_is_a_one_line_error(trained: Settings, tmp_path: Path) -> None:
    book = tmp_path / "l.csv"
    book.write_text('lane_id,origin,origin,destination\nA,"Monterrey, NL",Saltillo,"Dallas, TX"\n')
    with pytest.raises(InputError, match=r"\['origin'\] more than once"):
        score_file(book, tmp_path / "o.csv", settings=trained)


def test_csv_cells_cannot_run_as_formulas_or_split_rows(
    router: Router, trained: Settings, tmp_path: Path
) -> None:
    """Finding 7: formula cells were written verbatim; a CR inside lane_id split the row."""
    ids = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "@SUM(A1)", "a\rb", "-2+3", "\tTAB"]
    lanes = pd.DataFrame({"lane_id": ids, "origin": [DALLAS[0]] * 6, "destination": [DALLAS[1]] * 6})
    lanes.to_parquet(tmp_path / "l.parquet")
    score_file(tmp_path / "l.parquet", tmp_path / "o.csv", settings=trained)
    back = pd.read_csv(tmp_path / "o.csv", dtype=str)
    assert len(back) == 6  # no row split
    assert all(not v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in back["lane_id"])
    assert list(back["lane_id"]) == [f"'{v}" if v[0] in "=+-@\t\r" else v for v in ids]


def test_ragged_and_odd_rows_are_row_errors_not_lost_chunks(
    trained: Settings, router: Router, tmp_path: Path
) -> None:
    """Finding 4: a CSV row with an extra field raised ParserError (with --chunk-size 500 and the
    bad line at 1,502, 1,500 scored rows were thrown away); bytes or list cells in Parquet and a
    corrupt Parquet file raised tracebacks."""
    lines = ["lane_id,origin,destination"] + [f'L{i},Saltillo,"Monterrey, NL"' for i in range(1, 1501)]
    lines.insert(1501, 'BAD,Saltillo,"Monterrey, NL",extra')
    book = tmp_path / "l.csv"
    book.write_text("\n".join(lines) + "\n")
    counts = score_file(book, tmp_path / "o.csv", settings=trained, chunk_size=500)
    assert counts == {"rows": 1501, "ok": 1500, "failed": 1}
    out = pd.read_csv(tmp_path / "o.csv", dtype=str).set_index("lane_id")
    assert "line 1502 has 4 fields, the header 3" in out.loc["BAD", "error"]
    odd = pd.DataFrame({"lane_id": ["b", "l", "ok"], "origin": [b"Saltillo", "Saltillo", "Saltillo"],
                        "destination": ["Monterrey, NL", ["Monterrey"], "Monterrey, NL"]})  # fmt: skip
    scored = cargorisk.score_lanes(odd.astype(object), router)
    assert list(scored["status"]) == ["error", "error", "ok"]
    assert (
        "origin holds bytes" in scored["error"].iloc[0]
        and "destination holds list" in scored["error"].iloc[1]
    )
    broken = tmp_path / "broken.parquet"
    pd.DataFrame({"lane_id": ["a"], "origin": ["x"], "destination": ["y"]}).to_parquet(broken)
    broken.write_bytes(broken.read_bytes()[:-40])  # truncated
    with pytest.raises(InputError, match="is not a readable Parquet file"):
        score_file(broken, tmp_path / "b.csv", settings=trained)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda card: {**card, "default_predictor": "crystal_ball"},
            "unknown default predictor 'crystal_ball'",
        ),
        (lambda card: 5, "is not a model card"),
    ],
)
def test_edited_model_card_is_a_model_file_error(
    trained: Settings, national: object, tmp_path: Path, edit: object, message: str
) -> None:
    """Finding 4: an edited card (unknown default predictor, replaced by `5`) raised a traceback."""
    import shutil  # noqa: PLC0415

    from cargorisk.errors import ModelFileError  # noqa: PLC0415
    from cargorisk.risk import predict_states  # noqa: PLC0415

    models = tmp_path / "models"
    shutil.copytree(trained.models_dir, models)
    card_path = models / "theft_risk.card.json"
    card_path.write_text(json.dumps(edit(json.loads(card_path.read_text()))))
    settings = Settings.from_env(data_dir=trained.data_dir, models_dir=models)
    with pytest.raises(ModelFileError, match=message):
        predict_states(settings, national, 2025)


@pytest.mark.parametrize(
    ("field", "value"), [("elasticity", float("nan")), ("volumes", -5.0), ("levels", float("inf"))]
)
def test_edited_wait_model_is_a_model_file_error(
    trained: Settings, tmp_path: Path, field: str, value: float
) -> None:
    """Finding 5: a NaN elasticity printed "nan min" and then crashed `route`; negative volumes
    gave 0-minute waits."""
    from cargorisk.border import load_wait_model  # noqa: PLC0415
    from cargorisk.errors import ModelFileError  # noqa: PLC0415

    doc = json.loads((trained.models_dir / "border_waits.json").read_text())
    if field == "elasticity":
        doc[field] = value
    else:
        doc[field] = dict.fromkeys(doc[field], value)
    path = tmp_path / "border_waits.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match=f"invalid {field}"):
        load_wait_model(path)


def test_negative_edge_multiplier_is_a_model_file_error(
    trained: Settings, national: object, tmp_path: Path
) -> None:
    """Finding 5: an edge-risk multiplier of -5 gave P(theft) 0."""
    from cargorisk.errors import ModelFileError  # noqa: PLC0415
    from cargorisk.risk.edges import load_multipliers  # noqa: PLC0415

    models = tmp_path / "models"
    models.mkdir()
    u, v = next(iter(national.edges()))
    pd.DataFrame(
        {"u": [u], "v": [v], "state": ["x"], "km": [1.0], "density": [1.0], "multiplier": [-5.0]}
    ).to_parquet(models / "edge_risk.parquet")
    with pytest.raises(ModelFileError, match="negative or not finite"):
        load_multipliers(Settings.from_env(data_dir=trained.data_dir, models_dir=models), national)


ORPHAN = """
import multiprocessing, os, sys, time
from cargorisk.batch import exit_with_parent

def child(parent):
    exit_with_parent(parent, every_s=0.2)
    time.sleep(600)

if __name__ == "__main__":
    p = multiprocessing.get_context("spawn").Process(target=child, args=(os.getpid(),))
    p.start()
    print(p.pid, flush=True)
    time.sleep(600)
"""


def test_workers_exit_when_their_parent_is_killed(tmp_path: Path) -> None:
    """Finding 6: `kill -9` of a `score-lanes --jobs 2` parent left ~490 MB workers running."""
    import signal  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415
    import time  # noqa: PLC0415

    script = tmp_path / "orphan.py"
    script.write_text(ORPHAN)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    # the spawned worker may still be importing cargorisk when its parent dies (seconds on a
    # loaded machine) and only then watch it: a minute's grace (it would otherwise live 600 s)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        try:
            with open(f"/proc/{child}/stat") as stat:  # noqa: PTH123
                if stat.read().split()[2] == "Z":  # exited, waiting to be reaped
                    break
        except FileNotFoundError:  # exited and reaped since
            break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the worker outlived its parent by 60 s")


def test_worker_death_and_unreachable_scheduler_are_one_line(
    trained: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 4: a dead worker raised BrokenProcessPool; an unreachable Dask scheduler took
    30 s and then an OSError traceback."""
    from concurrent.futures.process import BrokenProcessPool  # noqa: PLC0415

    from cargorisk import batch  # noqa: PLC0415
    from cargorisk.errors import CargoRiskError  # noqa: PLC0415

    book = tmp_path / "l.csv"
    book.write_text('lane_id,origin,destination\nA,Saltillo,"Monterrey, NL"\n')
    monkeypatch.setattr(batch, "SCHEDULER_TIMEOUT_S", 2)
    with pytest.raises(InputError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"):
        score_file(book, tmp_path / "o.csv", settings=trained, engine="dask", scheduler="tcp://127.0.0.1:9")

    def broken(*_: object, **__: object) -> None:
        raise BrokenProcessPool

    monkeypatch.setattr(batch, "score_chunk", broken)
    with pytest.raises(CargoRiskError, match="a worker process stopped"):
        score_file(book, tmp_path / "o.csv", settings=trained)
    assert not (tmp_path / "o.csv").exists()
