"""A plan as a dispatcher reads it: the routes with their local ETAs, the Pareto front, the
risk, and the recommended route's schedule with each time in the zone of the place it happens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cargorisk.network.timezones import abbreviation, clock, zone_key
from cargorisk.risk.calibration import one_in
from cargorisk.risk.cargo import multiplier
from cargorisk.routing.costs import CostBreakdown
from cargorisk.routing.schedule import HOUR, STOPS
from cargorisk.routing.transfer import figures, legs

if TYPE_CHECKING:
    from cargorisk.routing.plan import Route, RoutePlan

LABEL = 17  # "fallback crossing"
AT_THE_BORDER = ("closed", "line")  # what the border sentence says


def plan_text(plan: RoutePlan) -> str:
    """The plan's table, notes, advice, Pareto front, risk, schedule and riskiest stretches."""
    lines = [header(plan), *routes_table(plan.routes())]
    lines += [f"note: {n}" for n in plan.notes]
    if plan.advice:
        lines.append(f"advice: {plan.advice.sentence()}")
    lines += pareto_lines(plan)
    lines.append(risk_sentence(plan.recommended))
    lines += leg_lines(plan.recommended)
    lines += schedule_lines(plan.recommended, plan.origin, plan.destination)
    top = plan.recommended.riskiest[:3]
    if top:
        lines.append("riskiest segments of the recommended route:")
        lines += [
            f"  {s['from']} - {s['to']} ({s['ref']}, {s['state']}): P {s['theft_prob']:.1e}; "
            f"{'; '.join(s['drivers'])}"
            for s in top
        ]
    return "\n".join(lines)


def header(plan: RoutePlan) -> str:
    """'Monterrey -> Dallas; cargo USD 250,000; objective balanced; depart Mon ... CST (zone)'."""
    kind = f" {plan.cargo_type} (theft x{multiplier(plan.cargo_type):.2f})"
    kind = "" if plan.cargo_type == "general" else kind
    depart = (
        f"; depart {plan.depart:%a %Y-%m-%d %H:%M} {abbreviation(plan.depart)} "
        f"({zone_key(plan.depart.tzinfo)})"
        if plan.depart
        else "; no departure given: typical border waits and no clock times (give --depart)"
    )
    mode = "; crossing by transfer (yard, transfer carrier, yard)" if plan.crossing_mode == "transfer" else ""
    return f"{plan.origin} -> {plan.destination}; cargo USD {plan.cargo_value_usd:,.0f}{kind}" + (
        f"; objective {plan.objective}{mode}{depart}"
    )


def routes_table(routes: list[Route]) -> list[str]:
    """One line per route, with the ETA at the crossing and at the destination in their own
    zones."""
    lines = [
        f"{'route':<{LABEL}} {'km':>6} {'drive h':>7} {'stops h':>7} {'wait':>6} {'total h':>7} "
        f"{'crossing':<30} {'at crossing':<13} {'arrive':<13} {'P(theft)':>9} {'1 in':>7} {'loss':>6} "
        f"{'operate':>8} {'tolls':>6} {'fees':>6} {'cost USD':>9}  vs fastest"
    ]
    for r in routes:
        costs = r.costs or CostBreakdown(0.0, 0.0, 0.0, 0.0, r.expected_loss_usd)
        crossing = (r.crossing or "-")[:29] + ("*" if r.low_traffic else "")
        lines.append(
            f"{r.label:<{LABEL}} {r.km:>6,.0f} {r.driving_h:>7.1f} {r.break_h + r.rest_h + r.port_h:>7.1f} "
            f"{r.wait_min:>5.0f}m {r.total_h:>7.1f} {crossing:<30} {clock(r.port_arrival_local):<13} "
            f"{clock(r.eta_local):<13} {r.theft_prob:>9.2e} {one_in(r.theft_prob).removeprefix('1 in '):>7} "
            f"{r.expected_loss_usd:>6,.0f} {costs.operating_usd:>8,.0f} {costs.toll_usd:>6,.0f} "
            f"{costs.fees_usd:>6,.0f} {r.cost_usd:>9,.0f}  {r.vs_fastest}"
        )
    return lines


def leg_lines(route: Route) -> list[str]:
    """A transfer crossing's legs, one per carrier, with their hours, its fees and the theft
    risk in the yards (nothing for a through crossing)."""
    if route.crossing_mode != "transfer" or route.crossing is None:
        return []
    items = ", ".join(f"{name.removesuffix('_usd')} {usd:,.0f}" for name, usd in route.fees.items())
    brokers = figures().brokers_usd
    lines = [
        f"crossing by transfer: fees USD {sum(route.fees.values()):,.0f} ({items}; the customs brokers' "
        f"USD {sum(brokers.values()):,.0f} are paid crossing through too, in neither cost); theft risk in "
        f"the yards about {one_in(route.yard_theft_prob)} trips (included in the route's)"
    ]
    for leg in legs(route.schedule, route.direction, route.crossing_mode):
        lines.append(
            f"  {leg['carrier']:<17} {leg['start_h']:>6.1f} h - {leg['end_h']:>6.1f} h "
            f"({leg['hours']:.1f} h, {leg['driving_h']:.1f} h driving)"
        )
    return lines


