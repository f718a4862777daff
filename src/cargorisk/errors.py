"""One exception hierarchy for cargorisk.

Every message names the offending value and says what to do about it, so the CLI can print
it as a single line (``error: DataSourceError: ...``) and exit non-zero without a traceback.
"""

from __future__ import annotations


class CargoRiskError(Exception):
    """Base class of every error cargorisk raises on purpose."""


class DataSourceError(CargoRiskError):
    """A raw or processed data file is missing, damaged, or not in the expected format."""


class InputError(CargoRiskError, ValueError):
    """A user-supplied value (argument, CSV row, setting) is invalid."""


class PlaceNotFound(InputError):
    """A place name matches nothing in the network or the gazetteer."""


class AmbiguousPlace(InputError):
    """A place name matches several candidates; the message lists them."""


class OffNetworkError(InputError):
    """A coordinate lies farther from the road network than the snapping tolerance."""


class NoRouteError(CargoRiskError):
    """No path joins the origin and the destination under the given constraints."""


class ModelFileError(CargoRiskError):
    """A model file is missing, corrupt, or does not match the data or library versions."""


class NetworkBuildError(CargoRiskError):
    """A road graph cannot be built from the given input (empty, malformed, no CRS)."""


# the end of every "missing" message: the folder may be right elsewhere (README 'Where things live')
ELSEWHERE_DATA = " (or, if the data is built elsewhere, give --home or --data-dir, or set CARGORISK_HOME)"
ELSEWHERE_MODELS = " (or, if the models are elsewhere, give --home or --models-dir, or set CARGORISK_HOME)"


def shown(value: object) -> str:
    """A value as an error message shows it: text quoted, anything else as it prints (never a
    Python repr such as ``np.float64(5.0)`` or ``datetime.datetime(...)``)."""
    if isinstance(value, str):
        return repr(value)
    item = getattr(value, "item", None)  # numpy scalars
    return str(item() if callable(item) and getattr(value, "ndim", 1) == 0 else value)


def first_invalid(exc: Exception) -> str:
    """The first problem of a pydantic ``ValidationError`` on one line: where in the document
    (``levels.Ysleta Bridge``), why, and the value found (``levels.X (Input should be a finite
    number: nan)``)."""
    first = exc.errors()[0]  # type: ignore[attr-defined]
    where = repr(".".join(str(p) for p in first["loc"]) or "the top level")[1:-1]  # control chars escaped
    value = str(first.get("input")).replace("\n", " ")[:40]
    return f"{where} ({first['msg']}: {value})"
