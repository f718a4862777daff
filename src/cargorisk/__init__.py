"""cargorisk: cargo-theft risk scoring and truck route planning across the Mexico-US border."""

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

__all__ = [
    "AmbiguousPlace",
    "CargoRiskError",
    "DataSourceError",
    "InputError",
    "ModelFileError",
    "NetworkBuildError",
    "NoRouteError",
    "OffNetworkError",
    "PlaceNotFound",
    "Settings",
    "__version__",
]
