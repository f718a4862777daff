"""Geometry-only road line layers: Mexico (DIVA-GIS / Digital Chart of the World) and the
US Southwest (Natural Earth 10m). Used to give authored corridor edges realistic shape."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from cargorisk.sources._read import check, reading
from cargorisk.sources.base import Source, SourceFile, Table

MX_FILE = "mex_roads_divagis_geometry_only.geojson"
US_FILE = "ne_10m_roads_usa_geometry_only_clip_-120_14_-86_38.geojson"
US_CLIP = box(-120, 14, -86, 38)
METRIC_CRS = {"mx": "EPSG:6372", "us": "EPSG:5070"}

MX_ROADS = Table(
    "mx_roads_dcw",
    {
        "src_index": "record number in the source shapefile",
        "length_km": "line length in EPSG:6372 (Mexico LCC) [km]",
        "geometry": "road centre line, EPSG:4326 (c. 1:1M, early 1990s)",
    },
)
US_ROADS = Table(
    "us_roads_ne",
    {
        "src_index": "record number in the source shapefile",
        "length_km": "line length in EPSG:5070 (CONUS Albers) [km]",
        "geometry": "road centre line, EPSG:4326 (Natural Earth 10m)",
    },
)


def read_road_lines(path: Path, country: str) -> gpd.GeoDataFrame:
    """Read a road line layer (GeoJSON subset or the publisher's zipped shapefile).

    The publisher downloads carry every road of the layer: Natural Earth's world file is
    clipped to the US Southwest (lon -120..-86, lat 14..38) and to US roads, as in the mirror.
    Lengths are recomputed in a metric CRS so both forms agree.
    """
    with reading(path):
        gdf = gpd.read_file(f"zip://{path}" if path.suffix == ".zip" else path)
    check(gdf.crs is not None, path, "the layer has no CRS")
    gdf = gdf.to_crs("EPSG:4326")
    if path.suffix == ".zip" and country == "us":
        gdf = gdf[gdf.get("sov_a3", pd.Series("USA", index=gdf.index)) == "USA"]
        gdf = gdf.clip(US_CLIP).explode(index_parts=False)
    gdf = gdf[~gdf.geometry.is_empty & gdf.geometry.notna()]
    check(not gdf.empty, path, "no line features")
    src = gdf["src_index"] if "src_index" in gdf.columns else pd.Series(range(len(gdf)), gdf.index)
    length = gdf.geometry.to_crs(METRIC_CRS[country]).length / 1000
    out = gpd.GeoDataFrame(
        {"src_index": src.astype("int64"), "length_km": length.round(3)},
        geometry=gdf.geometry,
        crs="EPSG:4326",
    )
    return out.reset_index(drop=True)


def build_mx(paths: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """Build ``mx_roads_dcw``."""
    return {MX_ROADS.name: read_road_lines(paths[MX_FILE], "mx")}


def build_us(paths: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """Build ``us_roads_ne``."""
    return {US_ROADS.name: read_road_lines(paths[US_FILE], "us")}


MX_SOURCE = Source(
    id="mx_roads_divagis_dcw",
    title="Mexico road lines (DIVA-GIS MEX_roads, Digital Chart of the World)",
    publisher="DIVA-GIS from NIMA/NGA Digital Chart of the World (VMap0)",
    licence="DIVA-GIS: free for non-commercial use; DCW: U.S. government product",
    homepage="https://diva-gis.org/gdata",
    files=(
        SourceFile(
            MX_FILE,
            url="https://biogeo.ucdavis.edu/data/diva/rds/MEX_rds.zip",
            sha256="49bef1e35b80dac9e112bffb25538b5a5f8adde892b9d30e4bb8298f0e225723",
            download_as="MEX_rds.zip",
            url_is_pinned=False,
        ),
    ),
    tables=(MX_ROADS,),
    build=build_mx,
    caveats=(
        "167,846 km of early-1990s lines at c. 1:1M, geometry only: no highway number, class, "
        "toll (cuota/libre) or lanes, and newer autopistas are missing. A backbone, not truth."
    ),
)

US_SOURCE = Source(
    id="naturalearth_roads_us_clip_mtu",
    title="Natural Earth 10m roads, US Southwest (lon -120..-86, lat 14..38)",
    publisher="Natural Earth",
    licence="public domain",
    homepage="https://www.naturalearthdata.com/downloads/10m-cultural-vectors/roads/",
    files=(
        SourceFile(
            US_FILE,
            url="https://naciscdn.org/naturalearth/10m/cultural/ne_10m_roads.zip",
            sha256="a26cb743f18ba3d3e7db224ff9e2b5d8bf15de3fcbf803758166d9409a394633",
            download_as="ne_10m_roads.zip",
            url_is_pinned=False,
        ),
    ),
    tables=(US_ROADS,),
    build=build_us,
    caveats="About 93,400 km of major US roads, geometry only (the mirror has no attributes).",
)
