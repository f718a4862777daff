"""The matrix's cells on a weekend: the crossings it prices per pair."""

from __future__ import annotations

import pytest

from cargorisk.routing import Router


def test_a_cell_is_not_routed_through_a_crossing_closed_when_the_truck_gets_there(router: Router) -> None:
    """Monterrey -> Dallas leaving Sunday 02:30: the matrix's one best-ranked crossing was
    Colombia (ranked by the driving alone, reached after a rest while closed: 17 h parked, 37.7 h
    against the plan's 23.0 h by Roma). The three best-ranked crossings are priced and chosen
    among as the plan chooses: the cell is the plan's route."""
    depart = "2026-03-08T02:30"
    cell = router.matrix(["Monterrey, NL"], ["Dallas, TX"], depart=depart).routes[0][0]
    plan = router.plan("Monterrey, NL", "Dallas, TX", depart=depart, alternatives=0).recommended
    assert cell.crossing == plan.crossing and cell.closed_min < 4 * 60  # not 17 h
    assert cell.total_h == pytest.approx(plan.total_h, rel=0.02)
    assert cell.cost_usd == pytest.approx(plan.cost_usd, rel=0.02)
