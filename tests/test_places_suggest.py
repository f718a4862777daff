"""Autocomplete offers only places a plan can start from, each by a label that resolves to it."""

from __future__ import annotations

import itertools
import string

import pytest

from cargorisk.errors import AmbiguousPlace
from cargorisk.network import Gazetteer

PREFIXES = ["".join(p) for p in itertools.product(string.ascii_lowercase, repeat=2)]


def test_every_suggestion_resolves_to_itself(national_gazetteer: Gazetteer) -> None:
    """An audit fed /v1/places' labels back to the planner: 94 of 993 were off the network
    ('Anáhuac, Nuevo León', 45 km from a road node) and three ambiguous ('Guadalupe, Chihuahua'
    also matched Guadalupe y Calvo). Every label offered for every two-letter prefix now
    resolves to the place of that label, within max_snap_km of the network."""
    g = national_gazetteer
    labels = {p["label"] for prefix in PREFIXES for p in g.suggest(prefix, 25)}
    assert len(labels) > 1500
    for label in sorted(labels):
        place = g.resolve(label)
        assert place.name == label and place.snap_km <= g.max_snap_km, (label, place)


def test_off_network_and_duplicate_labels_are_not_offered(national_gazetteer: Gazetteer) -> None:
    g = national_gazetteer
    assert "Anáhuac, Nuevo León" not in {p["label"] for p in g.suggest("Anáhuac", 25)}
    # the municipality of Ciudad Acuña is the city on the network: offered once, as the city
    acuna = [p["label"] for p in g.suggest("Acuña")]
    assert "Ciudad Acuña, Coahuila" in acuna and "Acuña, Coahuila" not in acuna


@pytest.mark.parametrize(
    ("label", "longer"),
    [
        ("Guadalupe, Chihuahua", "Guadalupe y Calvo"),
        ("Guadalupe, Puebla", "Guadalupe Victoria"),
        ("San Lorenzo, Oaxaca", "San Lorenzo Cacaotepec"),
    ],
)
def test_an_exact_label_wins_over_longer_names(
    national_gazetteer: Gazetteer, label: str, longer: str
) -> None:
    """A label is its place's, not also a longer name that starts with it; without the state
    the short name stays ambiguous, as the README's 'Short names' says."""
    assert national_gazetteer.resolve(label).name == label
    assert national_gazetteer.resolve(label.lower()).name == label  # accents and case ignored
    with pytest.raises(AmbiguousPlace):
        national_gazetteer.resolve(label.partition(",")[0])
    assert any(p["label"].startswith(longer) for p in national_gazetteer.suggest(longer))


def test_an_exact_label_does_not_hide_the_populous_place_called_so_for_short(
    national_gazetteer: Gazetteer,
) -> None:
    """'Atizapán, Estado de México' is a small municipality's label, and what people call
    Atizapán de Zaragoza (about 500,000 people): it stays ambiguous, the populous one first, and
    autocomplete does not offer a label that would not plan from the place it shows."""
    for text in ("Atizapán", "Atizapán, Estado de México"):
        with pytest.raises(
            AmbiguousPlace, match="Atizapán de Zaragoza, Estado de México; Atizapán, Estado"
        ) as info:
            national_gazetteer.resolve(text)
    # the small one can be entered: by the coordinates the message gives for it
    where = str(info.value).split("Atizapán, Estado de México (")[1].split(")")[0]
    assert national_gazetteer.resolve(where).snap_km < 15
    offered = [p["label"] for p in national_gazetteer.suggest("Atizap")]
    assert "Atizapán de Zaragoza, Estado de México" in offered and "Atizapán, Estado de México" not in offered
