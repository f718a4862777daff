"""SESNSP crime incidence: state x year (fuero comun), state x month (fuero federal), carrier
robbery by municipality and year (2015 - May 2020), and the official monthly wide files (IDEFC
state, IDM municipal) users download themselves."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from cargorisk.errors import InputError
from cargorisk.sources._read import check, read_csv, reading
from cargorisk.sources.base import Source, SourceFile, Table

STATE_ANNUAL = "db_incidencia_ent_nac_year_x100khab_mujeres.csv.bz2"
FEDERAL = "IDEFF_jul25.csv"
MUNICIPAL = "carrier_robbery_municipal_2015_2020.csv"
CARRIER_ROBBERY = "Robo a transportista"
NATIONAL_CODE = 0
# The pinned state-annual file (commit 804bd40, "Update SESMSP data - 202506") runs to June 2025.
STATE_ANNUAL_LAST_MONTH = pd.Timestamp("2025-06-01")
MONTHS_ES = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)

STATE_YEAR = Table(
    "sesnsp_state_year",
    {
        "year": "calendar year",
        "cve_ent": "INEGI state code 1-32",
        "state": "state name (SESNSP spelling)",
        "bien_juridico": "protected legal good (bien juridico afectado)",
        "tipo": "crime type (tipo de delito)",
        "subtipo": "crime subtype, e.g. 'Robo a transportista'",
        "modalidad": "modality, e.g. 'Con violencia', 'Sin violencia'",
        "incidents": "crimes recorded (carpetas de investigacion) in the year [count]",
        "rate_per_100k": "incidents per 100,000 inhabitants (CONAPO population) [1/100k]",
        "population": "state population derived as incidents / rate * 1e5 [persons]",
        "months_covered": "months of the year included (12, fewer for the last, partial year)",
        "partial_year": "True when the year is not complete in the data",
    },
    period="year",
)
FEDERAL_MONTH = Table(
    "sesnsp_federal_state_month",
    {
        "month": "first day of the month (datetime64)",
        "cve_ent": "INEGI state code 1-32",
        "state": "state name (upper case, as published)",
        "ley": "law (LEY), e.g. CODIGO PENAL FEDERAL",
        "concepto": "crime group (CONCEPTO)",
        "tipo": "crime type (TIPO), e.g. PATRIMONIALES, VIAS DE COMUNICACION Y CORRESPONDENCIA",
        "incidents": "federal crimes recorded in the month [count]",
    },
    period="month",
)


MUNICIPAL_YEAR = Table(
    "sesnsp_municipal_year",
    {
        "year": "calendar year",
        "cve_ent": "INEGI state code 1-32",
        "state": "state name (as the source writes it)",
        "cvegeo": "5-digit INEGI municipality code (state * 1000 + municipality), text",
        "municipality": "municipality name (as the source writes it)",
        "incidents": "carrier robberies ('Robo a transportista', with and without violence) "
        "recorded in the months covered [count]",
        "months_covered": "months of the year counted (12; 5 for Jan-May 2020)",
        "population": "CONAPO municipal population (Data Civica's join; NaN from the official file) "
        "[persons]",
    },
    period="year",
)


def normalise_label(text: str) -> str:
    """Lower-case ASCII snake_case of a column label ('Cve. Municipio' -> 'cve_municipio')."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    return "_".join(words)


def read_state_annual(path: Path, last_month: pd.Timestamp = STATE_ANNUAL_LAST_MONTH) -> pd.DataFrame:
    """Read the SESNSP state x year table and split off the national rows.

    Returns the ``sesnsp_state_year`` table (states only). Raises DataSourceError if, for any
    year, crime and modality, the 32 states do not sum to the published national row.
    """
    cols = (
        "n_year",
        "cve_ent",
        "nombre_estado",
        "bien_juridico_afectado",
        "tipo_de_delito",
        "subtipo_de_delito",
        "modalidad",
        "n_delitos",
        "n_delitos_x100khab",
    )
    raw = read_csv(path, cols)
    raw = raw.rename(
        columns={
            "n_year": "year",
            "nombre_estado": "state",
            "bien_juridico_afectado": "bien_juridico",
            "tipo_de_delito": "tipo",
            "subtipo_de_delito": "subtipo",
            "n_delitos": "incidents",
            "n_delitos_x100khab": "rate_per_100k",
        }
    )
    keys = ["year", "bien_juridico", "tipo", "subtipo", "modalidad"]
    national = raw[raw["cve_ent"] == NATIONAL_CODE].set_index(keys)["incidents"]
    states = raw[raw["cve_ent"] != NATIONAL_CODE].copy()
    check(states["cve_ent"].nunique() == 32, path, "expected 32 states")
    gap = states.groupby(keys)["incidents"].sum().sub(national, fill_value=0)
    check(bool((gap == 0).all()), path, f"{int((gap != 0).sum())} state sums differ from Nacional")
    states["population"] = derive_population(states)
    states["months_covered"] = 12
    states.loc[states["year"] == last_month.year, "months_covered"] = last_month.month
    states["partial_year"] = states["months_covered"] < 12
    return states[list(STATE_YEAR.columns)].reset_index(drop=True)


