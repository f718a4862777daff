"""Static PNG route maps (geopandas + matplotlib) for reports and e-mail."""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import geopandas as gpd
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from cargorisk._io import atomic_path
from cargorisk.errors import InputError
from cargorisk.routing.plan import RoutePlan
from cargorisk.viz.assets import asset_dir
from cargorisk.viz.roads import (
    ALT_COLOUR,
    RISK_KM,
    ROUTE_COLOURS,
    MapNetwork,
    display_network,
    map_network,
    trips_per_theft,
)
from cargorisk.viz.words import WORDS, one_in_words, route_label, words

RISK_LEGEND_PNG = str(WORDS["en"]["risk_legend_png"]).format(km=RISK_KM)


def route_png(
    plan: RoutePlan,
    network: object,
    path: Path,
    *,
    states: gpd.GeoDataFrame | None = None,
    lang: str = "en",
) -> Path:
    """Draw Mexican and US states, the network by theft rate, the plan's routes, the origin,
    destination and crossings with their names and the cities along the recommended route;
    the legend (each route with its crossing) sits below the map, where it covers no route.
    ``lang`` ("en" or "es") is the language of the legend; ``network``: the router (its arrays,
    the road graph unread) or a road graph with ``theft_rate``. Written atomically."""
    w = words(lang)
    net = map_network(network)
    # a figure outside pyplot, drawn with matplotlib's collections: nothing draws until it is
    # saved, and pyplot (a quarter of a PNG's time to import) is never loaded
    fig = Figure(figsize=(9, 9))
    ax = fig.subplots()
    for layer in (states, us_states()):
        if layer is not None:
            ax.add_collection(outlines(layer.geometry.to_numpy()))
    bounds = shapely.MultiLineString([g for r in plan.routes() for g in net.route_lines(r)]).bounds
    area = framed(bounds)
    shown = display_network(net, area)
    n, geoms = trips_per_theft(shown["theft_rate"]), shown.geometry.to_numpy()
    roads = lines_of(geoms, linewidths=0.8, cmap="RdYlBu", norm=LogNorm(n.min(), n.max()))
    roads.set_array(np.repeat(n, shapely.get_num_geometries(geoms)))  # a value per part
    ax.add_collection(roads)
    fig.colorbar(
        roads, ax=ax, label=str(w["risk_legend_png"]).format(km=RISK_KM), shrink=0.5,
        orientation="horizontal", pad=0.01,
    )  # fmt: skip
    for route in reversed(plan.routes()):
        ax.add_collection(
            lines_of(
                net.route_lines(route),
                colors=ROUTE_COLOURS.get(route.label, ALT_COLOUR),
                linewidths=3.2 if route.label == "recommended" else 2.2,
                label=f"{route_label(route.label, w)} {w['via']} {route.crossing or w['no_crossing']}: "
                f"{route.km:,.0f} km, {route.total_h:.1f} h, "
                f"{w['theft']} {one_in_words(route.theft_prob, w)} {w['trips']}",
            )
        )
    ax.set_aspect(1 / np.cos(np.radians((area[1] + area[3]) / 2)))  # degrees look square there
    cbar = fig.axes[-1]  # the colour bar: plain numbers, no crowded minor labels
    cbar.xaxis.set_major_locator(LogLocator(subs=(1.0, 3.0)))
    cbar.xaxis.set_minor_formatter(NullFormatter())
    cbar.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    mark_places(ax, net, plan)
    ax.set(xlim=(area[0], area[2]), ylim=(area[1], area[3]), title=f"{plan.origin} -> {plan.destination}")
    ax.set_axis_off()
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="lower center", fontsize=8, frameon=False)
    fig.subplots_adjust(left=0.02, right=0.98, top=0.95, bottom=0.03 + 0.022 * len(labels))
    try:
        with atomic_path(Path(path)) as tmp:
            fig.savefig(tmp, format="png", dpi=100)
    except OSError as exc:
        msg = f"cannot write {path}: {exc.strerror or exc}; choose a writable folder"
        raise InputError(msg) from None
    return Path(path)


def lines_of(lines: object, **style: object) -> LineCollection:
    """A LineCollection of (Multi)LineStrings, one segment list per part."""
    parts = shapely.get_parts(np.asarray(lines, dtype=object))
    return LineCollection([shapely.get_coordinates(p) for p in parts], **style)


def outlines(polygons: np.ndarray) -> PatchCollection:
    """State polygons (holes kept) as filled outlines."""
    paths = [
        MplPath.make_compound_path(*(MplPath(shapely.get_coordinates(r)) for r in shapely.get_rings(p)))
        for p in shapely.get_parts(polygons)
    ]
    return PatchCollection(
        [PathPatch(p) for p in paths], facecolor="#f2efe9", edgecolor="#999999", linewidth=0.5
    )


def framed(bounds: tuple[float, float, float, float], pad: float = 1.0) -> tuple[float, ...]:
    """The map's extent: the routes' bounds plus ``pad`` degrees, widened to a landscape-ish
    frame (a north-south lane would otherwise leave most of the page blank)."""
    x0, y0, x1, y1 = bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad
    width = max(x1 - x0, (y1 - y0) / np.cos(np.radians((y0 + y1) / 2)))
    centre = (x0 + x1) / 2
    return centre - width / 2, y0, centre + width / 2, y1


def mark_places(ax: Axes, net: MapNetwork, plan: RoutePlan, cities: int = 8) -> None:
    """Origin, destination and each route's crossing as named markers; up to ``cities`` named
    cities along the recommended route as labelled dots."""
    rec = plan.recommended
    xy = [net.point(n) for n in rec.nodes]
    names = [net.city(n) for n in rec.nodes]
    along = [i for i, name in enumerate(names[1:-1], 1) if name]
    step = max(1, len(along) // cities)
    for i in along[::step][:cities]:
        ax.plot(*xy[i], "o", color="#333333", markersize=3, zorder=5)
        ax.annotate(names[i], xy[i], xytext=(3, 3), textcoords="offset points", fontsize=7, color="#333333")
    for (x, y), name, style in ((xy[0], plan.origin, "^"), (xy[-1], plan.destination, "s")):
        ax.plot(x, y, style, color="#111111", markersize=9, zorder=6)
        ax.annotate(name, (x, y), xytext=(6, -10), textcoords="offset points", fontsize=9, weight="bold")
    for crossing, (x, y) in crossings_of(net, plan).items():
        ax.plot(x, y, "D", color="#6a1b9a", markersize=6, zorder=6)
        ax.annotate(crossing, (x, y), xytext=(6, 4), textcoords="offset points", fontsize=7, color="#6a1b9a")


def crossings_of(network: object, plan: RoutePlan) -> dict[str, tuple[float, float]]:
    """Where each route of the plan crosses the border (the crossing edge's first node);
    ``network``: a :class:`MapNetwork`, router or road graph."""
    net = map_network(network)
    out = {}
    for route in plan.routes():
        ids = net.ids(route.edges)
        at = np.flatnonzero(net.kind[ids] == "crossing")
        if len(at):
            edge = ids[at[0]]
            x, y = net.xy[net.tail[edge]]
            out[route.crossing or str(net.bridge[edge])] = (float(x), float(y))
    return out


@functools.cache
def us_states() -> gpd.GeoDataFrame | None:
    """US state outlines (us-atlas: the Census Bureau's cartographic boundaries, public domain,
    installed with the map assets), or None when not installed."""
    source = asset_dir() / "us-atlas" / "states-10m.json"
    if not source.is_file():
        return None
    return gpd.read_file(source, layer="states").set_crs("EPSG:4326", allow_override=True)
