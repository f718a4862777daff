"""The transfer crossing: how most loads cross the US-Mexico border.

A load crosses ``through`` when one truck (a carrier with authority on both sides) drives it
door to door. Most loads cross by **transfer** instead ("Most loads are driven across the border
by transfer carriers that do nothing but wait in line to get into the other country ... Once
the load is in Mexico, or the U.S., a domestic carrier takes it to its destination",
TruckingInfo, *Transborder Trucking*, 2013): the long-haul carrier of the first country drops
the trailer at a yard in the border city, a transfer (drayage) carrier takes it across the
bridge through customs, and the long-haul carrier of the second country picks it up at a yard
on the other side.

A transfer plan therefore has three legs, each with its own driver (so its own hours of
service, :mod:`~cargorisk.routing.hos`): the first carrier to the yard; the yard dwell, the
drayage leg (the wait at the crossing, the line, the bridge, customs and the inspection the
cargo type needs); the yard dwell on the far side and the second carrier on. The figures (dwell,
customs and inspection time, transfer and customs-broker fees: the brokers are paid crossing
through too, so only the transfer fee is in a transfer's cost) are in
``cargorisk/data/transfer_crossing.csv``, one row each with its source, address and date; rows
no public figure supports are marked as assumptions there.

While the trailer stands in a yard it is parked: its theft hazard per hour is the parked
exposure of the yard's node (``parked_risk_per_h``, :mod:`~cargorisk.risk.exposure`) at the
secured-place factor of its country (a yard is fenced), times the cargo type's multiplier.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from cargorisk.errors import InputError
from cargorisk.routing.schedule import DRIVING

THROUGH, TRANSFER = "through", "transfer"
CROSSING_MODES = (THROUGH, TRANSFER)
DEFAULT_MODE = THROUGH
ROLE_NAMES = {"MX": "Mexican carrier", "US": "US carrier"}
TRANSFER_ROLE = "transfer carrier"
HANDOVER = "yard"  # the schedule's activity where the trailer changes carrier
INSPECTIONS = {  # what the inspection of a cargo type is (its hours: the cited table)
    "agricultural": "produce inspection (USDA APHIS, FDA, SENASICA)",
    "chemicals": "hazardous materials inspection (hazmat lanes, no FAST)",
}


def check_crossing_mode(value: object) -> str:
    """The crossing mode named by ``value`` (case and spaces ignored; None or empty: the
    default); anything else is a one-line error naming it."""
    if value is None or (isinstance(value, float) and value != value):  # noqa: PLR0124  (NaN)
        return DEFAULT_MODE
    name = str(value).strip().lower()
    if name == "":
        return DEFAULT_MODE
    if name not in CROSSING_MODES:
        msg = f"crossing_mode {str(value)!r} is not one of {', '.join(CROSSING_MODES)}"
        raise InputError(msg)
    return name


@dataclass(frozen=True)
class TransferFigures:
    """The transfer crossing's figures (hours and USD) read from the cited table."""

    yard_origin_h: float
    yard_destination_h: float
    customs_h: float
    fees_usd: dict[str, float]  # what the transfer adds: in its cost
    brokers_usd: dict[str, float]  # both customs brokers: paid crossing through too, in neither cost
    inspection_h: dict[str, float]

    def inspection(self, cargo_type: str) -> float:
        """Hours of inspection a load of ``cargo_type`` adds at the port (0 for most types)."""
        return self.inspection_h.get(cargo_type, 0.0)

    @property
    def fee_total_usd(self) -> float:
        """The fees the transfer adds (the transfer fee; the brokers are paid either way)."""
        return sum(self.fees_usd.values())


