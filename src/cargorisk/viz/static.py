"""Static PNG route maps (geopandas + matplotlib) for reports and e-mail."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import geopandas as gpd
import matplotlib.pyplot as plt
import networkx as nx
import shapely
from matplotlib.colors import LogNorm

from cargorisk._io import atomic_path
from cargorisk.errors import InputError
from cargorisk.risk.calibration import one_in
from cargorisk.routing.plan import RoutePlan
from cargorisk.viz.maps import ALT_COLOUR, RISK_KM, ROUTE_COLOURS, display_network, trips_per_theft

RISK_LEGEND_PNG = f"theft risk on {RISK_KM:.0f} km of road: 1 in N loaded trips (red: more often)"


def route_png(
    plan: RoutePlan, graph: nx.MultiDiGraph, path: Path, *, states: gpd.GeoDataFrame | None = None
) -> Path:
    """Draw states, the network by theft rate, and the plan's routes; write PNG atomically."""
    fig, ax = plt.subplots(figsize=(9, 8))
    if states is not None:
        states.plot(ax=ax, color="#f2efe9", edgecolor="#999999", linewidth=0.5)
    bounds = shapely.MultiLineString(
        [
            graph.edges[e]["geometry"]
            for r in plan.routes()
            for e in r.edges
            if graph.edges[e].get("geometry") is not None
        ]
    ).bounds
    pad = 1.0
    area = (bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad)
    net = display_network(graph, area)
    net["trips_per_theft"] = trips_per_theft(net["theft_rate"])
    net.plot(
        ax=ax,
        column="trips_per_theft",
        cmap="RdYlBu",
        norm=LogNorm(net["trips_per_theft"].min(), net["trips_per_theft"].max()),
        linewidth=0.8,
        legend=True,
        legend_kwds={"label": RISK_LEGEND_PNG, "shrink": 0.6},
    )
    for route in reversed(plan.routes()):
        geoms = [graph.edges[e].get("geometry") for e in route.edges]
        colour = ROUTE_COLOURS.get(route.label, ALT_COLOUR)
        gpd.GeoSeries([g for g in geoms if g is not None], crs="EPSG:4326").plot(
            ax=ax,
            color=colour,
            linewidth=3.2 if route.label == "recommended" else 2.2,
            label=f"{route.label}: {route.km:,.0f} km, {route.total_h:.1f} h, "
            f"theft {one_in(route.theft_prob)} trips",
        )
    ax.set(
        xlim=(area[0], area[2]),
        ylim=(area[1], area[3]),
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
