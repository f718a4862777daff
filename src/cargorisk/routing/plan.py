"""Route and RoutePlan: what the router returns, with tables, JSON and GeoDataFrames."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import geopandas as gpd
import networkx as nx
import pandas as pd


@dataclass
class Route:
    """One route: path, distances, times, crossing, risk and cost, with a per-segment table."""

    label: str
    nodes: list
    edges: list[tuple]
    km: float
    driving_h: float
    wait_min: float
    wait_p90_min: float
    port_code: str | None
    crossing: str | None
    port_arrival: datetime | None
    arrival: datetime | None
    theft_prob: float
    expected_loss_usd: float
    cost_usd: float
    segments: pd.DataFrame
    riskiest: list[dict] = field(default_factory=list)
    vs_fastest: str = ""
    ids: list[int] = field(default_factory=list, repr=False)  # the router's compiled edge ids

    @property
    def total_h(self) -> float:
        """Driving plus expected border wait, hours."""
        return self.driving_h + self.wait_min / 60

    def to_dict(self) -> dict:
        """JSON-ready dict (times ISO 8601, segments as records)."""
        return {
            "label": self.label,
            "km": round(self.km, 1),
            "driving_h": round(self.driving_h, 2),
            "wait_min": round(self.wait_min, 1),
            "wait_p90_min": round(self.wait_p90_min, 1),
            "total_h": round(self.total_h, 2),
            "port_code": self.port_code,
            "crossing": self.crossing,
            "port_arrival": self.port_arrival.isoformat() if self.port_arrival else None,
            "arrival": self.arrival.isoformat() if self.arrival else None,
            "theft_prob": self.theft_prob,
            "expected_loss_usd": round(self.expected_loss_usd, 2),
            "cost_usd": round(self.cost_usd, 2),
            "vs_fastest": self.vs_fastest,
            "nodes": [str(n) for n in self.nodes],
            "riskiest": self.riskiest,
            "segments": self.segments.round(6).to_dict(orient="records"),
        }


def compare(route: Route, fastest: Route) -> str:
    """'+38 min, -42% theft risk' relative to the fastest route."""
    if route is fastest or route.nodes == fastest.nodes:
        return "fastest route"
    minutes = (route.total_h - fastest.total_h) * 60
    risk = (route.theft_prob / fastest.theft_prob - 1) * 100 if fastest.theft_prob > 0 else 0.0
    return f"{minutes:+.0f} min, {risk:+.0f}% theft risk vs fastest"


@dataclass
class RoutePlan:
    """The answer to one routing request."""

    origin: str
    destination: str
    depart: datetime | None
    cargo_value_usd: float
    objective: str
    recommended: Route
    fastest: Route
    safest: Route
    alternatives: list[Route]
    pareto: list[Route]

    def routes(self) -> list[Route]:
        """Recommended, fastest, safest and alternatives, without repeats (same path)."""
        seen, out = set(), []
        for route in [self.recommended, self.fastest, self.safest, *self.alternatives]:
            key = tuple(route.edges)
            if key not in seen:
                seen.add(key)
                out.append(route)
        return out

    def to_dict(self) -> dict:
        """The plan as a JSON-ready dict."""
        return {
            "origin": self.origin,
            "destination": self.destination,
            "depart": self.depart.isoformat() if self.depart else None,
            "cargo_value_usd": self.cargo_value_usd,
            "objective": self.objective,
            "recommended": self.recommended.to_dict(),
            "fastest": self.fastest.to_dict(),
            "safest": self.safest.to_dict(),
            "alternatives": [r.to_dict() for r in self.alternatives],
            "pareto": [
                {"total_h": round(r.total_h, 3), "theft_prob": r.theft_prob, "crossing": r.crossing}
                for r in self.pareto
            ],
        }

    def to_json(self) -> str:
        """The plan as JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_geodataframe(self, graph: nx.MultiDiGraph) -> gpd.GeoDataFrame:
        """One row per edge of every route (column ``route``), EPSG:4326, for maps and GIS."""
        rows = []
        for route in self.routes():
            for order, (u, v, k) in enumerate(route.edges):
                d = graph.edges[u, v, k]
                rows.append(
                    {
                        "route": route.label,
                        "order": order,
                        "u": u,
                        "v": v,
                        "ref": d.get("ref", ""),
                        "state": d.get("state", ""),
                        "km": d["length"] / 1000,
                        "theft_prob": d.get("theft_prob", 0.0),
                        "geometry": d.get("geometry"),
                    }
                )
        return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")

    def summary(self) -> str:
        """A dispatcher-readable table of the routes."""
        lines = [
            f"{self.origin} -> {self.destination}; cargo USD {self.cargo_value_usd:,.0f}; "
            f"objective {self.objective}"
            + (f"; depart {self.depart:%a %Y-%m-%d %H:%M %Z}" if self.depart else "")
        ]
        lines.append(
            f"{'route':<14} {'km':>6} {'drive h':>8} {'wait':>6} {'total h':>8} {'crossing':<34} "
            f"{'P(theft)':>9} {'exp. loss':>10} {'cost USD':>10}  vs fastest"
        )
        for r in self.routes():
            lines.append(
                f"{r.label:<14} {r.km:>6,.0f} {r.driving_h:>8.1f} {r.wait_min:>5.0f}m {r.total_h:>8.1f} "
                f"{(r.crossing or '-')[:34]:<34} {r.theft_prob:>9.2e} {r.expected_loss_usd:>10,.0f} "
                f"{r.cost_usd:>10,.0f}  {r.vs_fastest}"
            )
        top = self.recommended.riskiest[:3]
        if top:
            lines.append("riskiest segments of the recommended route:")
            lines += [
                f"  {s['from']} - {s['to']} ({s['ref']}, {s['state']}): P {s['theft_prob']:.1e}; "
                f"{'; '.join(s['drivers'])}"
                for s in top
            ]
        return "\n".join(lines)
