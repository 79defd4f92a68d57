"""GCJ-02 ⇄ WGS-84 conversion for coordinates, numpy arrays and GeoJSON geometries.

Maps published in mainland China (AMap/高德, Tencent) use GCJ-02, an obfuscated datum offset from WGS-84 by a
few hundred metres. The forward transform (WGS-84 → GCJ-02) is the public algorithm (the same as the
``eviltransform`` reference implementations); GCJ-02 → WGS-84 has no closed form, so it is solved by fixed-point
iteration on the forward transform until the residual is below about 1e-9° (≈0.1 mm). Points outside China's
rough bounding box are not offset by GCJ-02 and are returned unchanged.

Coordinates are always (lon, lat), GeoJSON order.

Examples:
    >>> lon, lat = wgs84_to_gcj02(121.5272106, 31.1774276)
    >>> round(lon, 9), round(lat, 9)
    (121.531541859, 31.175303984)
    >>> lon, lat = gcj02_to_wgs84(121.531541859215, 31.17530398364597)
    >>> round(lon, 7), round(lat, 7)
    (121.5272106, 31.1774276)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

_KRASOVSKY_A = 6378245.0  # semi-major axis of the Krasovsky 1940 ellipsoid used by GCJ-02
_KRASOVSKY_EE = 0.00669342162296594323  # its first eccentricity squared
_INVERSE_TOLERANCE_DEG = 1e-10
_INVERSE_MAX_ITERATIONS = 30


def out_of_china(lon: float, lat: float) -> bool:
    """Whether a point lies outside the rough box where GCJ-02 applies (no offset there)."""
    return bool(_outside_mask(np.array([lon]), np.array([lat]))[0])


def _outside_mask(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    # The same crude box as the reference implementations; it must match them, not the real border.
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)  # noqa: PLR2004


def _offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The GCJ-02 offset (dlon, dlat) in degrees at WGS-84 points."""
    x = lon - 105.0
    y = lat - 35.0
    x_pi = x * math.pi
    y_pi = y * math.pi
    common = 20.0 * np.sin(6.0 * x_pi) + 20.0 * np.sin(2.0 * x_pi)
    dlat = common + 20.0 * np.sin(y_pi) + 40.0 * np.sin(y_pi / 3.0)
    dlon = common + 20.0 * np.sin(x_pi) + 40.0 * np.sin(x_pi / 3.0)
    dlat = dlat + 160.0 * np.sin(y_pi / 12.0) + 320.0 * np.sin(y_pi / 30.0)
    dlon = dlon + 150.0 * np.sin(x_pi / 12.0) + 300.0 * np.sin(x_pi / 30.0)
    dlat = dlat * 2.0 / 3.0
    dlon = dlon * 2.0 / 3.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    dlat = dlat - 100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlon = dlon + 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * math.pi)
    return dlon, dlat


def _as_points(coords: npt.ArrayLike) -> FloatArray:
    points = np.array(coords, dtype=np.float64, copy=True, ndmin=2)
    if points.ndim != 2 or points.shape[1] < 2:  # noqa: PLR2004 - rows of (lon, lat[, z])
        msg = f"expected an (N, 2) array of (lon, lat), got shape {points.shape}"
        raise ValueError(msg)
    return points


def wgs84_to_gcj02_array(coords: npt.ArrayLike) -> FloatArray:
    """Convert an (N, 2) array of WGS-84 (lon, lat) to GCJ-02; extra columns (e.g. z) are kept."""
    points = _as_points(coords)
    lon, lat = points[:, 0], points[:, 1]
    inside = ~_outside_mask(lon, lat)
    dlon, dlat = _offset(lon[inside], lat[inside])
    points[inside, 0] = lon[inside] + dlon
    points[inside, 1] = lat[inside] + dlat
    return points


def gcj02_to_wgs84_array(coords: npt.ArrayLike) -> FloatArray:
    """Convert an (N, 2) array of GCJ-02 (lon, lat) to WGS-84 by iterating the forward transform."""
    target = _as_points(coords)
    inside = ~_outside_mask(target[:, 0], target[:, 1])
    goal_lon, goal_lat = target[inside, 0], target[inside, 1]
    # Start from "subtract the offset measured at the GCJ point", then correct by the residual each round.
    dlon, dlat = _offset(goal_lon, goal_lat)
    lon, lat = goal_lon - dlon, goal_lat - dlat
    for _ in range(_INVERSE_MAX_ITERATIONS):
        dlon, dlat = _offset(lon, lat)
        err_lon = lon + dlon - goal_lon
        err_lat = lat + dlat - goal_lat
        lon = lon - err_lon
        lat = lat - err_lat
        if (
            lon.size == 0
            or max(float(np.max(np.abs(err_lon))), float(np.max(np.abs(err_lat)))) < _INVERSE_TOLERANCE_DEG
        ):
            break
    target[inside, 0] = lon
    target[inside, 1] = lat
    return target


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Convert one WGS-84 point to GCJ-02 (unchanged outside China)."""
    out = wgs84_to_gcj02_array([[lon, lat]])
    return float(out[0, 0]), float(out[0, 1])


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Convert one GCJ-02 point to WGS-84 (unchanged outside China)."""
    out = gcj02_to_wgs84_array([[lon, lat]])
    return float(out[0, 0]), float(out[0, 1])


def _convert_positions(positions: Any, convert: Any) -> Any:
    """Apply ``convert`` to the (possibly nested, possibly ragged) coordinate lists of a GeoJSON geometry."""
    if not positions:
        return []
    if isinstance(positions[0], (int, float)):  # a single position: Point
        return convert([positions])[0].tolist()
    if isinstance(positions[0][0], (int, float)):  # a list of positions: LineString, ring
        return convert(positions).tolist()
    return [_convert_positions(part, convert) for part in positions]


def convert_geometry(geometry: dict[str, Any], *, to: str = "wgs84") -> dict[str, Any]:
    """Convert a GeoJSON geometry (any type, including GeometryCollection) between GCJ-02 and WGS-84.

    ``to="wgs84"`` reads GCJ-02 and writes WGS-84; ``to="gcj02"`` does the opposite. A new dict is returned.
    """
    if to not in {"wgs84", "gcj02"}:
        msg = f"unknown target datum {to!r} (expected 'wgs84' or 'gcj02')"
        raise ValueError(msg)
    convert = gcj02_to_wgs84_array if to == "wgs84" else wgs84_to_gcj02_array
    if geometry.get("type") == "GeometryCollection":
        return {
            **geometry,
            "geometries": [convert_geometry(part, to=to) for part in geometry.get("geometries", [])],
        }
    coordinates = geometry.get("coordinates")
    if coordinates is None:
        return dict(geometry)
    return {**geometry, "coordinates": _convert_positions(coordinates, convert)}


def gcj02_to_wgs84_geometry(geometry: dict[str, Any]) -> dict[str, Any]:
    """Convert a GCJ-02 GeoJSON geometry to WGS-84."""
    return convert_geometry(geometry, to="wgs84")
