"""Where heavy trucks may drive, and how fast the law lets them: closures, lateral-lane rules and
legal truck speed limits, each with its source.

Edge attributes set by the national builder (:mod:`cargorisk.network.national`):

- ``trucks``: ``"yes"`` (open), ``"no"`` (closed to heavy trucks at all hours: the router leaves
  these edges out of every search), ``"laterals"`` (heavy trucks only on the lateral lanes of a
  controlled-access road, at the laterals' speed limit) or ``"hours"`` (open at some hours only;
  the router does not model time windows, the rule is shown on the edge);
- ``truck_rule``: the rule and its source, on every edge whose ``trucks`` is not ``"yes"``;
- ``speed_cap_kph``: the legal top speed of a loaded heavy truck on the edge (km/h).

"Heavy truck" is a tractor-trailer: above the 3,857 kg gross vehicle weight of the Mexico City
rules and the three-axle threshold of California's 55 mph limit.
"""

from __future__ import annotations

from dataclasses import dataclass

MPH = 1.609344
OPEN, CLOSED, LATERALS, HOURS = "yes", "no", "laterals", "hours"
TRUCK_VALUES = (OPEN, CLOSED, LATERALS, HOURS)

# Mexico: 80 km/h for trucks on federal roads (Reglamento de Transito en Carreteras y Puentes de
# Jurisdiccion Federal, as reported by Azteca Morelos 2025-03-21), and NOM-012-SCT-2-2017 for
# double trailers: 80 km/h or the posted limit when lower, right lane only (tyt.com.mx, "Ya
# entran en vigor los cambios a la NOM-012", and opportimes.com, "La SCT publica nueva NOM"
# (2017-12-26)). State roads carry the same or lower limits.
MX_TRUCK_KPH = 80.0
# United States: states whose rural-Interstate limit for heavy trucks is below the limit for cars
# (IIHS, September 2025, as tabulated by truckercountry.com "Truck & Auto Speed Limits - US
# States (Updated 2025)"; California Vehicle Code 22406). Elsewhere trucks share the car limit,
# which the fitted car speeds already respect. Oregon and Washington also set lower truck limits,
# but the 2025 figures were not found and they are left uncapped.
US_TRUCK_MPH = {
    "California": 55.0,
    "Arkansas": 70.0,
    "Idaho": 70.0,
    "Indiana": 65.0,
    "Michigan": 65.0,
    "Montana": 70.0,
}
# Mexico City: "laterals" roads' lateral lanes are secondary roads, 40 km/h unless signed
# otherwise (Reglamento de Transito de la Ciudad de Mexico, art. 9 fraccion III).
LATERAL_KPH = 40.0

RT_CDMX_ART26 = (
    "Reglamento de Transito de la Ciudad de Mexico, art. 26: vehicles above 3,857 kg gross weight may not "
    "use the central lanes or the second levels of controlled-access roads (transporte.mx, 'Cuales son las "
    "vialidades por las que deben circular los vehiculos de carga en la CDMX'; El Universal 2024-02, "
    "'En Viaducto conductores ignoran reglas')"
)
SEMOVI_CENTRO = (
    "SEMOVI, Gaceta Oficial 2021-12-15: signed closed to heavy vehicles (Eje Central Lazaro Cardenas, Eje 1 "
    "Oriente Circunvalacion, San Pablo-Izazaga, Eje 1 Poniente Guerrero, Av. Hidalgo, Av. Juarez); in the "
    "Centro Historico perimeter A, 3.8-20 t trucks only 20:00-10:00 and above 20 t never "
    "(semovi.cdmx.gob.mx bulletin of 2021-12-15)"
)
EJE_HOURS = (
    "Mexico City ejes viales are open to trucks, with the metropolitan restriction on heavy trucks on "
    "weekdays 06:00-10:00 agreed in 2016 (UnoTV, 'Limitan horario de circulacion a transporte de carga en "
    f"la CDMX') and the Centro Historico hours where they cross it. {SEMOVI_CENTRO}"
)


@dataclass(frozen=True)
class TruckRule:
    """What heavy trucks may do on one Travel Mapping route."""

    trucks: str
    rule: str


# Travel Mapping route files closed to heavy trucks, or open to them on the lateral lanes only.
CLOSED_ROUTES: dict[str, TruckRule] = {
    # the Segundo Piso: the elevated toll decks over the Periferico
    "mexdf.auturbnte": TruckRule(
        CLOSED, f"Autopista Urbana Norte (Segundo Piso del Periferico). {RT_CDMX_ART26}"
    ),
    "mexdf.auturbsur": TruckRule(
        CLOSED, f"Autopista Urbana Sur (Segundo Piso del Periferico). {RT_CDMX_ART26}"
    ),
    "mexdf.auturbsurcue": TruckRule(CLOSED, f"Autopista Urbana Sur (Segundo Piso). {RT_CDMX_ART26}"),
    "mexemex.viadbic": TruckRule(
        CLOSED,
        "Viaducto Bicentenario: an elevated, reversible toll viaduct over the Periferico Norte and the "
        "Mexico-Queretaro autopista, entered by electronic tag at up to 40-60 km/h and built for private "
        "cars (OHLA project page; Observador Fiscal 2009-09-22). No published rule for trucks was found; "
        "it is closed here as the second level of a controlled-access road, as art. 26 closes those in "
        "Mexico City.",
    ),
    "mexdf.ejecen": TruckRule(CLOSED, f"Eje Central Lazaro Cardenas. {SEMOVI_CENTRO}"),
}
LATERAL_ROUTES = (
    "mexdf.aniper",  # Anillo Periferico
    "mexdf.anipergus",
    "mexdf.ctobic",  # Circuito Interior (Circuito Bicentenario)
    "mexdf.viadmigale",  # Viaducto Miguel Aleman
    "mexdf.viadriopie",  # Viaducto Rio de la Piedad
    "mexdf.viadriobec",  # Viaducto Rio Becerra
    "mexdf.viadtla",  # Viaducto Tlalpan
    "mexdf.calztla",  # Calzada de Tlalpan
    "mexdf.calzantabad",  # San Antonio Abad
    "mexdf.calzignzar",  # Calzada Ignacio Zaragoza
    "mexdf.aveinsnte",  # Insurgentes Norte
    "mexdf.aveejenac",  # Ejercito Nacional
    "mexdf.avesanjoa",  # Rio San Joaquin
    "mexdf.aveaquser",  # Aquiles Serdan
    "mexdf.avecarlazo",  # Carlos Lazo
)
EJE_SYSTEM = "mexdfeje"


def truck_rule(root: str, system: str) -> TruckRule:
    """The heavy-truck rule of a Travel Mapping route file (open unless listed here)."""
    if root in CLOSED_ROUTES:
        return CLOSED_ROUTES[root]
    if root in LATERAL_ROUTES:
        return TruckRule(
            LATERALS,
            f"Central lanes closed to heavy trucks, laterals at {LATERAL_KPH:.0f} km/h. {RT_CDMX_ART26}",
        )
    if system == EJE_SYSTEM:
        return TruckRule(HOURS, EJE_HOURS)
    return TruckRule(OPEN, "")


def speed_cap_kph(country: str, state: str, trucks: str) -> float:
    """The legal top speed of a heavy truck (km/h) on a road of ``country`` and (US) ``state``
    with the given ``trucks`` rule; ``inf`` where the law sets no truck limit below the car's."""
    if trucks == LATERALS:
        return LATERAL_KPH
    if country == "MX":
        return MX_TRUCK_KPH
    mph = US_TRUCK_MPH.get(state)
    return mph * MPH if mph else float("inf")
