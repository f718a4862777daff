"""Router snapshots: a built router saved to disk, so a new process plans in about a second.

Building the national router takes about five seconds (the graph is read, theft risk is
attached to its 75,000 edges, the graph is compiled, the gazetteer indexed), all of it derived
from files. The first process saves what it built under ``settings.cache_dir`` and later
processes read it back:

- ``router-<key>.pickle``: the router without its road graph: the compiled arrays, the
  gazetteer, the wait model and costs; edge geometries are kept as one coordinate array
  (:class:`~cargorisk.routing.edge_lines.EdgeLines`), which reads about 40 times faster than
  pickled geometries, and lines are made only for the edges a route asks for;
- ``graph-<key>.pickle``: the risk-attached road graph, read only when something needs it (an
  area constraint; maps draw from the router's arrays) and rebuilt from the data if it has gone
  missing.

``key`` is a SHA-256 over everything a router is built from: the contents of the built tables,
the models and the corridor network files, the settings (all but the folders, whose
contents count), the year, the Python version and the
package's own source. A retrain, a data rebuild, a changed setting or an upgrade therefore
builds a new snapshot; nothing is trusted by date. Writes are atomic; a snapshot that cannot be
read is rebuilt; the :data:`KEEP` newest are kept. A snapshot that cannot be saved (a read-only
or full disk) costs the next process the build again, never an error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import io
import logging
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

from cargorisk._io import atomic_path
from cargorisk._log import stage
from cargorisk.config import FOLDERS, Settings, network_dir
from cargorisk.errors import CargoRiskError
from cargorisk.routing.edge_lines import EdgeLines
from cargorisk.routing.router import Router

log = logging.getLogger("cargorisk")

if TYPE_CHECKING:
    import networkx as nx

FORMAT = 2  # bump when what a snapshot holds changes in a way the source hash would not show
LINESTRING = 1  # shapely's type id of a LineString (a LinearRing is 2)
KEEP = 4  # snapshots kept (e.g. two years or two settings in use)
PACKAGE = Path(__file__).resolve().parents[1]


def snapshot_key(settings: Settings, year: int) -> str:
    """The checksum naming a router's snapshot (see the module docstring)."""
    values = {
        f.name: getattr(settings, f.name) for f in dataclasses.fields(settings) if f.name not in FOLDERS
    }
    digest = hashlib.sha256(repr((FORMAT, sys.version_info[:2], year, values)).encode())
    for folder, pattern in (
        (settings.processed_dir, "*"),
        (settings.models_dir, "**/*"),
        (network_dir(settings), "*"),
        (PACKAGE, "**/*.py"),
    ):
        for path in sorted(folder.glob(pattern)):
            if path.is_file():
                digest.update(path.name.encode())
                with path.open("rb") as fh:
                    digest.update(hashlib.file_digest(fh, "sha256").digest())
    return digest.hexdigest()[:24]


def load_router(settings: Settings, year: int) -> Router:
    """The router for ``settings`` and ``year``: read from its snapshot when one exists for the
    current inputs, else built (:meth:`~cargorisk.routing.Router.build`) and saved."""
    key = snapshot_key(settings, year)
    path = settings.cache_dir / f"router-{key}.pickle"
    with stage("read the router snapshot") as note:
        found = read_snapshot(path, GraphFile(path.with_name(f"graph-{key}.pickle"), settings, year))
        note["result"] = f"from {path}" if found is not None else "none for these inputs: building it"
    if found is not None:
        return found
    router = Router.build(settings, year)
    with stage("save the router snapshot") as note:
        note["result"] = save_snapshot(router, settings.cache_dir, key)
    return router


class GraphFile:
    """A snapshot's road graph, read on first use; rebuilt from the data if the file is gone."""

    def __init__(self, path: Path, settings: Settings, year: int) -> None:
        self.path, self.settings, self.year = path, settings, year

    def __call__(self) -> object:
        """The risk-attached road graph."""
        try:
            with self.path.open("rb") as fh, collector_paused():
                return read_graph(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError) as exc:
            log.info("snapshot graph %s unreadable (%s); rebuilding it", self.path, exc)
        from cargorisk.network import load_network  # noqa: PLC0415
        from cargorisk.risk import risk_network  # noqa: PLC0415

        return risk_network(self.settings, load_network(settings=self.settings), self.year)