def derive_population(states: pd.DataFrame) -> pd.Series:
    """Population per state-year from incidents / rate-per-100k (median over its crime rows)."""
    has_rate = states["rate_per_100k"] > 0
    implied = states["incidents"][has_rate] / states["rate_per_100k"][has_rate] * 1e5
    per_state_year = implied.groupby([states["year"], states["cve_ent"]]).median()
    index = pd.MultiIndex.from_frame(states[["year", "cve_ent"]])
    return pd.Series(per_state_year.reindex(index).round().to_numpy(), index=states.index)


def read_federal(path: Path) -> pd.DataFrame:
    """Read SESNSP's IDEFF fuero-federal file (latin1, wide months) into long state x month.

    Rows without a state code ('EXTRANJERO', crimes abroad) are dropped; months after the
    last month with any recorded crime (the cut-off) are dropped, not reported as zero.
    """
    months_upper = [m.upper() for m in MONTHS_ES]
    raw = read_csv(
        path, ("AÑO", "INEGI", "ENTIDAD", "LEY", "CONCEPTO", "TIPO", *months_upper), encoding="latin1"
    )
    raw = raw.dropna(subset=["INEGI"])
    long = raw.melt(
        id_vars=["AÑO", "INEGI", "ENTIDAD", "LEY", "CONCEPTO", "TIPO"],
        value_vars=months_upper,
        var_name="mes",
        value_name="incidents",
    )
    with reading(path):
        long["month"] = pd.to_datetime(
            {"year": long["AÑO"], "month": long["mes"].map(months_upper.index) + 1, "day": 1}
        )
        long["incidents"] = pd.to_numeric(long["incidents"])
    totals = long.groupby("month")["incidents"].sum()
    last = totals[totals > 0].index.max()
    long = long[long["month"] <= last]
    check(long["incidents"].notna().all(), path, f"blank counts before the cut-off {last:%Y-%m}")
    out = pd.DataFrame(
        {
            "month": long["month"],
            "cve_ent": long["INEGI"].astype("int64"),
            "state": long["ENTIDAD"],
            "ley": long["LEY"],
            "concepto": long["CONCEPTO"],
            "tipo": long["TIPO"],
            "incidents": long["incidents"].astype("int64"),
        }
    )
    return out.sort_values(["month", "cve_ent"]).reset_index(drop=True)


def read_official_monthly(path: Path, encoding: str = "latin1") -> pd.DataFrame:
    """Read an official SESNSP monthly wide file (state IDEFC or municipal IDM) into long form.

    The official files have one row per (year, state[, municipality], crime, modality) and one
    column per month (Enero ... Diciembre); they are published in latin1. Blank months (after
    the cut-off) are dropped.

    Returns
    -------
    pandas.DataFrame
        Columns ``month``, ``cve_ent``, ``state``, ``bien_juridico``, ``tipo``, ``subtipo``,
        ``modalidad``, ``incidents`` and, for municipal files, ``cve_mun``, ``cvegeo``
        (5-digit INEGI code) and ``municipality``.
    """
    with reading(path):
        header = pd.read_csv(path, nrows=0, encoding=encoding).columns
    names = {c: normalise_label(c) for c in header}
    keys = ("ano", "clave_ent", "entidad", "bien_juridico_afectado", "tipo_de_delito", "subtipo_de_delito",
            "modalidad")  # fmt: skip
    raw = read_csv(path, [], encoding=encoding).rename(columns=names)
    check(
        all(c in raw.columns for c in (*keys, *MONTHS_ES)),
        path,
        f"not an SESNSP monthly file: needs columns {[*keys, *MONTHS_ES]}",
    )
    municipal = "cve_municipio" in raw.columns
    ids = [*keys, *(["cve_municipio", "municipio"] if municipal else [])]
    long = raw.melt(id_vars=ids, value_vars=list(MONTHS_ES), var_name="mes", value_name="n")
    long = long.dropna(subset=["n"])
    with reading(path):
        month_num = long["mes"].map(MONTHS_ES.index) + 1
        out = pd.DataFrame(
            {
                "month": pd.to_datetime({"year": long["ano"], "month": month_num, "day": 1}),
                "cve_ent": long["clave_ent"].astype("int64"),
                "state": long["entidad"],
                "bien_juridico": long["bien_juridico_afectado"],
                "tipo": long["tipo_de_delito"],
                "subtipo": long["subtipo_de_delito"],
                "modalidad": long["modalidad"],
                "incidents": pd.to_numeric(long["n"]).astype("int64"),
            }
        )
        if municipal:
            code = long["cve_municipio"].astype("int64")  # official: state * 1000 + mun
            out["cve_mun"] = code % 1000
            out["cvegeo"] = code.map("{:05d}".format)
            out["municipality"] = long["municipio"]
    check(bool((out["incidents"] >= 0).all()), path, "negative counts")
    return out.reset_index(drop=True)


