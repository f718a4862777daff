"""Weekend and holiday plans through Laredo, Otay Mesa and Nogales follow each port's own hours
(issue 25), on the national graph with the trained models; ports named as dispatchers write them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from cargorisk.routing import Router
from cargorisk.routing.plan import Route


def test_christmas_eve_waits_for_the_holiday_opening(router: Router) -> None:
    plan = router.plan(
        "Monterrey, NL", "San Antonio, TX", depart="2026-12-24T04:00-06:00", via_port="Puente III"
    )
    rec = plan.recommended
    assert rec.crossing == "World Trade Bridge"
    assert rec.opens_at is not None and f"{rec.opens_at:%a %d %H:%M}" == "Thu 24 10:00"  # Dec 24: 10:00-14:00


def test_saturday_evening_laredo_bridges_differ(router: Router) -> None:
    depart = "2026-03-07T14:00-06:00"
    colombia = router.plan(
        "Monterrey, NL", "San Antonio, TX", depart=depart, via_port="Puente Colombia"
    ).recommended
    wtb = router.plan(
        "Monterrey, NL", "San Antonio, TX", depart=depart, via_port="Comercio Mundial"
    ).recommended
    # both closed by the evening: World Trade Bridge's sourced Saturday 08:00-16:00 and Sunday from
    # 10:00; Colombia's weekend is not sourced (the feed's one string is its weekdays): assumed
    # as most crossings whose weekend hours are stated (Sunday 09:00-16:00), and the plan says so
    assert colombia.crossing == "Colombia Solidarity Bridge" and colombia.opens_at is not None
    assert f"{colombia.opens_at:%a %H:%M}" == "Sun 09:00" and colombia.wait_source.endswith("hours assumed")
    assert wtb.opens_at is not None and f"{wtb.opens_at:%a %H:%M}" == "Sun 10:00"  # closed at 16:00 Saturday
    assert "assumed" not in wtb.wait_source


def test_otay_mesa_on_saturday_evening_and_nogales_on_sunday(router: Router) -> None:
    otay = router.plan("Tijuana", "Los Angeles, CA", depart="2026-03-07T17:00-08:00", via_port="Mesa de Otay")
    assert otay.recommended.opens_at is not None and f"{otay.recommended.opens_at:%a %H:%M}" == "Sun 08:00"
    nogales = router.plan("Hermosillo", "Phoenix, AZ", depart="2026-03-08T05:30-07:00", via_port="Nogales")
    rec = nogales.recommended
    assert rec.crossing == "Mariposa" and rec.closed_min == 0  # Sundays 09:00-15:00 (CBP, 2008)


def test_avoiding_a_mexican_city_avoids_its_bridges(router: Router) -> None:
    plan = router.plan(
        "Monterrey, NL", "Dallas, TX", depart="2026-03-02T06:00-06:00", avoid_ports=["Nuevo Laredo"]
    )
    assert {r.crossing for r in plan.routes()} & {"World Trade Bridge", "Colombia Solidarity Bridge"} == set()


def crossing_local(route: Route) -> datetime:
    """When the truck goes through the crossing's gate (local): its opening when it waited, else on
    arrival."""
    if route.closed_min > 0 and route.opens_at is not None:
        return route.opens_at
    assert route.port_arrival is not None and route.port_zone is not None
    return route.port_arrival.astimezone(ZoneInfo(route.port_zone))


def test_santa_teresa_plans_keep_san_jeronimos_export_hours(router: Router) -> None:
    """San Jeronimo's export customs close at 20:00 (NMBA), though CBP's Santa Teresa lot is open
    to 22:00: a truck reaching it at 20:43 waits for the morning or crosses elsewhere."""
    plan = router.plan("Chihuahua", "Albuquerque, NM", depart="2027-03-03T16:00-06:00", cargo_type="metals")
    for route in plan.routes():
        if route.crossing == "Santa Teresa":
            assert 6 <= crossing_local(route).hour < 20, route.label


def test_holy_saturday_keeps_cbps_closed_saturday_at_bridge_of_the_americas(router: Router) -> None:
    """The Juarez aduanas' Holy Saturday 08:00-16:00 does not open CBP's lot, closed on Saturdays."""
    plan = router.plan("Ciudad Juárez", "El Paso, TX", depart="2027-03-27T09:15-06:00", via_port="BOTA")
    assert f"{crossing_local(plan.recommended):%a %H:%M}" == "Mon 06:00"


def test_southbound_world_trade_bridge_waits_for_the_import_customs(router: Router) -> None:
    """Nuevo Laredo's import customs open at 08:00 (SAT/ANAM), not at CBP's 2017 storm-period 07:00."""
    plan = router.plan("Laredo, TX", "Monterrey, NL", depart="2027-03-03T07:00-06:00", via_port="Puente III")
    assert plan.recommended.crossing == "World Trade Bridge"
    assert f"{crossing_local(plan.recommended):%a %H:%M}" == "Wed 08:00"
