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
import numpy as np
import shapely

from cargorisk._io import atomic_path
from cargorisk.errors import InputError
from cargorisk.network.timezones import abbreviation
from cargorisk.risk.calibration import one_in
from cargorisk.routing.plan import Route, RoutePlan, advice_text
from cargorisk.viz.assets import inline_assets
from cargorisk.viz.roads import (
    ALT_COLOUR,
    RISK_KM,
    ROUTE_COLOURS,
    MapNetwork,
    display_network,
    map_network,
    trips_per_theft,
)
from cargorisk.viz.words import WORDS, one_in_words, route_label, weekday_time, words

BACKGROUND_STYLE = {"color": "#777777", "weight": 1, "fillColor": "#f2efe9", "fillOpacity": 0.6}
RISK_COLOURS = ["#2c7bb6", "#abd9e9", "#ffffbf", "#fdae61", "#d7191c"]
AREA_MARGIN_DEG = 2.0  # a route map draws the network this far around its routes


def esc(value: object) -> str:
    """Text safe in map HTML and in the JavaScript template literals folium puts tooltips and
    popups in: HTML-escaped (quotes included), and the characters a template literal acts on
    (backtick, ``$`` of ``${...}``, backslash) as character references, which render as the
    same characters."""
    text = html.escape(str(value), quote=True)
    return text.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


RISK_LEGEND = str(WORDS["en"]["risk_legend"]).format(km=RISK_KM)
EN = WORDS["en"]


def risk_colormap(network: MapNetwork, w: dict = EN) -> cm.LinearColormap:
    """Colour scale on x = log10 N of "1 in N loaded trips per 100 km", one step per decade."""
    n = trips_per_theft(network.positive_rates)
    low = math.floor(math.log10(n.min()))
    high = max(math.ceil(math.log10(n.max())), low + 1)
    exponents = [float(x) for x in range(low, high + 1)]
    colours = cm.LinearColormap(RISK_COLOURS[::-1], vmin=0, vmax=1)
    steps = [colours.rgba_floats_tuple(x) for x in np.linspace(0, 1, len(exponents))]
    return cm.LinearColormap(
        steps, index=exponents, vmin=exponents[0], vmax=exponents[-1],
        caption=str(w["risk_legend"]).format(km=RISK_KM),
        tick_labels=exponents,
    )  # fmt: skip


def add_background(fmap: folium.Map, states: gpd.GeoDataFrame | None, w: dict = EN) -> None:
    """State outlines: keep the map readable when tiles cannot load (offline)."""
    if states is None:
        return
    outline = folium.GeoJson(
        states[["state", "geometry"]].to_json(), name=str(w["states"]),
        style_function=lambda _: BACKGROUND_STYLE,
    )  # fmt: skip
    outline.add_to(fmap)


def add_network(
    fmap: folium.Map, network: MapNetwork, scale: cm.LinearColormap, bounds: tuple | None = None,
    w: dict = EN,
) -> None:  # fmt: skip
    """The roads (see :func:`display_network`) coloured by theft rate, with escaped tooltips, as
    one GeoJSON layer (tooltip text travels as data, never as script source)."""
    net = display_network(network, bounds)
    lowest, highest = scale.index[0], scale.index[-1]
    exponent = np.clip(np.log10(trips_per_theft(net["theft_rate"])), lowest, highest)
    net["colour"] = [scale(float(x)) for x in exponent]
    net["tip"] = [
        str(w["network_tip"]).format(road=esc(ref), state=esc(state), n=n, km=RISK_KM)
        + f" ({rate:.3f} / 10^6 truck-km)"
        for ref, state, rate, n in zip(
            net["ref"], net["state"], net["theft_rate"], trips_per_theft(net["theft_rate"]), strict=True
        )
    ]
    folium.GeoJson(
        net[["colour", "tip", "geometry"]].to_json(),
        name=str(w["network"]),
        style_function=lambda f: {"color": f["properties"]["colour"], "weight": 2, "opacity": 0.8},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ).add_to(fmap)