def read_municipal_datacivica(path: Path) -> pd.DataFrame:
    """Read Data Civica's municipal carrier-robbery file (PROVENANCE item 12) as
    ``sesnsp_municipal_year``.

    For 2020 only January-May exist: ``incidents`` is their sum (``total_enero_mayo``) with
    ``months_covered`` 5, never Data Civica's annualised ``total_anual``. Raises
    DataSourceError when a row's months do not add up to its January-May total.
    """
    months = [f"total_{m}" for m in MONTHS_ES[:5]]
    cols = ("year", "nom_ent", "cve_ent", "nom_mun", "cve_mun", "tipo_delito", *months,
            "total_enero_mayo", "total_anual", "pob_tot")  # fmt: skip
    raw = read_csv(path, cols, dtype={"cve_ent": str, "cve_mun": str})
    raw = raw[raw["tipo_delito"] == CARRIER_ROBBERY]
    check(bool(len(raw)), path, f"no {CARRIER_ROBBERY!r} rows")
    check(
        bool(((raw[months].sum(axis=1) - raw["total_enero_mayo"]).abs() < 1e-6).all()),
        path,
        "monthly counts do not add up to total_enero_mayo",
    )
    last = int(raw["year"].max())
    partial = raw["year"] == last
    out = pd.DataFrame(
        {
            "year": raw["year"].astype("int64"),
            "cve_ent": raw["cve_ent"].astype("int64"),
            "state": raw["nom_ent"],
            "cvegeo": raw["cve_mun"].str.zfill(5),
            "municipality": raw["nom_mun"],
            "incidents": raw["total_enero_mayo"].where(partial, raw["total_anual"]).astype(float),
            "months_covered": np.where(partial, 5, 12).astype("int64"),
            "population": raw["pob_tot"].astype(float),
        }
    )
    check(bool((out["incidents"] >= 0).all()), path, "negative counts")
    return out.sort_values(["year", "cvegeo"]).reset_index(drop=True)


def latest_population(municipal: pd.DataFrame) -> pd.Series:
    """Each municipality's latest known population (by ``cvegeo``) in a ``sesnsp_municipal_year``
    table (years without one left out)."""
    known = municipal.dropna(subset=["population"]).sort_values("year")
    return known.groupby("cvegeo")["population"].last()


def municipal_year_from_official(monthly: pd.DataFrame) -> pd.DataFrame:
    """``sesnsp_municipal_year`` from an official municipal file read by
    :func:`read_official_monthly` (``IDM_NM_*.csv``): carrier robbery summed over modalities and
    months per municipality and year, ``months_covered`` the months with data, population NaN.

    Raises
    ------
    InputError
        The file has no municipal rows or no carrier robbery.
    """
    if "cvegeo" not in monthly.columns:
        msg = "the official file is a state-level file (IDEFC); give the municipal one (IDM_NM_*.csv)"
        raise InputError(msg)
    rows = monthly[monthly["subtipo"] == CARRIER_ROBBERY]
    if rows.empty:
        msg = f"the official municipal file has no {CARRIER_ROBBERY!r} rows; is it the crime-incidence file?"
        raise InputError(msg)
    keys = [rows["month"].dt.year.rename("year"), "cve_ent", "cvegeo"]
    grouped = rows.groupby(keys)
    out = grouped.agg(state=("state", "first"), municipality=("municipality", "first"),
                      incidents=("incidents", "sum"), months_covered=("month", "nunique"))  # fmt: skip
    out = out.reset_index().assign(population=np.nan)
    out["incidents"] = out["incidents"].astype(float)
    return out[list(MUNICIPAL_YEAR.columns)].sort_values(["year", "cvegeo"]).reset_index(drop=True)