def pareto_lines(plan: RoutePlan) -> list[str]:
    """The time / theft-risk front, fastest first (nothing when it was not asked for)."""
    if not plan.pareto:
        return []
    lines = [
        f"time / theft-risk front: {len(plan.pareto)} routes, none both faster and safer than another",
        f"  {'total h':>7} {'P(theft)':>9} {'1 in':>7} {'cost USD':>9} {'km':>6}  {'crossing':<30} route",
    ]
    shown = {tuple(r.edges): r.label for r in plan.routes()}
    for r in plan.pareto:
        crossing, label = (r.crossing or "-")[:30], shown.get(tuple(r.edges), "")
        lines.append(
            f"  {r.total_h:>7.1f} {r.theft_prob:>9.2e} {one_in(r.theft_prob).removeprefix('1 in '):>7} "
            f"{r.cost_usd:>9,.0f} {r.km:>6,.0f}  {crossing:<30} {label}"
        )
    return lines


def risk_sentence(route: Route) -> str:
    """'theft risk: about 1 in 4,300 trips (90%: 1 in 9,100 to 1 in 2,000); expected loss ...'."""
    text = f"theft risk of the {route.label} route: about {one_in(route.theft_prob)} trips"
    loss = f"expected loss USD {route.expected_loss_usd:,.0f}"
    if route.theft_interval and route.theft_interval[1] > route.theft_interval[0]:
        low, high = route.theft_interval
        text += f" (90%: {one_in(high)} to {one_in(low)})"
        loss += f" (90%: {low * route.cargo_value:,.0f}-{high * route.cargo_value:,.0f})"
    if route.parked_theft_prob > 0:
        loss += f", of which {usd(route.parked_loss_usd)} while parked"
    return f"{text}; {loss}"


def schedule_lines(route: Route, origin: str, destination: str) -> list[str]:
    """The route's departure, stops, border and arrival in order, each with its clock time in
    the zone of its place (no clock without a departure)."""
    timed = route.depart is not None
    items = [(0.0, clock(route.depart), f"depart {origin}")] if timed else []
    for stop in route.stop_places:
        if stop["kind"] in AT_THE_BORDER:
            continue
        # 'World Trade Bridge (Laredo)', not 'World Trade Bridge, World Trade Bridge (Laredo)'
        where = (
            stop["place"] if stop["place"].startswith(stop["road"]) else f"{stop['road']}, {stop['place']}"
        )
        text = (
            f"{stop['kind']} {hours(stop['hours'])} h after {stop['driving_h']:.1f} h of driving: "
            f"{where} ({stop['rule']})"
        )
        if stop.get("theft_prob", 0.0) > 0 and route.cargo_value > 0:
            text += f"; parked risk {usd(stop['theft_prob'] * route.cargo_value)}"
        items.append((stop["start_h"] * HOUR, stop["clock"], text))
    if route.crossing is not None and route.port_s is not None:  # when it joins the crossing
        items.append((route.port_s, clock(route.port_arrival_local), border_sentence(route)))
    if timed:
        items.append((route.total_h * HOUR, clock(route.eta_local), f"arrive {destination}"))
    items.sort(key=lambda item: item[0])
    title = "schedule of the recommended route" + (" (each time in the zone of its place):" if timed else ":")
    return [title] + [f"  {when:<13}  {text}" if timed else f"  {text}" for _, when, text in items]


def usd(value: float) -> str:
    """'USD 1,234', or 'under USD 1' for a few cents."""
    return f"USD {value:,.0f}" if value >= 0.5 else "under USD 1"


def hours(value: float) -> str:
    """'10.0', '0.5', '0.25': tenths, or hundredths where tenths would round (a driver change)."""
    return f"{value:.1f}" if abs(value * 10 - round(value * 10)) < 1e-6 else f"{value:.2f}"


def stops_from(route: Route, start_s: float) -> list:
    """The stops of ``route`` back to back from ``start_s`` (a rest completed under one rule
    and then another's is one stop to the driver)."""
    out: list = []
    for a in route.schedule:
        if a.kind in STOPS and abs(a.start_s - (out[-1].end_s if out else start_s)) < 1:
            out.append(a)
    return out


def border_sentence(route: Route) -> str:
    """'border: arrive World Trade Bridge; closed: waits 3.0 h until it opens Mon 06:00 CST
    (parked risk USD 40); expected line 40 min (modelled)' ('join World Trade Bridge after the
    rest' when the driver stopped on getting there: the wait is from then)."""
    closed = ""
    if route.opens_at:
        closed = f"; closed: waits {route.closed_min / 60:.1f} h until it opens {clock(route.opens_at)}"
        parked = sum(s.get("theft_prob", 0.0) for s in route.stop_places if s["kind"] == "closed")
        if parked > 0 and route.cargo_value > 0:
            closed += f" (parked risk {usd(parked * route.cargo_value)})"
        opened = route.port_s + route.closed_min * 60
        then = stops_from(route, opened)
        if then and then[0].kind == "driver change":
            closed += f", then the drivers change ({hours(then[0].hours)} h) before the line"
        elif then:  # the driver's stop completed there: not in the wait, in the stops
            more = sum(a.hours for a in then)
            closed += f", then the driver's {then[0].kind} ends ({hours(more)} h more) before the line"
    before = next(
        (a.kind for a in route.schedule if a.kind in STOPS and abs(a.end_s - route.port_s) < 1), None
    )
    verb = f"join {route.crossing} after the {before}" if before else f"arrive {route.crossing}"
    late = ""
    if route.closing is not None:
        c = route.closing
        late = (
            f"; it closes {c['margin_min']:.0f} min after, at {clock(c['closes'])}: arriving later, "
            f"the truck waits until {clock(c['reopens'])}"
        )
    return (
        f"border: {verb}{closed}; "
        f"expected line {route.wait_min - route.closed_min:.0f} min ({route.wait_source}){late}"
    )
