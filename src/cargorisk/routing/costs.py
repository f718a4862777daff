"""The generalized cost of a route, in USD.

    cost = value_of_time x (driving + border wait hours) + cargo value x P(theft) + cost_per_km x km
    P(theft) = 1 - prod(1 - p_edge)

Search uses each edge's additive risk weight r = -log(1 - p_edge), so that the route's theft
probability is 1 - exp(-sum r) exactly; the linear term cargo x sum(r) that the search
minimises exceeds cargo x P(theft) by less than P/2 in relative terms (under 0.05% for the
corridor's largest route probabilities). Reported costs use the exact formula.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cargorisk.config import Settings
from cargorisk.errors import InputError

OBJECTIVES = ("balanced", "fastest", "safest")


@dataclass(frozen=True)
class CostModel:
    """Cost parameters (see module docstring); ``Settings`` gives the cited defaults."""

    value_of_time_usd_per_h: float = 91.27
    cost_per_km_usd: float = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> CostModel:
        """Defaults from settings (and so from ``CARGORISK_*`` variables)."""
        return cls(settings.value_of_time_usd_per_h, settings.cost_per_km_usd)

    def edge_weights(
        self, objective: str, seconds: np.ndarray, risk: np.ndarray, metres: np.ndarray, cargo_value: float
    ) -> np.ndarray:
        """Additive search weight per edge for an objective (USD, seconds or risk units)."""
        if objective == "fastest":
            return seconds + 1e-9 * risk
        if objective == "safest":
            # ties broken by time, at a weight (1e-15/s, ~1e-10 per route) far below any route's risk
            return risk + 1e-15 * seconds
        if objective == "balanced":
            return (
                self.value_of_time_usd_per_h * seconds / 3600
                + cargo_value * risk
                + self.cost_per_km_usd * metres / 1000
            )
        msg = f"objective {objective!r} is not one of {OBJECTIVES}"
        raise InputError(msg)

    def wait_weight(self, objective: str, wait_s: float, cargo_value: float) -> float:
        """Weight of a border wait in the objective's units."""
        if objective == "fastest":
            return wait_s
        if objective == "safest":
            return 1e-15 * wait_s
        return self.value_of_time_usd_per_h * wait_s / 3600

    def route_cost(self, hours: float, theft_prob: float, km: float, cargo_value: float) -> float:
        """Exact generalized cost of a route (USD)."""
        return self.value_of_time_usd_per_h * hours + cargo_value * theft_prob + self.cost_per_km_usd * km


def check_cargo_value(value: float) -> float:
    """A cargo value in USD must be a finite, non-negative number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        msg = f"cargo value {value!r} is not a number of USD"
        raise InputError(msg) from None
    if not np.isfinite(number) or number < 0:
        msg = f"cargo value {value!r} must be a non-negative amount of USD (e.g. 250000)"
        raise InputError(msg)
    return number
