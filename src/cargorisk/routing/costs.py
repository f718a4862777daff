"""The generalized cost of a route, in USD: time, distance, tolls and expected theft loss.

    cost = time cost x elapsed hours            (driving, breaks, queueing at the border; a
                                                 team's: plus its second driver's pay share)
         + rest cost x hours of off-duty rest   (the truck is tied up, the driver is not paid)
         + operating cost per km x km           (fuel, repair and maintenance, tyres; by country)
         + tolls                                (per toll km, by country)
         + cargo value x P(theft)               P(theft) = 1 - prod(1 - p_edge)
         + fees                                 (a transfer crossing: transfer and broker fees)

Every default is a field of :class:`~cargorisk.config.Settings` with its source there, and can
be overridden (``CARGORISK_*`` variables, ``cargorisk --set NAME=VALUE``, or ``CostModel(...)``).

Search uses each edge's additive weight; the risk term uses r = -log(1 - p_edge) so that a
route's theft probability is 1 - exp(-sum r) exactly (cargo x sum r exceeds cargo x P by less
than P/2 in relative terms). Breaks, rests and waits are added when a found path is priced
(:mod:`cargorisk.routing.pricing`), exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from cargorisk.config import Settings
from cargorisk.errors import InputError, shown

OBJECTIVES = ("balanced", "fastest", "safest")
TINY = 1e-9  # tie-break weight of the other objective in fastest / safest searches


@dataclass(frozen=True)
class CostBreakdown:
    """One route's cost components (USD)."""

    time_usd: float
    rest_usd: float
    operating_usd: float
    toll_usd: float
    loss_usd: float
    fees_usd: float = 0.0  # transfer and customs-broker fees (a transfer crossing)

    @property
    def total_usd(self) -> float:
        """The generalized cost."""
        return (
            self.time_usd + self.rest_usd + self.operating_usd + self.toll_usd + self.loss_usd + self.fees_usd
        )