def add_route(
    fmap: folium.Map, network: MapNetwork, route: Route, colour: str, weight: int, w: dict = EN
) -> None:
    """A route, one line per road run (``route.segments``) with its escaped tooltip."""
    features = []
    lines = network.route_lines(route)
    for run in route.segments.itertuples(index=False):
        line = shapely.line_merge(shapely.MultiLineString(lines[run.first : run.last + 1]))
        tip = (
            f"<b>{esc(route_label(route.label, w))}</b>: {esc(run[0])} - {esc(run.to)}<br>{esc(run.ref)}, "
            f"{esc(run.state)}, {run.km:,.0f} km, {run.hours:.1f} h<br>"
            f"P({w['theft']}) {run.theft_prob:.1e} ({run.risk_share:.0%} {w['share']})"
        )
        features.append({"tip": tip, "geometry": line})
    layer = gpd.GeoDataFrame(features, columns=["tip", "geometry"], crs="EPSG:4326")
    folium.GeoJson(
        layer.to_json(),
        name=str(w["route_layer"]).format(
            label=esc(route_label(route.label, w)), km=route.km, hours=route.total_h
        ),
        style_function=lambda _: {"color": colour, "weight": weight, "opacity": 0.9},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ).add_to(fmap)


def opening_hours(wait_model: object, crossing: str, month: int, w: dict = EN) -> str:
    """'Mon 06-24, ...' from the wait model's open cells (local time)."""
    parts = []
    for day, name in enumerate(w["weekdays"]):  # type: ignore[arg-type]
        hours = wait_model.open_hours(crossing, month, day)  # type: ignore[attr-defined]
        parts.append(f"{name} {hours[0]:02d}-{hours[-1] + 1:02d}" if hours else f"{name} {w['closed']}")
    return ", ".join(parts)


def add_ports(
    fmap: folium.Map, network: MapNetwork, plan: RoutePlan, wait_model: object | None, w: dict = EN
) -> None:
    """Every crossing: typical wait and opening hours; the planned one with its wait at arrival."""
    layer = folium.FeatureGroup(name=str(w["ports"]))
    planned = {r.crossing: r for r in plan.routes() if r.crossing}
    month = plan.depart.month if plan.depart else 3
    for edge in network.crossing_ids():
        bridge = str(network.bridge[edge])
        port_name, port_code = network.port_names.get(bridge, ("", ""))
        lines = [f"<b>{esc(bridge)}</b> ({esc(port_name)}, {w['port']} {esc(port_code)})"]
        if wait_model is not None:
            typical = wait_model.level(bridge)  # type: ignore[attr-defined]
            lines.append(str(w["typical_wait"]).format(minutes=typical))
            lines.append(f"{w['hours']}: " + esc(opening_hours(wait_model, bridge, month, w)))
        route = planned.get(bridge)
        if route is not None and route.port_arrival is not None:
            when = f"{weekday_time(route.port_arrival_local, w)} {abbreviation(route.port_arrival_local)}"
            arrive = str(w["arrive"]).format(when=when, wait=route.wait_min, p90=route.wait_p90_min)
            lines.append(f"<b>{esc(route_label(route.label, w))}</b>: {arrive}")
            if route.closing is not None:  # a late arrival costs the night
                c = route.closing
                at = {k: f"{weekday_time(c[k], w)} {abbreviation(c[k])}" for k in ("closes", "reopens")}
                lines.append(str(w["closes"]).format(margin=c["margin_min"], **at))
        colour = "#1f5fd6" if route is not None else "#555555"
        x, y = network.xy[network.head[edge]]
        folium.CircleMarker(
            (float(y), float(x)),
            radius=6 if route else 4,
            color=colour,
            fill=True,
            fill_opacity=0.9,
            popup=folium.Popup("<br>".join(lines), max_width=320),
            tooltip=esc(bridge),
        ).add_to(layer)
    layer.add_to(fmap)


