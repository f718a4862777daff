"""Mexican states and municipalities (INEGI Marco Geoestadistico derivatives): polygons, codes
and names, for tagging road segments and resolving place names."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from cargorisk.sources._read import check, read_csv, reading, require_columns
from cargorisk.sources.base import Source, SourceFile, Table

ARROYO_RAW = "https://raw.githubusercontent.com/isaacarroyov/datos_facil_acceso/5f7295ae9f6f5abfb7b12cd10047f5d824bc4fce/"
VALLE_RAW = (
    "https://raw.githubusercontent.com/diegovalle/new.crimenmexico/27ef9c8b1d4f3cbca0b963de8546fe77e42b2901/"
)
STATES_GEOJSON = "00ent_mexico.geojson"
MUN_NAMES = "cve_nom_municipios.csv"
MUN_SHP = "municipios.shp"
CENTROIDS = "mun_centroids.csv"
VALLE_NAMES = "municipio_names.csv"
CRS = "EPSG:4326"

STATES = Table(
    "mx_states",
    {
        "cve_ent": "INEGI state code 1-32",
        "state": "state name",
        "geometry": "state polygon (simplified), EPSG:4326",
    },
)
MUNICIPALITY_NAMES = Table(
    "mx_municipality_names",
    {
        "cvegeo": "5-digit INEGI municipality code (state * 1000 + municipality), text",
        "cve_ent": "INEGI state code 1-32",
        "cve_mun": "municipality code within the state",
        "state": "state name",
        "municipality": "municipality name with accents (current INEGI list)",
    },
)
MUNICIPALITIES = Table(
    "mx_municipalities",
    {
        "cvegeo": "5-digit INEGI municipality code, text",
        "cve_ent": "INEGI state code 1-32",
        "cve_mun": "municipality code within the state",
        "name_upper": "municipality name, upper case as SESNSP writes it",
        "lon": "centroid longitude [degrees WGS84]",
        "lat": "centroid latitude [degrees WGS84]",
        "geometry": "municipality polygon (2016 boundaries), EPSG:4326",
    },
)


def read_states(path: Path) -> gpd.GeoDataFrame:
    """Read the 32 state polygons (GeoJSON, CRS84) as ``mx_states``."""
    with reading(path):
        gdf = gpd.read_file(path)
    require_columns(gdf, ("cve_geo", "nombre_estado", "geometry"), path)
    check(len(gdf) == 32, path, f"expected 32 states, found {len(gdf)}")
    gdf = gdf.to_crs(CRS) if gdf.crs is not None else gdf.set_crs(CRS)
    out = gpd.GeoDataFrame(
        {"cve_ent": gdf["cve_geo"].astype(int), "state": gdf["nombre_estado"]},
        geometry=gdf.geometry.make_valid(),
        crs=CRS,
    )
    return out.sort_values("cve_ent").reset_index(drop=True)


def read_municipality_names(path: Path) -> pd.DataFrame:
    """Read INEGI's current municipality code/name list as ``mx_municipality_names``."""
    cols = ("cve_geo", "nombre_estado", "cve_ent", "nombre_municipio", "cve_mun")
    raw = read_csv(path, cols)
    out = pd.DataFrame(
        {
            "cvegeo": raw["cve_geo"].astype(int).map("{:05d}".format),
            "cve_ent": raw["cve_ent"].astype(int),
            "cve_mun": raw["cve_mun"].astype(int),
            "state": raw["nombre_estado"],
            "municipality": raw["nombre_municipio"],
        }
    )
    return out.sort_values("cvegeo").reset_index(drop=True)


def read_municipalities(shp: Path, centroids: Path, names: Path) -> gpd.GeoDataFrame:
    """Read the municipality polygons (a shapefile with no .prj: lon/lat degrees, WGS84).

    Names come from the SESNSP-style list (latin1); centroids from the companion table,
    falling back to a point inside the polygon where a municipality has none.
    """
    with reading(shp):
        gdf = gpd.read_file(shp, encoding="latin1")
    require_columns(gdf, ("id", "geometry"), shp)
    gdf = gdf.set_crs(CRS, allow_override=True) if gdf.crs is None else gdf.to_crs(CRS)
    code = gdf["id"].astype(int)
    cent = read_csv(centroids, ("long", "lat", "state_code", "mun_code"))
    cent_code = cent["state_code"] * 1000 + cent["mun_code"]
    cent = cent.assign(code=cent_code).drop_duplicates("code").set_index("code")
    upper = read_csv(names, ("state_code", "mun_code", "MUNICIPIO"), encoding="latin1")
    upper_code = upper["state_code"] * 1000 + upper["mun_code"]
    upper = upper.assign(code=upper_code).drop_duplicates("code").set_index("code")["MUNICIPIO"]
    inside = gdf.geometry.representative_point()
    out = gpd.GeoDataFrame(
        {
            "cvegeo": code.map("{:05d}".format),
            "cve_ent": code // 1000,
            "cve_mun": code % 1000,
            "name_upper": code.map(upper),
            "lon": code.map(cent["long"]).fillna(inside.x),
            "lat": code.map(cent["lat"]).fillna(inside.y),
        },
        geometry=gdf.geometry.make_valid(),
        crs=CRS,
    )
    check(out["cve_ent"].between(1, 32).all(), shp, "municipality codes outside states 01-32")
    return out.sort_values("cvegeo").reset_index(drop=True)


