"""cargorisk: cargo-theft risk scoring and truck route planning across the Mexico-US border.

The public API (heavy modules load on first use)::

    from cargorisk import load_network, resolve_place, Router, RoutePlan, TheftRiskModel,
                          BorderWaitModel, score_lanes, route_map
"""

import importlib

from cargorisk.config import Settings
from cargorisk.errors import (
    AmbiguousPlace,
    CargoRiskError,
    DataSourceError,
    InputError,
    ModelFileError,
    NetworkBuildError,
    NoRouteError,
    OffNetworkError,
    PlaceNotFound,
)

__version__ = "0.1.0"

_LAZY = {
    "load_network": "cargorisk.network",
    "resolve_place": "cargorisk.network",
    "Router": "cargorisk.routing",
    "RoutePlan": "cargorisk.routing",
    "TheftRiskModel": "cargorisk.risk",
    "BorderWaitModel": "cargorisk.border",
    "score_lanes": "cargorisk.batch",
    "route_map": "cargorisk.viz",
    "route_png": "cargorisk.viz",
    "save_map": "cargorisk.viz",
    "score_file": "cargorisk.batch",
    "load_gazetteer": "cargorisk.network",
    "create_app": "cargorisk.service",
}


def __getattr__(name: str) -> object:
    """Import public names from their modules on first use (keeps ``import cargorisk`` fast)."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    msg = f"module 'cargorisk' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    """The public API, lazy names included (``dir(cargorisk)``, tab completion)."""
    return sorted(__all__)


__all__ = [
    "AmbiguousPlace",
    "BorderWaitModel",
    "CargoRiskError",
    "DataSourceError",
    "InputError",
    "ModelFileError",
    "NetworkBuildError",
    "NoRouteError",
    "OffNetworkError",
    "PlaceNotFound",
    "RoutePlan",
    "Router",
    "Settings",
    "TheftRiskModel",
    "__version__",
    "create_app",
    "load_gazetteer",
    "load_network",
    "resolve_place",
    "route_map",
    "route_png",
    "save_map",
    "score_file",
    "score_lanes",
]