@dataclass(frozen=True)
class CostModel:
    """Cost parameters (see the module docstring); :meth:`from_settings` gives the cited defaults."""

    time_usd_per_h: float = 57.64
    rest_usd_per_h: float = 18.88
    km_usd: dict[str, float] = field(default_factory=lambda: {"MX": 0.653, "US": 0.498})
    toll_usd_per_km: dict[str, float] = field(default_factory=lambda: {"MX": 0.339, "US": 0.137})
    team_pay_ratio: float = 1.18  # a team's driver pay per truck-mile over one driver's

    @property
    def team_time_usd_per_h(self) -> float:
        """An hour on duty of a team: the time cost plus the team's extra pay on its driver part
        (the time cost less the rest cost, which is the equipment's)."""
        return self.time_usd_per_h + (self.team_pay_ratio - 1) * (self.time_usd_per_h - self.rest_usd_per_h)

    @classmethod
    def from_settings(cls, settings: Settings) -> CostModel:
        """Defaults from settings (and so from ``CARGORISK_*`` variables and ``--set``)."""
        return cls(
            settings.time_cost_usd_per_h,
            settings.rest_cost_usd_per_h,
            {"MX": settings.operating_cost_usd_per_km_mx, "US": settings.operating_cost_usd_per_km_us},
            {"MX": settings.toll_usd_per_km_mx, "US": settings.toll_usd_per_km_us},
            settings.team_pay_ratio,
        )

    def edge_money(
        self, metres: np.ndarray, country: np.ndarray, toll: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Operating cost and toll (USD) of every edge (crossings: the Mexican rates)."""
        km = metres / 1000
        side = np.where(country == "US", "US", "MX")
        rate = np.where(side == "US", self.km_usd["US"], self.km_usd["MX"])
        toll_rate = np.where(side == "US", self.toll_usd_per_km["US"], self.toll_usd_per_km["MX"])
        return km * rate, np.where(toll, km * toll_rate, 0.0)

    def edge_weights(
        self, objective: str, seconds: np.ndarray, risk: np.ndarray, money: np.ndarray, cargo_value: float
    ) -> np.ndarray:
        """Additive search weight per edge for an objective (USD, seconds or risk units);
        ``money`` is each edge's operating cost plus toll."""
        if objective == "fastest":
            return seconds + TINY * risk
        if objective == "safest":
            return risk + TINY * 1e-6 * seconds  # ties by time, far below any route's risk
        if objective == "balanced":
            return self.time_usd_per_h * seconds / 3600 + money + cargo_value * risk
        msg = f"objective {shown(objective)} is not one of {OBJECTIVES}"
        raise InputError(msg)

    def breakdown(
        self,
        *,
        busy_h: float,
        rest_h: float,
        operating_usd: float,
        toll_usd: float,
        theft_prob: float,
        cargo_value: float,
        fees_usd: float = 0.0,
        team: bool = False,
    ) -> CostBreakdown:
        """Exact cost components of a priced route (``fees_usd``: a transfer's fees; ``team``:
        two drivers, their hours on duty at :attr:`team_time_usd_per_h`)."""
        return CostBreakdown(
            (self.team_time_usd_per_h if team else self.time_usd_per_h) * busy_h,
            self.rest_usd_per_h * rest_h,
            operating_usd,
            toll_usd,
            cargo_value * theft_prob,
            fees_usd,
        )


MAX_CARGO_USD = 1e10  # above any truck load: a larger value is a typo or an attack
# an amount as spreadsheets and TMS exports write it: '250,000', '$250,000.00', 'USD 250,000'
USD_MARKS = re.compile(r"\s*(?:US\$|USD|\$)?\s*(.*?)\s*(?:USD)?\s*", re.IGNORECASE)  # around the number
COMMA_THOUSANDS = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")
DOT_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
OTHER_CURRENCY = re.compile(r"MXN|MX\$|M\.?N\.?\b|PESOS?\b|EUR|€|CAD", re.IGNORECASE)
WRITE_USD = "write it as 250000 or $250,000.00"


def check_cargo_value(value: float | str) -> float:
    """A cargo value in USD: a finite number from 0 to :data:`MAX_CARGO_USD`, or text such as
    '250,000', '$250,000.00' or 'USD 250,000' (a boolean is not a number here, whatever Python
    says; an amount in pesos or another currency is refused, not converted)."""
    if isinstance(value, bool | np.bool_):
        msg = f"cargo value {shown(value)} is not a number of USD"
        raise InputError(msg)
    text = usd_text(value) if isinstance(value, str) else value  # its own error for pesos
    try:
        number = float(text)
    except (TypeError, ValueError, OverflowError):
        msg = f"cargo value {shown(value)} is not a number of USD; {WRITE_USD}"
        raise InputError(msg) from None
    if not (np.isfinite(number) and 0 <= number <= MAX_CARGO_USD):
        msg = f"cargo value {shown(value)} must be an amount of USD from 0 to {MAX_CARGO_USD:,.0f}"
        raise InputError(msg)
    return number + 0.0  # -0 is 0


def usd_text(text: str) -> str:
    """The number in an amount of USD written as text ('$250,000.00' -> '250000.00'); other
    text as it is (``float`` reads '1e6' and refuses the rest)."""
    if OTHER_CURRENCY.search(text):
        msg = f"cargo value {text!r} is not in USD; give the value in US dollars"
        raise InputError(msg)
    number = USD_MARKS.fullmatch(text).group(1)  # type: ignore[union-attr]  (it matches any text)
    if DOT_THOUSANDS.fullmatch(number):  # '250.000': 250 thousand or 250? never guessed
        msg = f"cargo value {text!r} is unclear (a dot between thousands?); {WRITE_USD}"
        raise InputError(msg)
    found = COMMA_THOUSANDS.fullmatch(number)
    return found.group(1).replace(",", "") + (found.group(2) or "") if found else text