def build_geo(paths: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """Build ``mx_states`` and ``mx_municipality_names``."""
    return {
        STATES.name: read_states(paths[STATES_GEOJSON]),
        MUNICIPALITY_NAMES.name: read_municipality_names(paths[MUN_NAMES]),
    }


def build_municipalities(paths: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """Build ``mx_municipalities``."""
    return {MUNICIPALITIES.name: read_municipalities(paths[MUN_SHP], paths[CENTROIDS], paths[VALLE_NAMES])}


GEO_SOURCE = Source(
    id="mx_geo_isaacarroyov",
    title="Mexican state polygons and municipality codes/names",
    publisher="INEGI Marco Geoestadistico, republished by I. Arroyo",
    licence="INEGI free-use terms (Terminos de libre uso de la informacion del INEGI)",
    homepage="https://www.inegi.org.mx/temas/mg/",
    files=(
        SourceFile(
            STATES_GEOJSON,
            url=ARROYO_RAW + "Gobierno-Mexicano/geometrias/00ent_mexico.geojson",
            sha256="70664b2a9736ac2df2d7efbdf5838a497c3c1236e36790bb7a4c9b6413aa19df",
        ),
        SourceFile(
            MUN_NAMES,
            url=ARROYO_RAW + "GobiernoMexicano/cve_nom_municipios.csv",
            sha256="4ea6eafdbe4e9640fe54addc78f7bf369c4f0b851acd5be1aea5ad8e40c55e10",
        ),
    ),
    tables=(STATES, MUNICIPALITY_NAMES),
    build=build_geo,
    caveats="Simplified state outlines (fine for tagging, not for survey work); 2,475 municipalities.",
)

MUNICIPALITIES_SOURCE = Source(
    id="mx_municipios_diegovalle",
    title="Mexican municipality polygons and centroids (2016 boundaries)",
    publisher="INEGI Marco Geoestadistico, via D. Valle-Jones (elcri.men)",
    licence="MIT (c) 2017 Diego Valle-Jones; INEGI free-use terms for the boundaries",
    homepage="https://github.com/diegovalle/new.crimenmexico",
    files=(
        SourceFile(
            MUN_SHP,
            url=VALLE_RAW + "R/maps/municipios.shp",
            sha256="f599da10c601841d474b5608c317dab1ed4e657da7435271607e622bdad163e5",
        ),
        SourceFile(
            "municipios.shx",
            url=VALLE_RAW + "R/maps/municipios.shx",
            sha256="e6a08de7ece97f5cf22867b34e3cb4967fea1141d6549fd85b9b722b24b4b066",
        ),
        SourceFile(
            "municipios.dbf",
            url=VALLE_RAW + "R/maps/municipios.dbf",
            sha256="3bc1d84cec26170d3c225b08d78ae5c48b4cc5963270fb7a97b4765f3097a824",
        ),
        SourceFile(
            CENTROIDS,
            url=VALLE_RAW + "R/data/mun_centroids.csv",
            sha256="5e7c511ca54e27e19e970f48a1678df9ffbe44e28067b8c6477013f11922f280",
        ),
        SourceFile(
            VALLE_NAMES,
            url=VALLE_RAW + "clean/data/municipio_names.csv",
            sha256="7302d5f58040772e44c12a14a23904c0b810cce8403985df785e6101aa2d250c",
        ),
    ),
    tables=(MUNICIPALITIES,),
    build=build_municipalities,
    caveats=(
        "2,457 polygons of c. 2016: municipalities created later (e.g. San Quintin, BC) are "
        "missing and fall inside their parent. The shapefile has no .prj; WGS84 is assumed."
    ),
)
