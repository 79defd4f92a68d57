"""HTTP JSON API of the geo context: divisions, unit grids, GeoJSON for maps, geocoding and point location."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from yiwang.geo import services
from yiwang.geo.schemas import CommunityRead, DistrictRead, GeocodeRead, GridRead, Location, StreetRead
from yiwang.kernel.errors import NotFoundError, ValidationError
from yiwang.kernel.pages import Page
from yiwang.web.deps import SessionDep

router = APIRouter(prefix="/api/geo", tags=["geo"])

GEOJSON_MEDIA_TYPE = "application/geo+json"


@router.get(
    "/districts",
    response_model=list[DistrictRead],
    summary="区（市）县列表",
    responses={
        200: {"content": {GEOJSON_MEDIA_TYPE: {}}, "description": "JSON 列表，或 format=geojson 时的 FeatureCollection"}
    },
)
def districts(
    session: SessionDep,
    fmt: Annotated[Literal["json", "geojson"], Query(alias="format", description="json（默认）或 geojson")] = "json",
    tolerance: Annotated[float, Query(ge=0, le=0.1, description="GeoJSON 边界简化容差（度），如 0.0005")] = 0.0,
) -> Any:
    """The 20 districts with counts; ``?format=geojson`` gives their outlines (WGS-84) as a FeatureCollection."""
    if fmt == "geojson":
        return JSONResponse(services.districts_geojson(session, tolerance=tolerance), media_type=GEOJSON_MEDIA_TYPE)
    return services.list_districts(session)


@router.get("/districts/{code}", summary="区（市）县详情")
def district(session: SessionDep, code: str) -> DistrictRead:
    """One district by its 6-digit code (422 if malformed, 404 if unknown)."""
    return services.get_district(session, code=code)


@router.get("/districts/{code}/streets", summary="区（市）县的街道（乡镇）")
def district_streets(session: SessionDep, code: str) -> list[StreetRead]:
    """The streets and townships of a district."""
    return services.list_streets(session, district_code=code)


@router.get("/streets/{code}", summary="街道（乡镇）详情")
def street(session: SessionDep, code: str) -> StreetRead:
    """One street or township by its 9-digit code."""
    return services.get_street(session, code=code)


@router.get("/streets/{code}/communities", summary="街道（乡镇）的社区（村）")
def street_communities(session: SessionDep, code: str) -> list[CommunityRead]:
    """The communities and villages of a street."""
    return services.list_communities(session, street_code=code)


@router.get("/grids", summary="单元网格列表（分页）")
def grids(
    *,
    session: SessionDep,
    district: Annotated[str | None, Query(description="区县代码（6 位）")] = None,
    street: Annotated[str | None, Query(description="街道代码（9 位）")] = None,
    community: Annotated[str | None, Query(description="社区代码（12 位）")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=services.MAX_PAGE_SIZE)] = 50,
) -> Page[GridRead]:
    """Unit grids in code order; synthetic layout (street and community areas are not open data)."""
    return services.list_grids(
        session, district_code=district, street_code=street, community_code=community, page=page, page_size=page_size
    )


@router.get(
    "/grids.geojson",
    summary="一个区县的单元网格（GeoJSON）",
    responses={200: {"content": {GEOJSON_MEDIA_TYPE: {}}, "description": "FeatureCollection"}},
)
def grids_geojson(
    session: SessionDep,
    district: Annotated[str, Query(description="区县代码（6 位）")],
) -> JSONResponse:
    """The grids of one district as a FeatureCollection with street and community names."""
    return JSONResponse(services.grids_geojson(session, district_code=district), media_type=GEOJSON_MEDIA_TYPE)


@router.get("/grids/{code}", summary="单元网格详情")
def grid(session: SessionDep, code: str) -> GridRead:
    """One unit grid by its 15-digit code."""
    return services.get_grid(session, code=code)


@router.get("/geocode", summary="地址 / 诉求文本解析到区县和街道")
def geocode(
    session: SessionDep,
    q: Annotated[str, Query(description="地址或群众诉求原文，如：郫都区犀浦镇那边路灯坏了")],
) -> GeocodeRead:
    """Resolve an address or a citizen's message; ``status`` says how far it got and ``reason`` why."""
    if not q.strip():
        raise ValidationError("请输入要解析的地址或诉求文本", field="q")
    return services.geocode(session, text=q)


@router.get("/locate", summary="坐标定位到区县、街道、社区和网格")
def locate(
    session: SessionDep,
    lon: Annotated[float, Query(description="经度（WGS-84）")],
    lat: Annotated[float, Query(description="纬度（WGS-84）")],
) -> Location:
    """The district, street, community and unit grid of a WGS-84 point (404 outside the city)."""
    found = services.locate_point(session, lon=lon, lat=lat)
    if found is None:
        raise NotFoundError(f"坐标 ({lon}, {lat}) 不在本市区划范围内（注意使用 WGS-84 坐标）", field="lon")
    return found
