"""cargorisk doctor: says what is wrong and exactly what to run."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from cargorisk.cli import main
from cargorisk.config import Settings
from cargorisk.routing import Router


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().out


def test_doctor_states(
    trained: Settings,
    router: Router,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(trained.models_dir))
    code, out = run(["--data-dir", str(trained.data_dir), "doctor"], capsys)
    assert code == 0 and "ok    theft model" in out and "ok    border wait model" in out
    assert re.search(r"ok    road graph +national: [\d,]+ nodes, [\d,]+ edges, 22 ports", out)
    code, out = run(["--data-dir", str(tmp_path / "empty"), "doctor"], capsys)
    assert code == 1 and "fail  data" in out and "-> run: cargorisk data fetch" in out
    models = tmp_path / "models"
    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(models))
    code, out = run(["--data-dir", str(trained.data_dir), "doctor"], capsys)
    assert code == 1 and "fail  theft model" in out and "-> run: cargorisk train" in out
    shutil.copytree(trained.models_dir, models, dirs_exist_ok=True)
    card_path = models / "theft_risk.card.json"
    card = json.loads(card_path.read_text())
    card["network"]["name"] = "cargorisk corridor"  # a model from before the national graph
    card_path.write_text(json.dumps(card))
    code, out = run(["--data-dir", str(trained.data_dir), "doctor"], capsys)
    assert code == 1 and "trained on the 'cargorisk corridor' network" in out and "cargorisk train" in out
    (models / "theft_risk.txt").write_text("damaged")
    code, out = run(["--data-dir", str(trained.data_dir), "doctor"], capsys)
    assert code == 1 and "does not match its card" in out


def test_train_into_an_unwritable_models_folder(
    trained: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARGORISK_MODELS_DIR", "/proc/not/writable")
    assert main(["--data-dir", str(trained.data_dir), "train"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: InputError: cannot write /proc/not/writable/") and err.count("\n") == 1


def test_verbose_says_what_each_stage_did_and_how_long(
    trained: Settings, router: Router, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging  # noqa: PLC0415

    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(trained.models_dir))
    caplog.set_level(logging.INFO)
    assert main(["-v", "--data-dir", str(trained.data_dir), "route", "Monterrey, NL", "Dallas, TX"]) == 0
    done = [r.getMessage() for r in caplog.records if " done in " in r.getMessage()]
    assert any(m.startswith("plan routes done in") and "Pareto points" in m for m in done)
    assert any(m.startswith("load network, risk, wait model and costs done in") for m in done)
