"""The shipped district outlines (GCJ-02 GeoJSON), read and converted to WGS-84 shapely geometries."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from yiwang.geo.coords import gcj02_to_wgs84_array
from yiwang.geo.divisions import DATA_DIR

OUTLINES_FILE = DATA_DIR / "chengdu_districts_gcj02.geojson"
STORED_DECIMALS = 6
"""Decimal places kept for stored outline coordinates (0.1 m; the source is far coarser)."""


def _round(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.round(coords, STORED_DECIMALS)


@cache
def district_outlines() -> dict[str, BaseGeometry]:
    """District code → outline in WGS-84 (converted from the shipped GCJ-02 data, rounded, valid)."""
    with OUTLINES_FILE.open(encoding="utf-8") as handle:
        collection = json.load(handle)
    outlines: dict[str, BaseGeometry] = {}
    for feature in collection["features"]:
        code = str(feature["properties"]["adcode"])
        geometry = shapely.transform(shape(feature["geometry"]), gcj02_to_wgs84_array)
        geometry = shapely.transform(geometry, _round)
        if not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
        outlines[code] = geometry
    return outlines
