"""Which alternatives a plan shows (the rules of :func:`cargorisk.routing.choice.alternatives`),
on routes made up for the case: the real plans are in test_clock and test_router."""

from __future__ import annotations

import dataclasses

from cargorisk.routing import choice
from cargorisk.routing.compose import FALLBACK, label_fallbacks
from cargorisk.routing.plan import Route


def route(name: str, crossing: str, hours: float, theft: float, cost: float) -> Route:
    """A priced route with only what the choice reads (made up, labelled by ``name``)."""
    return Route(
        name, [], [], 100.0, hours, 0.0, 0.0, None, crossing, None, None, theft, 0.0, cost, total_h=hours
    )


def apart(a: Route, b: Route) -> float:
    """Every made-up route shares nothing with another."""
    return 1.0 if a is b else 0.0


MAIN = [route("recommended", "A", 10.0, 2e-4, 1000.0), route("fastest", "A", 9.0, 3e-4, 1010.0)]
SAFEST = route("safest", "A", 11.0, 1e-4, 1050.0)


def pick(pool: list[Route], n: int) -> list[Route]:
    shown = [*MAIN, SAFEST]
    chosen = choice.Choice(MAIN[0], MAIN[1], SAFEST, [*shown, *pool], 99.0, 99.0, 1.5)
    return label_fallbacks(choice.alternatives(chosen, n, apart, shown), shown)


def test_a_fallback_gives_its_slot_to_a_route_not_beaten_through_its_crossing() -> None:
    beaten_b = route("beaten B", "B", 12.0, 4e-4, 1100.0)  # worse than the recommended on all three
    fine_b = route("fine B", "B", 12.5, 0.9e-4, 1200.0)  # the safest yet: not beaten
    beaten_c = route("beaten C", "C", 13.0, 5e-4, 1300.0)
    found = pick([beaten_b, fine_b, beaten_c], n=2)
    assert found == [fine_b, beaten_c]  # two slots, both used
    assert fine_b.label == "fine B" and beaten_c.label == FALLBACK


def test_a_beaten_route_through_a_crossing_shown_is_passed_over() -> None:
    beaten_a = route("beaten A", "A", 12.0, 4e-4, 1100.0)
    beaten_c1 = route("beaten C", "C", 13.0, 5e-4, 1300.0)
    beaten_c2 = route("beaten C again", "C", 14.0, 6e-4, 1400.0)
    assert pick([beaten_a, beaten_c1, beaten_c2], n=3) == [beaten_c1]
    assert beaten_c1.label == FALLBACK


def test_an_advantage_too_small_to_act_on_is_no_alternative() -> None:
    """A detour that arrives with the fastest (within the same-arrival quarter hour), 0.4% safer
    and USD 174 dearer is a fallback through its crossing, not 'alternative 1' (an audit read
    one such as '+0 min, +0%'); 20 min sooner, 2% safer or USD 15 cheaper is worth showing."""
    fastest = MAIN[1]
    close = route("close B", "B", fastest.total_h + 0.01, fastest.theft_prob * 0.996, fastest.cost_usd + 174)
    assert pick([close], n=3) == [close] and close.label == FALLBACK
    sooner = route("sooner C", "C", 8.6, 3.5e-4, 1300.0)  # 24 min before the fastest
    safer = route("safer D", "D", 11.5, 0.98e-4, 1400.0)  # 2% less risk than the safest
    cheaper = route("cheaper E", "E", 10.5, 2.5e-4, 985.0)  # USD 15 less than the recommended
    for good in (sooner, safer, cheaper):
        assert (
            pick([good], n=3) == [good] and good.label == good.label.split()[0] + " " + good.label.split()[1]
        )


def test_vs_fastest_says_a_risk_change_under_one_percent() -> None:
    """An audit's 'safest' row read '+0% theft risk' for a route 0.3% safer than the fastest."""
    from cargorisk.routing.plan import compare  # noqa: PLC0415

    def other(hours: float, theft: float) -> Route:  # another path than the fastest's
        return dataclasses.replace(route("other", "A", hours, theft, 90.0), nodes=[1, 2])

    fastest = route("fastest", "A", 10.0, 1e-3, 100.0)
    assert compare(other(10.2, 0.997e-3), fastest) == "+12 min, -0.3% theft risk vs fastest"
    assert compare(other(10.5, 1.5e-3), fastest) == "+30 min, +50% theft risk vs fastest"
    assert compare(other(10.0, 1e-3 * (1 + 1e-5)), fastest) == "+0 min, +0% theft risk vs fastest"
