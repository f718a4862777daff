"""The words maps show, in English and Spanish (``lang="en"`` or ``"es"``): the HTML map's
layers, tooltips, popups, legend and summary box, and the PNG's legend and title.

Place, road and crossing names are the data's own and stay as they are.
"""

from __future__ import annotations

from cargorisk.errors import InputError
from cargorisk.risk.calibration import one_in
from cargorisk.routing.plan import ADVICE_WORDS

LANGUAGES = ("en", "es")
WORDS: dict[str, dict[str, object]] = {
    "en": {
        "risk_legend": "theft risk per {km:.0f} km: 1 in 10^x loaded trips",
        "risk_legend_png": "theft risk on {km:.0f} km of road: 1 in N loaded trips (red: more often)",
        "network": "Road network: theft rate",
        "states": "Mexican states (offline background)",
        "ports": "Ports of entry",
        "route_layer": "{label} route ({km:,.0f} km, {hours:.1f} h)",
        "share": "of the route's risk",
        "typical_wait": "typical wait {minutes:.0f} min",
        "hours": "hours",
        "closed": "closed",
        "port": "port",
        "arrive": "arrive {when}, expected wait {wait:.0f} min (p90 {p90:.0f})",
        "closes": "closes {closes}, {margin:.0f} min after: arriving later, it waits until {reopens}",
        "weekdays": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        "cargo": "cargo",
        "columns": (
            "km",
            "driving",
            "stops",
            "wait",
            "total",
            "theft: 1 in N trips (90% N)",
            "exp. loss",
            "cost",
            "crossing",
        ),
        **ADVICE_WORDS,
        "no_crossing": "no crossing",
        "via": "via",
        "theft": "theft",
        "trips": "trips",
        "labels": {
            "recommended": "recommended",
            "fastest": "fastest",
            "safest": "safest",
            "alternative": "alternative",
            "fallback crossing": "fallback crossing",
        },
        "one_in": "1 in ",
        "never": "never",
        "network_tip": "{road} ({state}): 1 in {n:,.0f} loaded trips robbed per {km:.0f} km",
    },
    "es": {
        "risk_legend": "riesgo de robo cada {km:.0f} km: 1 de cada 10^x viajes cargados",
        "risk_legend_png": (
            "riesgo de robo en {km:.0f} km de carretera: 1 de cada N viajes cargados (rojo: más frecuente)"
        ),
        "network": "Red carretera: tasa de robo",
        "states": "Estados de México (fondo sin conexión)",
        "ports": "Puertos de entrada",
        "route_layer": "ruta {label} ({km:,.0f} km, {hours:.1f} h)",
        "share": "del riesgo de la ruta",
        "typical_wait": "espera típica {minutes:.0f} min",
        "hours": "horario",
        "closed": "cerrado",
        "port": "puerto",
        "arrive": "llegada {when}, espera esperada {wait:.0f} min (p90 {p90:.0f})",
        "closes": "cierra {closes}, {margin:.0f} min después: si llega más tarde, espera hasta {reopens}",
        "weekdays": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
        "cargo": "carga",
        "columns": (
            "km",
            "manejo",
            "paradas",
            "espera",
            "total",
            "robo: 1 de cada N viajes (90% N)",
            "pérdida esp.",
            "costo",
            "cruce",
        ),
        "advice": "salga {when}: llega {change}{arrival}, {money}{extra}; {reason}",
        "earlier": "{hours:.1f} h antes",
        "later": "{hours:.1f} h más tarde",
        "same_time": "a la misma hora",
        "min_later": "{minutes:.0f} min más tarde",
        "min_earlier": "{minutes:.0f} min antes",
        "cheaper": "USD {usd:,.0f} más barato",
        "dearer": "USD {usd:,.0f} más caro",
        "same_cost": "al mismo costo",
        "theft_change": "riesgo de robo {change:+.0%}",
        "other_crossing": "por {crossing} en lugar de {planned}",
        "why_closed": "{crossing} está cerrado cuando llegaría el camión y abre {opens}",
        "why_wait": "la espera esperada en {crossing} baja de {before:.0f} a {after:.0f} min",
        "why_hours": "{hours:.1f} h menos en camino (pausas, descansos y esperas caen mejor)",
        "why_risk": "sus horas en camino y estacionado caen donde el robo es menos frecuente",
        "no_crossing": "sin cruce",
        "via": "por",
        "theft": "robo",
        "trips": "viajes",
        "labels": {
            "recommended": "recomendada",
            "fastest": "más rápida",
            "safest": "más segura",
            "alternative": "alternativa",
            "fallback crossing": "cruce alterno",
        },
        "one_in": "1 de cada ",
        "never": "nunca",
        "network_tip": "{road} ({state}): roban 1 de cada {n:,.0f} viajes cargados cada {km:.0f} km",
    },
}


def words(lang: str) -> dict[str, object]:
    """The words of a language (an unknown one is a one-line error naming the choices)."""
    if lang not in WORDS:
        msg = f"language {lang!r} is not one of {', '.join(LANGUAGES)}"
        raise InputError(msg)
    return WORDS[lang]


def route_label(label: str, w: dict) -> str:
    """A route's label in the map's language ('alternative 2' -> 'alternativa 2')."""
    labels = w["labels"]
    head, _, number = label.partition(" ")
    if head == "alternative" and number:
        return f"{labels['alternative']} {number}"  # type: ignore[index]
    return labels.get(label, label)  # type: ignore[attr-defined]


def one_in_words(p: float, w: dict) -> str:
    """'1 in 11,000' / '1 de cada 11,000'."""
    return str(w["one_in"]) + one_in(p).removeprefix("1 in ") if p > 0 else str(w["never"])


def weekday_time(when: object, w: dict) -> str:
    """'Mon 09:43' in the map's language."""
    return f"{w['weekdays'][when.weekday()]} {when:%H:%M}"  # type: ignore[attr-defined, index]
