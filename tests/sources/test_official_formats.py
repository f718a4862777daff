"""Readers for official files that are not in the mirror, on authored SYNTHETIC fixtures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cargorisk.errors import DataSourceError
from cargorisk.sources.bts import read_border_crossings, summarise_ports
from cargorisk.sources.cbp import parse_hour
from cargorisk.sources.sesnsp import normalise_label, read_official_monthly

FIXTURES = Path(__file__).parents[1] / "data"


def test_sesnsp_state_monthly_wide_file() -> None:
    df = read_official_monthly(FIXTURES / "sesnsp_IDEFC_NM_state_monthly_SYNTHETIC.csv")
    assert "cvegeo" not in df.columns
    nl = df[(df["cve_ent"] == 19) & (df["month"].dt.year == 2024)]
    assert len(nl) == 24  # 2 modalities x 12 months
    assert nl["incidents"].sum() == 24 + 7  # the two rows of the fixture
    assert set(df["state"]) == {"Nuevo León", "San Luis Potosí"}  # latin1 decoded
    slp_2025 = df[df["cve_ent"] == 24]
    assert slp_2025["month"].max() == pd.Timestamp("2025-06-01")  # blank months dropped
    assert slp_2025["incidents"].sum() == 186


def test_sesnsp_municipal_monthly_wide_file() -> None:
    df = read_official_monthly(FIXTURES / "sesnsp_IDM_NM_municipal_monthly_SYNTHETIC.csv")
    assert set(df["cvegeo"]) == {"19039", "24028"}
    mty = df[df["cvegeo"] == "19039"]
    assert (mty["cve_mun"] == 39).all()
    assert set(mty["municipality"]) == {"Monterrey"}
    assert mty["incidents"].sum() == 9  # 8 with violence + 1 without
    slp = df[(df["cvegeo"] == "24028") & (df["month"] >= "2025-01-01")]
    assert list(slp["incidents"]) == [5, 4, 6]


def test_official_monthly_refuses_other_files(tmp_path: Path) -> None:
    bad = tmp_path / "other.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(DataSourceError, match="not an SESNSP monthly file"):
        read_official_monthly(bad)


def test_bts_full_file_keeps_only_the_mexican_border() -> None:
    df = read_border_crossings(FIXTURES / "bts_border_crossing_entry_full_SYNTHETIC.csv")
    assert set(df["port_code"]) == {"2304", "2506"}
    assert df["value"].sum() == 300
    ports = summarise_ports(df).set_index("port_code")
    assert ports.loc["2304", "trucks_last_12m"] == 220
    assert ports.loc["2304", "last_month"] == pd.Timestamp("2024-02-01")


def test_bts_file_without_mexican_rows(tmp_path: Path) -> None:
    text = (FIXTURES / "bts_border_crossing_entry_full_SYNTHETIC.csv").read_text().splitlines()
    canada = tmp_path / "canada.csv"
    canada.write_text("\n".join([text[0], *[t for t in text if "Canada" in t]]) + "\n")
    with pytest.raises(DataSourceError, match="no rows with Border == 'US-Mexico Border'"):
        read_border_crossings(canada)


@pytest.mark.parametrize(
    ("label", "hour"),
    [("Midnight", 0), ("1:00 AM", 1), ("Noon", 12), ("12:00 PM", 12), ("1:00 PM", 13), ("11:00 PM", 23)],
)
def test_parse_hour(label: str, hour: int) -> None:
    assert parse_hour(label) == hour


def test_parse_hour_rejects_unknown_labels() -> None:
    with pytest.raises(ValueError, match="'25:00'"):
        parse_hour("25:00")


def test_normalise_label() -> None:
    assert normalise_label("Cve. Municipio") == "cve_municipio"
    assert normalise_label("Año") == "ano"
    assert normalise_label("Bien jurídico afectado") == "bien_juridico_afectado"
