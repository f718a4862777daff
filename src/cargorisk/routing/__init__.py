"""Routing: cost model, compiled shortest-path engine, Pareto search, constraints and the Router."""

from cargorisk.routing.costs import CostModel
from cargorisk.routing.engine import CSREngine
from cargorisk.routing.pareto import pareto_paths
from cargorisk.routing.plan import Route, RoutePlan
from cargorisk.routing.router import Router

__all__ = ["CSREngine", "CostModel", "Route", "RoutePlan", "Router", "pareto_paths"]
