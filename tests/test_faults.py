"""Faults: processes killed mid-run leave no corrupt artifact and a rerun completes; two
training processes at once leave a loadable model."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cargorisk.config import Settings
from cargorisk.risk.features import FEATURES
from cargorisk.risk.model import load_model
from cargorisk.routing import Router

EXE = str(Path(sys.executable).with_name("cargorisk"))


def start(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([EXE, "-q", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_killed_score_lanes_leaves_no_output_and_rerun_completes(
    trained: Settings, router: Router, tmp_path: Path
) -> None:
    env = {**os.environ, "CARGORISK_MODELS_DIR": str(trained.models_dir)}
    n = 600_000
    idx = np.arange(n)
    source = tmp_path / "book.csv"
    pd.DataFrame(
        {
            "lane_id": idx,
            "origin": np.where(idx % 2, "Monterrey, NL", "Saltillo"),
            "destination": "Dallas, TX",
        }
    ).to_csv(source, index=False)
    out = tmp_path / "scored.parquet"
    args = [
        "--data-dir",
        str(trained.data_dir),
        "score-lanes",
        str(source),
        "-o",
        str(out),
        "--chunk-size",
        "50000",
    ]
    proc = start(args, env)
    time.sleep(6)
    assert proc.poll() is None, "finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists()  # nothing half-written at the final path (SIGKILL leaves a hidden temp)
    assert subprocess.run([EXE, "-q", *args], env=env, check=False).returncode == 0
    assert len(pd.read_parquet(out, columns=["status"])) == n
    assert not list(tmp_path.glob(".*.tmp"))  # the rerun removed the dead writer's temp


def test_killed_and_concurrent_training(trained: Settings, router: Router, tmp_path: Path) -> None:
    models = tmp_path / "models"
    env = {**os.environ, "CARGORISK_MODELS_DIR": str(models)}
    args = ["--data-dir", str(trained.data_dir), "train"]
    proc = start(args, env)
    time.sleep(2.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    leftovers = [p.name for p in models.rglob("*.tmp")] if models.exists() else []
    assert leftovers == []
    both = [start(args, env), start(args, env)]  # two trainings racing on the same files
    assert [p.wait() for p in both] == [0, 0], [p.stderr.read() for p in both]
    settings = Settings(data_dir=trained.data_dir, models_dir=models)
    model, card = load_model(settings.models_dir / "theft_risk", expected_features=FEATURES)
    assert card["features"] == FEATURES and model.booster_ is not None