def build_state_annual(paths: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """Build ``sesnsp_state_year``."""
    return {STATE_YEAR.name: read_state_annual(paths[STATE_ANNUAL])}


def build_federal(paths: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """Build ``sesnsp_federal_state_month``."""
    return {FEDERAL_MONTH.name: read_federal(paths[FEDERAL])}


def build_municipal(paths: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """Build ``sesnsp_municipal_year``."""
    return {MUNICIPAL_YEAR.name: read_municipal_datacivica(paths[MUNICIPAL])}


STATE_ANNUAL_SOURCE = Source(
    id="sesnsp_state_annual_isaacarroyov",
    title="SESNSP fuero comun incidence, state x year x crime subtype, 2015 - Jun 2025",
    publisher="SESNSP (Secretariado Ejecutivo del SNSP), aggregated to states by I. Arroyo",
    licence="Libre Uso MX (Mexican open-data terms); aggregation has no licence file",
    homepage="https://www.gob.mx/sesnsp/acciones-y-programas/datos-abiertos-de-incidencia-delictiva",
    files=(
        SourceFile(
            STATE_ANNUAL,
            url=(
                "https://raw.githubusercontent.com/isaacarroyov/datos_facil_acceso/"
                "5f7295ae9f6f5abfb7b12cd10047f5d824bc4fce/GobiernoMexicano/sesnsp/" + STATE_ANNUAL
            ),
            sha256="53a1ba1c6506ea2e7df92f49e15ceefc214bc69f4df5f900cb6f2c9a773e8683",
        ),
    ),
    tables=(STATE_YEAR,),
    build=build_state_annual,
    caveats=(
        "'Robo a transportista' (carrier robbery, with/without violence) by state and year: "
        "where and how much, not on which road, municipality or month. 2025 covers Jan-Jun only. "
        "Counts are crimes reported to state prosecutors; unreported theft is not in them."
    ),
)

FEDERAL_SOURCE = Source(
    id="sesnsp_federal_ideff",
    title="SESNSP fuero federal incidence (IDEFF), state x month, 2012 - Jul 2025",
    publisher="SESNSP, republished by S. Rodriguez",
    licence="Libre Uso MX (Mexican open-data terms); copy has no licence file",
    homepage="https://www.gob.mx/sesnsp/acciones-y-programas/datos-abiertos-de-incidencia-delictiva",
    files=(
        SourceFile(
            FEDERAL,
            url=(
                "https://raw.githubusercontent.com/sebrodriguezh/"
                "Cifras-de-Incidencia-Delictiva-Federal-2012---2025/"
                "f20ac02cfd4953c83d51d17f421eb196835e4424/data/IDEFF_jul25.csv"
            ),
            sha256="1837863b3830ff5e460e268aae631e39870d1c3abef56155aecf1a47b30743ed",
        ),
    ),
    tables=(FEDERAL_MONTH,),
    build=build_federal,
    caveats=(
        "Federal crimes by state and month (e.g. VIAS DE COMUNICACION, hydrocarbons law): a "
        "monthly signal of highway crime, but no explicit 'robo en carreteras' category."
    ),
)

MUNICIPAL_SOURCE = Source(
    id="sesnsp_municipal_datacivica",
    title="SESNSP carrier robbery by municipality and year, 2015 - May 2020",
    publisher="SESNSP (IDM_NM_may2020), cleaned by Data Civica (2020) with CONAPO population",
    licence="Libre Uso MX (Mexican open-data terms); Data Civica's copy has no licence file: credit both",
    homepage="https://www.gob.mx/sesnsp/acciones-y-programas/datos-abiertos-de-incidencia-delictiva",
    files=(
        # the public copy is an R data file (clean-idm.rds at datacivica/blog-incidencia0620covid
        # c7806d4); the CSV is read from a mirror, and users without one read the official file
        SourceFile(MUNICIPAL, None, "28568e50fa21a199ee5aff01c6f8610198878372d917c622d58d8ada89362744"),
    ),
    tables=(MUNICIPAL_YEAR,),
    build=build_municipal,
    caveats=(
        "Carrier robbery reported to state prosecutors, by municipality: where reports are filed, "
        "not on which road; 2020 is Jan-May only; municipalities created after 2015 may be missing. "
        "Mirror only: for current years download SESNSP's IDM_NM_*.csv and give it to "
        "`cargorisk train --municipal FILE`."
    ),
)
