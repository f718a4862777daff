"""Route maps for dispatchers (folium): routes, network risk, ports, summary; offline HTML.

Every text that comes from input (place names, labels) is HTML-escaped before it reaches a
popup, tooltip or the summary box.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import branca.colormap as cm
import folium
import geopandas as gpd
import networkx as nx

from cargorisk._io import atomic_path
from cargorisk.errors import InputError
from cargorisk.routing.plan import Route, RoutePlan
from cargorisk.viz.assets import inline_assets

ROUTE_COLOURS = {"recommended": "#1f5fd6", "fastest": "#f08c00", "safest": "#12a150"}
ALT_COLOUR = "#8a4fd6"
BACKGROUND_STYLE = {"color": "#777777", "weight": 1, "fillColor": "#f2efe9", "fillOpacity": 0.6}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
RISK_COLOURS = ["#2c7bb6", "#abd9e9", "#ffffbf", "#fdae61", "#d7191c"]


def esc(value: object) -> str:
    """HTML-escaped text (quotes included)."""
    return html.escape(str(value), quote=True)


def risk_colormap(graph: nx.MultiDiGraph) -> cm.LinearColormap:
    """Colour scale on log10(theft rate), incidents per million truck-km."""
    rates = [d["theft_rate"] for *_, d in graph.edges(data=True) if d.get("theft_rate", 0) > 0]
    low, high = math.log10(min(rates)), math.log10(max(rates))
    scale = cm.LinearColormap(RISK_COLOURS, vmin=low, vmax=high)
    scale.caption = "theft rate, log10(incidents per million truck-km)"
    return scale


def add_background(fmap: folium.Map, states: gpd.GeoDataFrame | None) -> None:
    """State outlines: keep the map readable when tiles cannot load (offline)."""
    if states is None:
        return
    outline = folium.GeoJson(
        states[["state", "geometry"]].to_json(), name="Mexican states (offline background)",
        style_function=lambda _: BACKGROUND_STYLE,
    )  # fmt: skip
    outline.add_to(fmap)


def add_network(fmap: folium.Map, graph: nx.MultiDiGraph, scale: cm.LinearColormap) -> None:
    """Every road once, coloured by theft rate, with an escaped tooltip."""
    layer = folium.FeatureGroup(name="Road network: theft rate")
    seen = set()
    for u, v, d in graph.edges(data=True):
        key = (frozenset((u, v)), d.get("ref"))
        if key in seen or d.get("geometry") is None:
            continue
        seen.add(key)
        rate = max(d.get("theft_rate", 1e-6), 1e-6)
        tip = f"{esc(d.get('ref', ''))} ({esc(d.get('state', ''))}): {rate:.3f} per million truck-km"
        folium.PolyLine(
            [(y, x) for x, y in d["geometry"].coords],
            color=scale(math.log10(rate)),
            weight=2,
            opacity=0.8,
            tooltip=tip,
        ).add_to(layer)
    layer.add_to(fmap)


def add_route(fmap: folium.Map, graph: nx.MultiDiGraph, route: Route, colour: str, weight: int) -> None:
    """A route, one PolyLine per segment with its tooltip."""
    layer = folium.FeatureGroup(name=f"{esc(route.label)} route ({route.km:,.0f} km, {route.total_h:.1f} h)")
    total_risk = sum(graph.edges[e].get("theft_prob", 0.0) for e in route.edges) or 1.0
    for u, v, k in route.edges:
        d = graph.edges[u, v, k]
        line = d.get("geometry")
        coords = (
            [(y, x) for x, y in line.coords]
            if line is not None
            else [(graph.nodes[u]["y"], graph.nodes[u]["x"]), (graph.nodes[v]["y"], graph.nodes[v]["x"])]
        )
        share = d.get("theft_prob", 0.0) / total_risk
        tip = (
            f"<b>{esc(route.label)}</b>: {esc(graph.nodes[u].get('name', u))} - "
            f"{esc(graph.nodes[v].get('name', v))}<br>{esc(d.get('ref', ''))}, {esc(d.get('state', ''))}, "
            f"{d['length'] / 1000:,.0f} km, {d['travel_time'] / 3600:.1f} h<br>"
            f"P(theft) {d.get('theft_prob', 0):.1e} ({share:.0%} of the route's risk)"
        )
        folium.PolyLine(coords, color=colour, weight=weight, opacity=0.9, tooltip=tip).add_to(layer)
    layer.add_to(fmap)


def opening_hours(wait_model: object, crossing: str, month: int) -> str:
    """'Mon 06-24, ...' from the wait model's open cells (local time)."""
    parts = []
    for day, name in enumerate(WEEKDAYS):
        hours = [h for h in range(24) if wait_model.cell(crossing, month, day, h)[0]]  # type: ignore[attr-defined]
        parts.append(f"{name} {hours[0]:02d}-{hours[-1] + 1:02d}" if hours else f"{name} closed")
    return ", ".join(parts)


