"""Geography master data: districts (GB/T 2260), streets/townships, communities and unit grids.

Geometries are stored as GeoJSON text in WGS-84 (lon, lat) with a bounding box for coarse filtering, so the
same schema works on SQLite and PostgreSQL without PostGIS (ADR 0004). District outlines are real (converted
from GCJ-02); street and community areas do not exist as open data, so grids carry ``synthetic=True``.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.db import Base


class District(Base):
    """A county-level division (区/县/县级市) of the city, keyed by its 6-digit GB/T 2260 code."""

    __tablename__ = "geo_district"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))  # 区 / 县 / 县级市
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    geometry: Mapped[str | None] = mapped_column(Text)  # GeoJSON (WGS-84)
    centroid_lon: Mapped[float | None] = mapped_column(Float)
    centroid_lat: Mapped[float | None] = mapped_column(Float)
    min_lon: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)
    area_km2: Mapped[float | None] = mapped_column(Float)
    # How the district's grids were laid out, so a load regenerates them when the cell size or the rules change.
    grid_cell_m: Mapped[int | None] = mapped_column(Integer)
    grid_layout_version: Mapped[int | None] = mapped_column(Integer)


class Street(Base):
    """A street office or township (街道/镇/乡), keyed by its 9-digit statistical division code."""

    __tablename__ = "geo_street"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(4))  # 街道 / 镇 / 乡
    district_code: Mapped[str] = mapped_column(ForeignKey("geo_district.code"), index=True)
    # A representative point; synthetic (no open street boundaries exist), used to lay out grids.
    centroid_lon: Mapped[float | None] = mapped_column(Float)
    centroid_lat: Mapped[float | None] = mapped_column(Float)


class Community(Base):
    """A community or village committee (社区/村), keyed by its 12-digit statistical code."""

    __tablename__ = "geo_community"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    street_code: Mapped[str] = mapped_column(ForeignKey("geo_street.code"), index=True)
    urban: Mapped[bool] = mapped_column(Boolean, default=True)  # 社区 (urban) vs 村 (rural)
    # A representative point; synthetic like the street's (inside the street's grids).
    centroid_lon: Mapped[float | None] = mapped_column(Float)
    centroid_lat: Mapped[float | None] = mapped_column(Float)


class Grid(Base):
    """A unit grid (单元网格): 6 district + 3 street + 3 community + 3 sequence digits (15 characters)."""

    __tablename__ = "geo_grid"

    code: Mapped[str] = mapped_column(String(15), primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("geo_district.code"), index=True)
    street_code: Mapped[str] = mapped_column(ForeignKey("geo_street.code"), index=True)
    community_code: Mapped[str] = mapped_column(ForeignKey("geo_community.code"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON Polygon or MultiPolygon (WGS-84)
    # The centroid, or a point on the surface when a clipped cell's centroid falls outside it.
    centroid_lon: Mapped[float] = mapped_column(Float)
    centroid_lat: Mapped[float] = mapped_column(Float)
    min_lon: Mapped[float] = mapped_column(Float, index=True)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    area_m2: Mapped[float] = mapped_column(Float)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=True)
