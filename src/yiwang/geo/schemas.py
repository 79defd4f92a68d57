"""Read models of the geo context: what its services return and its API serialises (never ORM rows)."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

from yiwang.geo.geocoder import GeocodeStatus

T = TypeVar("T")


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True)


class DistrictRead(_Read):
    """A county-level division with its size and how many streets, communities and grids it holds."""

    code: str = Field(description="6 位 GB/T 2260 代码")
    name: str
    kind: str = Field(description="区 / 县 / 县级市")
    city_code: str
    centroid_lon: float | None = None
    centroid_lat: float | None = None
    bbox: tuple[float, float, float, float] | None = Field(
        default=None, description="[min_lon, min_lat, max_lon, max_lat]（WGS-84）"
    )
    area_km2: float | None = None
    street_count: int = 0
    community_count: int = 0
    grid_count: int = 0
    grid_cell_m: int | None = Field(default=None, description="单元网格边长（米）")


class StreetRead(_Read):
    """A street office or township; its point is synthetic (street boundaries are not open data)."""

    code: str = Field(description="9 位统计用区划代码")
    name: str
    kind: str = Field(description="街道 / 镇 / 乡")
    district_code: str
    district_name: str
    centroid_lon: float | None = None
    centroid_lat: float | None = None
    community_count: int = 0
    grid_count: int = 0
    synthetic_point: bool = True


class CommunityRead(_Read):
    """A community (社区) or village (村) committee; its point is synthetic."""

    code: str = Field(description="12 位统计用区划代码")
    name: str
    short_name: str = Field(description="常用简称，如 水井坊社区、大梁村")
    kind: str = Field(description="社区 / 村")
    urban: bool
    street_code: str
    street_name: str
    district_code: str
    centroid_lon: float | None = None
    centroid_lat: float | None = None
    grid_count: int = 0


class GridRead(_Read):
    """A unit grid (单元网格); geometry is available as GeoJSON from ``grids_geojson``."""

    code: str = Field(description="15 位网格编码：区县 6 + 街道 3 + 社区 3 + 序号 3")
    district_code: str
    street_code: str
    community_code: str
    sequence: int
    centroid_lon: float
    centroid_lat: float
    bbox: tuple[float, float, float, float]
    area_m2: float
    synthetic: bool


class Location(_Read):
    """Where a point falls: district (real outline) and street, community and grid (synthetic layout)."""

    lon: float
    lat: float
    district_code: str
    district_name: str
    street_code: str | None = None
    street_name: str | None = None
    community_code: str | None = None
    community_name: str | None = None
    grid_code: str | None = None
    synthetic: bool = Field(default=True, description="街道、社区、网格的范围为合成数据")


class GeocodeCandidateRead(_Read):
    """One reading of an ambiguous text."""

    district_code: str
    district_name: str
    street_code: str | None = None
    street_name: str | None = None


class GeocodeRead(_Read):
    """The result of geocoding a text."""

    query: str
    status: GeocodeStatus
    district_code: str | None = None
    district_name: str | None = None
    street_code: str | None = None
    street_name: str | None = None
    community_code: str | None = None
    community_name: str | None = None
    confidence: float = Field(ge=0, le=1)
    reason: str
    candidates: list[GeocodeCandidateRead] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list, description="识别到的地名（按出现顺序）")


class LoadReport(_Read):
    """What ``load_master_data`` did."""

    districts: int
    streets: int
    communities: int
    grids: int
    cell_m: int
    regenerated_districts: list[str] = Field(default_factory=list, description="本次重新生成网格的区县")
    removed: int = Field(default=0, description="删除的已不存在的区划条目数")
