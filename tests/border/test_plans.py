"""Weekend and holiday plans through Laredo, Otay Mesa and Nogales follow each port's own hours
(issue 25), on the national graph with the trained models; ports named as dispatchers write them."""

from __future__ import annotations

from cargorisk.routing import Router


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