FIT_PADDING_TOP_LEFT = (30, 90)  # px: room for the colour bar above the routes
FIT_PADDING_BOTTOM_RIGHT = (30, 230)  # px: room for the summary box below them


CROSSING_CELL = "white-space: normal; min-width: 150px; max-width: 230px"  # whole names, wrapped


def summary_box(plan: RoutePlan, w: dict = EN) -> str:
    """Fixed HTML box with one line per route (escaped); on a narrow screen it scrolls within
    itself and the map's legend shrinks, so neither covers the zoom buttons."""
    rows = "".join(
        f"<tr><td style='color:{ROUTE_COLOURS.get(r.label, ALT_COLOUR)}'>"
        f"<b>{esc(route_label(r.label, w))}</b></td>"
        f"<td>{r.km:,.0f} km</td><td>{r.driving_h:.1f} h</td><td>{r.break_h + r.rest_h:.1f} h</td>"
        f"<td>{r.wait_min:.0f} min</td><td>{r.total_h:.1f} h</td>"
        f"<td>{one_in_words(r.theft_prob, w)}{interval_words(r)}</td><td>USD {r.expected_loss_usd:,.0f}</td>"
        f"<td>USD {r.cost_usd:,.0f}</td>"
        f"<td style='{CROSSING_CELL}'>{esc(r.crossing or '-')}</td></tr>"
        for r in plan.routes()
    )
    advice = f"<div>{esc(advice_words(plan, w))}</div>" if plan.advice else ""
    heads = "".join(f"<th>{esc(c)}</th>" for c in w["columns"])  # type: ignore[attr-defined]
    return (
        "<div id='cargorisk-summary' style='position: fixed; bottom: 24px; left: 12px; "
        "z-index: 9999; background: white; padding: 8px 10px; border: 1px solid #888; "
        "font: 12px sans-serif; max-width: min(900px, calc(100vw - 40px)); overflow-x: auto; "
        "white-space: nowrap'>"
        f"<b>{esc(plan.origin)} &rarr; {esc(plan.destination)}</b> "
        f"&middot; {w['cargo']} USD {plan.cargo_value_usd:,.0f}"
        f"<table style='margin-top:4px'><tr><th></th>{heads}</tr>{rows}</table>{advice}</div>"
    )


# a phone: the summary box keeps to a strip at the bottom and the colour bar shrinks into the
# top right corner, below the layer button, leaving the zoom buttons (top left) free
NARROW_STYLE = (
    "<style>@media (max-width: 600px) { "
    "#cargorisk-summary { max-height: 30vh; overflow: auto; bottom: 8px !important; left: 8px !important; }"
    ".legend { transform: scale(0.6); transform-origin: top right; }"
    "}</style>"
)


def advice_words(plan: RoutePlan, w: dict) -> str:
    """The departure advice in the map's language (:func:`~cargorisk.routing.plan.advice_text`),
    each time with its zone's abbreviation."""
    advice = plan.advice
    if advice is None:
        return ""
    return advice_text(advice, w, lambda when: f"{weekday_time(when, w)} {abbreviation(when)}")


def interval_words(route: Route) -> str:
    """' (5,100-40,000)': the 90% interval of N in "1 in N trips", or nothing."""
    if not route.theft_interval or route.theft_interval[1] <= route.theft_interval[0]:
        return ""
    low, high = route.theft_interval
    return f" ({one_in(high).removeprefix('1 in ')}-{one_in(low).removeprefix('1 in ')})"


