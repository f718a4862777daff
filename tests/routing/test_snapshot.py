"""Router snapshots (issue 18, start-up speed): a router read back plans exactly like the one
built, the key follows every input, and a missing, corrupt or unwritable snapshot only costs a
rebuild."""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from cargorisk.config import Settings
from cargorisk.routing.snapshot import (
    GraphFile,
    load_router,
    prune,
    read_snapshot,
    save_snapshot,
    snapshot_key,
)

LANES = [
    ("Monterrey, NL", "Dallas, TX", "2026-12-01T06:00", "general"),
    ("Guadalajara", "Phoenix, AZ", "2026-12-05T22:00", "electronics"),
    ("Houston, TX", "Puebla", "2026-12-06T02:00", "general"),
]


@pytest.fixture(scope="module")
def snapshots(trained: Settings) -> tuple:
    """A router built (and saved) and the same router read back from its snapshot."""
    key = snapshot_key(trained, 2025)
    for name in (f"router-{key}.pickle", f"graph-{key}.pickle"):
        (trained.cache_dir / name).unlink(missing_ok=True)
    built = load_router(trained, 2025)
    assert (trained.cache_dir / f"router-{key}.pickle").is_file()
    return built, load_router(trained, 2025), key


def test_snapshot_plans_like_the_built_router(snapshots: tuple) -> None:
    built, read, _ = snapshots
    assert isinstance(read.engine._graph, GraphFile)  # the graph is not read to plan
    for origin, destination, depart, cargo in LANES:
        ask = {"depart": depart, "cargo_type": cargo, "pareto": cargo != "general"}
        a, b = built.plan(origin, destination, **ask), read.plan(origin, destination, **ask)
        assert a.to_json() == b.to_json()
        assert a.recommended.line.equals(b.recommended.line)
    assert isinstance(read.engine._graph, GraphFile)
    assert read.gazetteer.suggest("Monterr") == built.gazetteer.suggest("Monterr")


def test_snapshot_reads_its_graph_on_first_use(snapshots: tuple) -> None:
    built, read, _ = snapshots
    graph = read.graph
    assert isinstance(graph, nx.MultiDiGraph) and read.engine.graph is graph
    assert graph.number_of_edges() == built.graph.number_of_edges()
    edges = built.engine.edges[:: len(built.engine.edges) // 50]
    assert [graph.edges[e]["theft_prob"] for e in edges] == [
        built.graph.edges[e]["theft_prob"] for e in edges
    ]


def test_snapshot_key_follows_every_input(trained: Settings, tmp_path: Path) -> None:
    key = snapshot_key(trained, 2025)
    assert snapshot_key(trained, 2025) == key
    assert snapshot_key(trained, 2024) != key
    assert snapshot_key(dataclasses.replace(trained, max_time_ratio=1.4), 2025) != key
    models = tmp_path / "models"
    shutil.copytree(trained.models_dir, models)
    copied = dataclasses.replace(trained, models_dir=models)
    before = snapshot_key(copied, 2025)
    card = models / "theft_risk.card.json"
    text = card.read_bytes()
    card.write_bytes(text.replace(b"{", b" ", 1) if text.startswith(b"{") else text + b" ")  # same size
    os.utime(card, ns=(0, 0))  # and an old date: the content decides, not the date
    assert snapshot_key(copied, 2025) != before


def test_corrupt_or_missing_snapshot_is_rebuilt(
    trained: Settings, national: nx.MultiDiGraph, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "router-x.pickle"
    broken.write_bytes(b"\x80\x05not a pickle")
    with caplog.at_level(logging.INFO, logger="cargorisk"):
        assert read_snapshot(broken, GraphFile(tmp_path / "graph-x.pickle", trained, 2025)) is None
    assert "unreadable" in caplog.text
    assert read_snapshot(tmp_path / "absent.pickle", GraphFile(tmp_path / "g", trained, 2025)) is None
    graph = GraphFile(tmp_path / "graph-gone.pickle", trained, 2025)()  # rebuilt from the data
    assert graph.number_of_edges() == national.number_of_edges()
    assert all("theft_prob" in d for *_, d in graph.edges(data=True))


def test_unwritable_cache_is_a_warning_not_an_error(
    snapshots: tuple, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    built, _, key = snapshots
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING, logger="cargorisk"):
        assert save_snapshot(built, blocker, key) == "not saved"
    assert "router snapshot not saved" in caplog.text and "cannot write" in caplog.text


def test_prune_keeps_the_newest(tmp_path: Path) -> None:
    for i in range(6):
        for kind in ("router", "graph"):
            path = tmp_path / f"{kind}-{i}.pickle"
            path.write_bytes(b"x")
            os.utime(path, (1000 + i, 1000 + i))
    prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "graph-4.pickle", "graph-5.pickle", "router-4.pickle", "router-5.pickle",
    ]  # fmt: skip


def test_cli_reads_the_snapshot(trained: Settings, snapshots: tuple) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARGORISK_")} | {
        "CARGORISK_DATA_DIR": str(trained.data_dir),
        "CARGORISK_MODELS_DIR": str(trained.models_dir),
    }
    command = [sys.executable, "-m", "cargorisk.cli", "-v", "route", "Monterrey, NL", "Dallas, TX"]
    done = subprocess.run(
        [*command, "--depart", "2026-12-01T06:00"], check=False, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "read the router snapshot done" in done.stderr and "from " in done.stderr
    assert "save the router snapshot" not in done.stderr
    plan = snapshots[0].plan("Monterrey, NL", "Dallas, TX", depart="2026-12-01T06:00")
    assert f"{plan.recommended.km:,.0f}" in done.stdout
    assert np.isfinite(plan.recommended.theft_prob)