def add_ports(fmap: folium.Map, graph: nx.MultiDiGraph, plan: RoutePlan, wait_model: object | None) -> None:
    """Every crossing: typical wait and opening hours; the planned one with its wait at arrival."""
    layer = folium.FeatureGroup(name="Ports of entry")
    planned = {r.crossing: r for r in plan.routes() if r.crossing}
    month = plan.depart.month if plan.depart else 3
    for u, v, d in graph.edges(data=True):
        if d.get("kind") != "crossing" or graph.nodes[u].get("country") != "MX":
            continue
        lines = [f"<b>{esc(d['bridge'])}</b> ({esc(d['port_name'])}, port {esc(d['port_code'])})"]
        if wait_model is not None:
            lines.append(f"typical wait {wait_model.level(d['bridge']):.0f} min")  # type: ignore[attr-defined]
            lines.append("hours: " + esc(opening_hours(wait_model, d["bridge"], month)))
        route = planned.get(d["bridge"])
        if route is not None and route.port_arrival is not None:
            lines.append(
                f"<b>{esc(route.label)}</b>: arrive {route.port_arrival:%a %H:%M}, "
                f"expected wait {route.wait_min:.0f} min (p90 {route.wait_p90_min:.0f})"
            )
        colour = "#1f5fd6" if route is not None else "#555555"
        folium.CircleMarker(
            (graph.nodes[v]["y"], graph.nodes[v]["x"]),
            radius=6 if route else 4,
            color=colour,
            fill=True,
            fill_opacity=0.9,
            popup=folium.Popup("<br>".join(lines), max_width=320),
            tooltip=esc(d["bridge"]),
        ).add_to(layer)
    layer.add_to(fmap)


def summary_box(plan: RoutePlan) -> str:
    """Fixed HTML box with one line per route (escaped)."""
    rows = "".join(
        f"<tr><td style='color:{ROUTE_COLOURS.get(r.label, ALT_COLOUR)}'><b>{esc(r.label)}</b></td>"
        f"<td>{r.km:,.0f} km</td><td>{r.total_h:.1f} h</td><td>{r.wait_min:.0f} min</td>"
        f"<td>{r.theft_prob:.1e}</td><td>USD {r.expected_loss_usd:,.0f}</td>"
        f"<td>{esc(r.crossing or '-')}</td></tr>"
        for r in plan.routes()
    )
    return (
        "<div id='cargorisk-summary' style='position: fixed; bottom: 24px; left: 12px; z-index: 9999; "
        "background: white; padding: 8px 10px; border: 1px solid #888; font: 12px sans-serif; "
        "max-width: 640px'>"
        f"<b>{esc(plan.origin)} &rarr; {esc(plan.destination)}</b> "
        f"&middot; cargo USD {plan.cargo_value_usd:,.0f}"
        "<table style='margin-top:4px'><tr><th></th><th>km</th><th>hours</th><th>wait</th><th>P(theft)</th>"
        f"<th>exp. loss</th><th>crossing</th></tr>{rows}</table></div>"
    )


def route_map(
    plan: RoutePlan,
    graph: nx.MultiDiGraph,
    *,
    wait_model: object | None = None,
    states: gpd.GeoDataFrame | None = None,
    tiles: str | None = "OpenStreetMap",
) -> folium.Map:
    """A folium map of a plan: background, network risk, ports, routes, markers, summary, layers.

    Parameters
    ----------
    plan
        From :meth:`cargorisk.routing.Router.plan`.
    graph
        The router's graph (edges with ``theft_rate``, ``theft_prob``, ``geometry``).
    wait_model
        The border wait model, for port popups (typical wait, opening hours).
    states
        State polygons drawn underneath, so the map reads without tiles.
    tiles
        folium tile layer name, or None for no tiles.
    """
    fmap = folium.Map(tiles=tiles, control_scale=True, prefer_canvas=True)
    add_background(fmap, states)
    scale = risk_colormap(graph)
    add_network(fmap, graph, scale)
    add_ports(fmap, graph, plan, wait_model)
    for i, route in enumerate(reversed(plan.routes())):
        colour = ROUTE_COLOURS.get(route.label, ALT_COLOUR)
        add_route(fmap, graph, route, colour, weight=7 if route.label == "recommended" else 5 if i else 4)
    for place, node, icon in (
        (plan.origin, plan.recommended.nodes[0], "play"),
        (plan.destination, plan.recommended.nodes[-1], "flag"),
    ):
        folium.Marker(
            (graph.nodes[node]["y"], graph.nodes[node]["x"]),
            tooltip=esc(place),
            popup=folium.Popup(esc(place), max_width=250),
            icon=folium.Icon(icon=icon),
        ).add_to(fmap)
    scale.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(summary_box(plan)))
    lats = [graph.nodes[n]["y"] for r in plan.routes() for n in r.nodes]
    lons = [graph.nodes[n]["x"] for r in plan.routes() for n in r.nodes]
    fmap.fit_bounds([(min(lats), min(lons)), (max(lats), max(lons))])
    return fmap


def save_map(fmap: folium.Map, path: Path, *, offline: bool = True) -> Path:
    """Write the map as HTML atomically; ``offline`` inlines every JS/CSS asset.

    Raises
    ------
    InputError
        The folder cannot be written (one line, naming the path).
    """
    text = fmap.get_root().render()
    if offline:
        text = inline_assets(text)
    write_text(Path(path), text)
    return Path(path)


def write_text(path: Path, text: str) -> None:
    """Atomic write with a one-line error for unwritable paths."""
    try:
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except OSError as exc:
        msg = f"cannot write {path}: {exc.strerror or exc}; choose a writable folder"
        raise InputError(msg) from None