def table() -> pd.DataFrame:
    """The cited table (``cargorisk/data/transfer_crossing.csv``): item, cargo_type, value,
    unit, assumption, source, url, date, note."""
    with resources.files("cargorisk.data").joinpath("transfer_crossing.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype={"cargo_type": "string"})


@functools.lru_cache(maxsize=1)
def figures() -> TransferFigures:
    """The figures of :func:`table`, read once."""
    rows = table()
    value = rows.set_index("item")["value"]
    fees = {"transfer_fee_usd": float(value["transfer_fee_usd"])}
    brokers = {item: float(value[item]) for item in ("broker_fee_mx_usd", "broker_fee_us_usd")}
    inspections = rows[rows["item"] == "inspection_h"]
    return TransferFigures(
        yard_origin_h=float(value["yard_dwell_origin_h"]),
        yard_destination_h=float(value["yard_dwell_destination_h"]),
        customs_h=float(value["customs_h"]),
        fees_usd=fees,
        brokers_usd=brokers,
        inspection_h=dict(zip(inspections["cargo_type"], inspections["value"].astype(float), strict=True)),
    )


def inspection_rule(cargo_type: str) -> str:
    """What the inspection of ``cargo_type`` at the port is (empty when it needs none)."""
    return INSPECTIONS.get(cargo_type, "")


def roles(direction: str | None) -> tuple[str, str, str]:
    """The carrier of each leg of a transfer crossing: the first country's, the transfer
    carrier, the second country's."""
    first, second = ("MX", "US") if direction != "southbound" else ("US", "MX")
    return ROLE_NAMES[first], TRANSFER_ROLE, ROLE_NAMES[second]


def carrier_of(schedule: list, direction: str | None, mode: str) -> list[str]:
    """The carrier role during each activity of a schedule: one carrier door to door when
    ``through`` ('through carrier'), else the leg's carrier, changing after each yard dwell
    (the yard itself belongs to the carrier that takes the trailer from it)."""
    if mode != TRANSFER:
        return ["through carrier"] * len(schedule)
    names, leg, out = roles(direction), 0, []
    for activity in schedule:
        if activity.kind == HANDOVER:
            leg = min(leg + 1, 2)
        out.append(names[leg])
    return out


def legs(schedule: list, direction: str | None, mode: str) -> list[dict]:
    """The plan's legs, one per carrier: role, start and end (hours after departure), hours,
    hours at the wheel (``driving_h``: driving and the border line, as the driver's hours of
    service count them) and of them in the border line (``line_h``)."""
    if not schedule:
        return []
    out: list[dict] = []
    for activity, role in zip(schedule, carrier_of(schedule, direction, mode), strict=True):
        if not out or out[-1]["carrier"] != role:
            out.append({"carrier": role, "start_s": activity.start_s, "driving_s": 0.0, "line_s": 0.0})
        leg = out[-1]
        leg["end_s"] = activity.end_s
        if activity.kind in DRIVING:
            leg["driving_s"] += activity.end_s - activity.start_s
        if activity.kind == "line":
            leg["line_s"] += activity.end_s - activity.start_s
    return [
        {
            "carrier": leg["carrier"],
            "start_h": round(leg["start_s"] / 3600, 4),
            "end_h": round(leg["end_s"] / 3600, 4),
            "hours": round((leg["end_s"] - leg["start_s"]) / 3600, 4),
            "driving_h": round(leg["driving_s"] / 3600, 4),
            "line_h": round(leg["line_s"] / 3600, 4),
        }
        for leg in out
    ]


def yard_hazard_per_h(graph: object, node: object, multiplier: float) -> float:
    """Theft hazard per hour (``-log(1 - p)``) of a trailer parked in a secured yard at
    ``node``: its ``parked_risk_per_h`` (unsecured) times its country's secured over unsecured
    factor (:class:`~cargorisk.risk.exposure.CountryExposure`), times the cargo multiplier;
    0 on a graph without the exposure model."""
    model = graph.graph.get("theft_exposure")
    data = graph.nodes[node]
    country = model.countries.get(data.get("country")) if model is not None else None
    if country is None or country.unsecured_factor <= 0:
        return 0.0
    secured = country.secured_factor / country.unsecured_factor
    return float(data.get("parked_risk_per_h", 0.0)) * secured * multiplier
