"""Truck traffic on every Mexican road edge, from a gravity model assigned to the road graph.

No truck counts per road are in the data (SICT's *Datos Viales* could not be retrieved), yet a
theft rate is robberies per truck-km: a quiet mountain road and an autopista with ten times its
trucks cannot share one exposure. So traffic is modelled the way transport planners do without
counts:

* **Domestic trips** between Mexican municipalities: ``P_i P_j exp(-t_ij / T)`` (populations,
  CONAPO via the municipal table; ``t_ij`` the fastest travel time on the Mexican roads; ``T``
  the distance decay, in hours), from the :data:`ORIGINS` most populous origins to every
  municipality.
* **Cross-border trips**: each port's northbound trucks a year (BTS, last 12 months; as many
  again southbound), shared among its bridges, to or from Mexican municipalities in proportion
  to ``P_j exp(-t / T)``.

Every trip is assigned to its fastest path (all-or-nothing, Mexican roads only). Cross-border
trips keep their counted number; domestic trips are scaled so that all trips together drive
``Settings.mx_truck_km_per_year`` on Mexican roads. Local trips are not modelled, so every road
carries at least a floor: a quantile of the used roads' traffic (:func:`apply_floor`). Neither
``T`` nor the floor is set by hand: :func:`~cargorisk.risk.train.train_spread` picks, from
:data:`DECAYS_H` and :data:`FLOOR_QUANTILES`, the pair whose traffic lets the stretch model
place a validation year's municipal robberies best. The result ranks roads within a state
(the stretch multipliers of
:mod:`cargorisk.risk.attach`); the state totals of truck-km keep their class-weighted split.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix, identity
from scipy.sparse.csgraph import dijkstra
from scipy.sparse.linalg import spsolve_triangular
from scipy.spatial import cKDTree

from cargorisk.risk.spread import METRIC

ORIGINS = 150  # the most populous municipality nodes that send domestic trips
DECAYS_H = (1.0, 2.0, 5.0, 12.0)  # candidate distance decays T (hours)
FLOOR_QUANTILES = (0.1, 0.25, 0.5)  # candidate floors: a quantile of the used roads' traffic


@dataclass(frozen=True)
class RoadMatrix:
    """The Mexican roads as a sparse matrix of the fastest travel time between node pairs."""

    nodes: list
    matrix: csr_matrix
    pair_keys: np.ndarray  # sorted tail * n + head of every pair with an edge
    pair_km: np.ndarray  # length (km) of the fastest edge of each pair

    @classmethod
    def build(cls, graph: nx.MultiDiGraph) -> RoadMatrix:
        """From every edge with ``country == "MX"`` (fastest parallel edge per pair)."""
        rows = [(u, v, d["travel_time"], d["length"] / 1000) for u, v, d in graph.edges(data=True)
                if d.get("country") == "MX"]  # fmt: skip
        nodes = sorted({r[0] for r in rows} | {r[1] for r in rows}, key=str)
        index = {n: i for i, n in enumerate(nodes)}
        frame = pd.DataFrame(
            {"t": [index[r[0]] for r in rows], "h": [index[r[1]] for r in rows],
             "s": [r[2] for r in rows], "km": [r[3] for r in rows]}
        ).sort_values("s").drop_duplicates(["t", "h"])  # fmt: skip
        n = len(nodes)
        keys = frame["t"].to_numpy(np.int64) * n + frame["h"].to_numpy(np.int64)
        order = np.argsort(keys)
        tails, heads = frame["t"].to_numpy()[order], frame["h"].to_numpy()[order]
        matrix = csr_matrix((frame["s"].to_numpy()[order], (tails, heads)),
                            shape=(n, n))  # fmt: skip
        return cls(nodes, matrix, keys[order], frame["km"].to_numpy()[order])

    def pair_ids(self, tails: np.ndarray, heads: np.ndarray) -> np.ndarray:
        """Index into :attr:`pair_keys` of each (tail, head) node-index pair."""
        return np.searchsorted(self.pair_keys, tails.astype(np.int64) * len(self.nodes) + heads)


def zone_weights(graph: nx.MultiDiGraph, roads: RoadMatrix, zones: pd.DataFrame) -> pd.Series:
    """Population per road-matrix node: each municipality (``zones``: ``lon``, ``lat``,
    ``population``) on its nearest node."""
    lon = np.array([graph.nodes[n]["x"] for n in roads.nodes])
    lat = np.array([graph.nodes[n]["y"] for n in roads.nodes])
    tree = cKDTree(np.column_stack(METRIC.transform(lon, lat)))
    points = np.column_stack(METRIC.transform(zones["lon"].to_numpy(), zones["lat"].to_numpy()))
    _, nearest = tree.query(points)
    return pd.Series(zones["population"].to_numpy(dtype=float), index=nearest).groupby(level=0).sum()


def subtree_sums(pred: np.ndarray, dist: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Trips through each node of a shortest-path tree (``pred``, negative at the root and
    unreached nodes): its own demand plus its descendants'. Solves ``(I - A) s = d`` with
    ``A[parent, child] = 1``, upper triangular when nodes are ordered by distance."""
    n = len(pred)
    order = np.argsort(dist, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    child = np.flatnonzero(pred >= 0)
    tree = csr_matrix((np.ones(len(child)), (rank[pred[child]], rank[child])), shape=(n, n))
    solved = spsolve_triangular((identity(n, format="csr") - tree).tocsr(), demand[order], lower=False)
    out = np.empty(n)
    out[order] = solved
    return out


def pair_flows(
    roads: RoadMatrix,
    sources: np.ndarray,
    trips: np.ndarray,
    targets: pd.Series,
    decay_h: float,
    *,
    share: bool,
) -> np.ndarray:
    """Trips on each node pair of :attr:`RoadMatrix.pair_keys`, from every source to every
    target node ``j``: ``trips[s] * targets[j] * exp(-t_sj / T)``, the weights normalised
    over the targets when ``share`` (a port's counted trucks)."""
    dist, pred = dijkstra(roads.matrix, indices=sources, return_predecessors=True)
    flows = np.zeros(len(roads.pair_keys))
    index, weight = targets.index.to_numpy(), targets.to_numpy(dtype=float)
    for row, source in enumerate(sources):
        hours = dist[row, index] / 3600
        w = np.where(
            np.isfinite(hours) & (index != source),
            weight * np.exp(-np.nan_to_num(hours, posinf=1e9) / decay_h),
            0.0,
        )
        if share:
            w = w / max(w.sum(), 1e-300)
        demand = np.zeros(len(roads.nodes))
        demand[index] = w * trips[row]
        through = subtree_sums(pred[row], np.nan_to_num(dist[row], posinf=np.inf), demand)
        child = np.flatnonzero(pred[row] >= 0)
        np.add.at(flows, roads.pair_ids(pred[row][child], child), through[child])
    return flows


def port_trips(graph: nx.MultiDiGraph, roads: RoadMatrix, ports: pd.DataFrame) -> pd.Series:
    """Trucks a year both ways per Mexican bridge-end node: the port's northbound trucks
    (``ports``: ``port_code``, ``trucks_last_12m``) twice, shared equally among its bridges."""
    index = {n: i for i, n in enumerate(roads.nodes)}
    ends = {}
    for u, v, d in graph.edges(data=True):
        if d.get("kind") == "crossing":
            mx = u if graph.nodes[u].get("country") == "MX" else v
            if mx in index:
                ends.setdefault(str(d.get("port_code")), set()).add(index[mx])
    trucks = ports.set_index(ports["port_code"].astype(str))["trucks_last_12m"].fillna(0.0)
    rows = [
        (node, 2 * float(trucks.get(code, 0.0)) / len(nodes))
        for code, nodes in ends.items()
        for node in nodes
    ]
    return pd.Series(dict(rows), dtype=float)


def apply_floor(traffic: pd.Series, quantile: float) -> pd.Series:
    """``traffic`` raised to the ``quantile`` of its positive values (local trips)."""
    used = traffic[traffic > 0]
    return traffic.clip(lower=float(np.quantile(used, quantile)) if len(used) else 1.0)


def edge_traffic(
    graph: nx.MultiDiGraph, zones: pd.DataFrame, ports: pd.DataFrame, truck_km: float, decay_h: float
) -> pd.Series:
    """Trucks a year (both directions) on every Mexican edge ``(u, v, key)`` (see the module
    docstring; no floor: see :func:`apply_floor`); ``truck_km``: the national truck-km a year
    the flows are scaled to."""
    roads = RoadMatrix.build(graph)
    weights = zone_weights(graph, roads, zones)
    border = port_trips(graph, roads, ports)
    crossing = pair_flows(roads, border.index.to_numpy(), border.to_numpy(), weights, decay_h, share=True)
    origins = weights.nlargest(ORIGINS)
    domestic = pair_flows(roads, origins.index.to_numpy(), origins.to_numpy(), weights, decay_h, share=False)
    scale = max(truck_km - crossing @ roads.pair_km, 0.1 * truck_km) / max(domestic @ roads.pair_km, 1e-300)
    directed = crossing + scale * domestic
    n = len(roads.nodes)
    tails, heads = roads.pair_keys // n, roads.pair_keys % n
    reverse = np.searchsorted(roads.pair_keys, heads * n + tails)
    has_reverse = roads.pair_keys[np.minimum(reverse, len(roads.pair_keys) - 1)] == heads * n + tails
    both = directed + np.where(has_reverse, directed[np.minimum(reverse, len(directed) - 1)], 0.0)
    index = {node: i for i, node in enumerate(roads.nodes)}
    keys = [(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if d.get("country") == "MX"]
    tail = np.array([index[u] for u, _, _ in keys], dtype=np.int64)
    head = np.array([index[v] for _, v, _ in keys], dtype=np.int64)
    values = both[roads.pair_ids(tail, head)]
    traffic = pd.Series(values, index=pd.MultiIndex.from_tuples(keys, names=["u", "v", "key"]), dtype=float)
    return along_roads(graph, traffic)


def along_roads(graph: nx.MultiDiGraph, traffic: pd.Series) -> pd.Series:
    """Each edge at least the median traffic of its road (first ``ref``) within its
    municipality: all-or-nothing assignment leaves one carriageway or a ramp of a divided road
    empty while its twin carries the trucks, and both are the same road to a thief."""
    road = np.array(
        [
            f"{str(graph.edges[e].get('ref', '')).split(';')[0]}|{graph.edges[e].get('cvegeo', '')}"
            for e in traffic.index
        ]
    )
    used = traffic.where(traffic > 0)
    median = used.groupby(road).transform("median").fillna(0.0)
    return np.maximum(traffic, median)


def municipal_zones(municipal: pd.DataFrame, centroids: pd.DataFrame) -> pd.DataFrame:
    """``lon``, ``lat``, ``population`` of every municipality with a population (the latest
    year's) in ``municipal`` (``sesnsp_municipal_year``), at its centroid (``mx_municipalities``)."""
    latest = (
        municipal.dropna(subset=["population"]).sort_values("year").groupby("cvegeo")["population"].last()
    )
    zones = centroids[["cvegeo", "lon", "lat"]].assign(population=lambda d: d["cvegeo"].map(latest))
    return zones.dropna(subset=["population"]).reset_index(drop=True)
