"""Static PNG route maps (geopandas + matplotlib) for reports and e-mail."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import geopandas as gpd
import matplotlib.pyplot as plt
import networkx as nx
import shapely

from cargorisk._io import atomic_path
from cargorisk.errors import InputError
from cargorisk.routing.plan import RoutePlan
from cargorisk.viz.maps import ALT_COLOUR, ROUTE_COLOURS


def route_png(
    plan: RoutePlan, graph: nx.MultiDiGraph, path: Path, *, states: gpd.GeoDataFrame | None = None
) -> Path:
    """Draw states, the network by theft rate, and the plan's routes; write PNG atomically."""
    fig, ax = plt.subplots(figsize=(9, 8))
    if states is not None:
        states.plot(ax=ax, color="#f2efe9", edgecolor="#999999", linewidth=0.5)
    lines, rates = [], []
    for *_, d in graph.edges(data=True):
        if d.get("geometry") is not None:
            lines.append(d["geometry"])
            rates.append(math.log10(max(d.get("theft_rate", 1e-6), 1e-6)))
    net = gpd.GeoDataFrame({"log_rate": rates}, geometry=lines, crs="EPSG:4326")
    net.plot(
        ax=ax,
        column="log_rate",
        cmap="RdYlBu_r",
        linewidth=0.8,
        legend=True,
        legend_kwds={"label": "theft rate, log10(incidents per million truck-km)", "shrink": 0.6},
    )
    for route in reversed(plan.routes()):
        geoms = [graph.edges[e].get("geometry") for e in route.edges]
        colour = ROUTE_COLOURS.get(route.label, ALT_COLOUR)
        gpd.GeoSeries([g for g in geoms if g is not None], crs="EPSG:4326").plot(
            ax=ax,
            color=colour,
            linewidth=3.2 if route.label == "recommended" else 2.2,
            label=f"{route.label}: {route.km:,.0f} km, {route.total_h:.1f} h, "
            f"P(theft) {route.theft_prob:.1e}",
        )
    bounds = shapely.MultiLineString(
        [
            graph.edges[e]["geometry"]
            for r in plan.routes()
            for e in r.edges
            if graph.edges[e].get("geometry") is not None
        ]
    ).bounds
    pad = 1.0
    ax.set(
        xlim=(bounds[0] - pad, bounds[2] + pad),
        ylim=(bounds[1] - pad, bounds[3] + pad),
        title=f"{plan.origin} -> {plan.destination}",
    )
    ax.legend(loc="lower left", fontsize=8)
    ax.set_axis_off()
    fig.tight_layout()
    try:
        with atomic_path(Path(path)) as tmp:
            fig.savefig(tmp, format="png", dpi=100)
    except OSError as exc:
        msg = f"cannot write {path}: {exc.strerror or exc}; choose a writable folder"
        raise InputError(msg) from None
    finally:
        plt.close(fig)
    return Path(path)
