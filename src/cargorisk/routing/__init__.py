"""Routing: cost model, compiled shortest-path engine, Pareto search, constraints and the Router."""

import lazy_loader

# submodules load on first use of a name (a router read from its snapshot starts fast)
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "costs": ["CostModel"],
        "engine": ["CSREngine"],
        "pareto": ["pareto_paths"],
        "plan": ["Route", "RoutePlan"],
        "router": ["Router"],
    },
)