class GraphWriter(pickle.Pickler):
    """Pickles a road graph with its edge lines by reference to one coordinate array written
    before it (:func:`write_graph`): 75,000 pickled geometries took 0.6 s to read back, the
    array 0.1 s."""

    def __init__(self, file: io.BufferedIOBase, lines: dict[int, int]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.lines = lines

    def persistent_id(self, obj: object) -> tuple | None:
        """An edge line by its place in the array."""
        found = self.lines.get(id(obj))
        return None if found is None else ("line", found)


class GraphReader(pickle.Unpickler):
    """Reads what :class:`GraphWriter` wrote, with the lines made from the array."""

    def __init__(self, file: io.BufferedIOBase, lines: np.ndarray) -> None:
        super().__init__(file)
        self.lines = lines

    def persistent_load(self, pid: tuple) -> object:
        """An edge line by its place in the array."""
        if pid[0] == "line":
            return self.lines[pid[1]]
        msg = f"unknown reference in graph snapshot: {pid[0]!r}"
        raise pickle.UnpicklingError(msg)


def write_graph(graph: nx.MultiDiGraph, fh: io.BufferedIOBase) -> None:
    """Pickle ``graph`` to ``fh``: its edges' LineStrings as one
    :class:`~cargorisk.routing.edge_lines.EdgeLines`, then the graph referring to them."""
    lines = {
        id(line): line
        for *_, d in graph.edges(data=True)
        if (line := d.get("geometry")) is not None and shapely.get_type_id(line) == LINESTRING
    }
    pickle.dump(EdgeLines.of(list(lines.values())), fh, protocol=pickle.HIGHEST_PROTOCOL)
    GraphWriter(fh, {key: i for i, key in enumerate(lines)}).dump(graph)


def read_graph(fh: io.BufferedIOBase) -> nx.MultiDiGraph:
    """The graph :func:`write_graph` wrote."""
    lines = pickle.load(fh)
    if not isinstance(lines, EdgeLines):
        msg = "not a graph snapshot"
        raise pickle.UnpicklingError(msg)
    return GraphReader(fh, lines[np.arange(len(lines))]).load()


class SnapshotWriter(pickle.Pickler):
    """Pickles a router with its graph left out."""

    def __init__(self, file: io.BufferedIOBase, router: Router) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.graph = router.engine.graph

    def persistent_id(self, obj: object) -> tuple | None:
        """The graph by reference (see :class:`SnapshotReader`)."""
        return ("graph",) if obj is self.graph else None


class SnapshotReader(pickle.Unpickler):
    """Reads a snapshot: the graph becomes a :class:`GraphFile`."""

    def __init__(self, file: io.BufferedIOBase, graph: GraphFile) -> None:
        super().__init__(file)
        self.graph = graph

    def persistent_load(self, pid: tuple) -> object:
        """The objects :meth:`SnapshotWriter.persistent_id` stored by reference."""
        if pid[0] == "graph":
            return self.graph
        msg = f"unknown reference in router snapshot: {pid[0]!r}"
        raise pickle.UnpicklingError(msg)


def read_snapshot(path: Path, graph: GraphFile) -> Router | None:
    """The router saved at ``path``, or None when there is none or it cannot be read."""
    try:
        with path.open("rb") as fh, collector_paused():
            return SnapshotReader(fh, graph).load()
    except FileNotFoundError:
        return None
    except Exception as exc:
        log.info("router snapshot %s unreadable (%s); rebuilding it", path, exc)
        return None


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Garbage collection paused while a snapshot is read (its hundreds of thousands of new
    objects would trigger a dozen full collections, a third of the read), then the objects
    alive at that point moved out of the collector's reach (:func:`gc.freeze`): a router lives
    as long as its process, and later collections need not walk it again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.freeze()


def save_snapshot(router: Router, folder: Path, key: str) -> str:
    """Save ``router`` (built, no search run yet) and its graph under ``folder``; what happened,
    for the log. Failing to save is logged, never raised."""
    try:
        with atomic_path(folder / f"graph-{key}.pickle") as tmp, tmp.open("wb") as fh:
            write_graph(router.engine.graph, fh)
        with atomic_path(folder / f"router-{key}.pickle") as tmp, tmp.open("wb") as fh:
            SnapshotWriter(fh, router).dump(router)
    except (CargoRiskError, OSError, pickle.PicklingError, TypeError) as exc:
        log.warning("router snapshot not saved (%s); the next run builds the router again", exc)
        return "not saved"
    prune(folder)
    return f"saved in {folder}"


def prune(folder: Path, keep: int = KEEP) -> None:
    """Remove all but the ``keep`` newest snapshots (router and graph files); another process
    pruning at the same time is harmless."""
    try:
        routers = sorted(folder.glob("router-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in routers[keep:]:
            for path in (old, folder / old.name.replace("router-", "graph-", 1)):
                path.unlink(missing_ok=True)
    except OSError as exc:
        log.info("router snapshots in %s not pruned (%s)", folder, exc)