def route_map(
    plan: RoutePlan,
    network: object,
    *,
    wait_model: object | None = None,
    states: gpd.GeoDataFrame | None = None,
    tiles: str | None = "OpenStreetMap",
    lang: str = "en",
    summary: bool = True,
) -> folium.Map:
    """A folium map of a plan: background, network risk, ports, routes, markers, summary, layers.

    Parameters
    ----------
    plan
        From :meth:`cargorisk.routing.Router.plan`.
    network
        The router (its arrays: the road graph is not read) or a road graph with ``theft_rate``
        on its edges.
    wait_model
        The border wait model, for port popups (typical wait, opening hours).
    states
        State polygons drawn underneath, so the map reads without tiles.
    tiles
        folium tile layer name, or None for no tiles.
    lang
        The language of the map's words: "en" or "es" (:mod:`cargorisk.viz.words`).
    summary
        Draw the summary box (a page that shows the plan's table beside the map leaves it out,
        and the routes get the room).
    """
    w = words(lang)
    # quarter zoom steps: the routes fill the window rather than the next whole zoom out
    fmap = folium.Map(tiles=tiles, control_scale=True, prefer_canvas=True, zoom_snap=0.25, zoom_delta=0.5)
    add_background(fmap, states, w)
    net = map_network(network)
    scale = risk_colormap(net, w)
    xy = np.concatenate([net.xy[[net.index[n] for n in r.nodes]] for r in plan.routes()])
    lons, lats = xy[:, 0].tolist(), xy[:, 1].tolist()
    m = AREA_MARGIN_DEG
    add_network(fmap, net, scale, (min(lons) - m, min(lats) - m, max(lons) + m, max(lats) + m), w)
    add_ports(fmap, net, plan, wait_model, w)
    for i, route in enumerate(reversed(plan.routes())):
        colour = ROUTE_COLOURS.get(route.label, ALT_COLOUR)
        add_route(fmap, net, route, colour, weight=7 if route.label == "recommended" else 5 if i else 4, w=w)
    for place, node, icon in (
        (plan.origin, plan.recommended.nodes[0], "play"),
        (plan.destination, plan.recommended.nodes[-1], "flag"),
    ):
        folium.Marker(
            net.point(node)[::-1],
            tooltip=esc(place),
            popup=folium.Popup(esc(place), max_width=250),
            icon=folium.Icon(icon=icon),
        ).add_to(fmap)
    scale.add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(NARROW_STYLE))
    if summary:
        fmap.get_root().html.add_child(folium.Element(summary_box(plan, w)))
    # keep the routes and their markers clear of the colour bar (top right) and the summary
    # box (bottom left): fit them into the window minus those bands
    fmap.fit_bounds(
        [(min(lats), min(lons)), (max(lats), max(lons))],
        padding_top_left=FIT_PADDING_TOP_LEFT,
        padding_bottom_right=FIT_PADDING_BOTTOM_RIGHT if summary else FIT_PADDING_TOP_LEFT[::-1],
    )
    return fmap


def risk_map(network: object, states: gpd.GeoDataFrame | None = None) -> folium.Map:
    """Risk overview: every road of ``network`` (a router or road graph) coloured by theft rate,
    over the state outlines."""
    net = map_network(network)
    fmap = folium.Map(location=(26.5, -100.0), zoom_start=5, control_scale=True, prefer_canvas=True)
    add_background(fmap, states)
    scale = risk_colormap(net)
    add_network(fmap, net, scale)
    scale.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


def save_map(fmap: folium.Map, path: Path, *, offline: bool = True) -> Path:
    """Write the map as HTML atomically; ``offline`` inlines every JS/CSS asset.

    Raises
    ------
    InputError
        The folder cannot be written (one line, naming the path).
    """
    write_text(Path(path), map_html(fmap, offline=offline))
    return Path(path)


def map_html(fmap: folium.Map, *, offline: bool = True) -> str:
    """The map as one HTML document; ``offline`` inlines every JS/CSS asset."""
    text = fmap.get_root().render()
    return inline_assets(text) if offline else text


def write_text(path: Path, text: str) -> None:
    """Atomic write with a one-line error for unwritable paths."""
    try:
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except OSError as exc:
        msg = f"cannot write {path}: {exc.strerror or exc}; choose a writable folder"
        raise InputError(msg) from None
