"""Server-rendered pages of the geo context: district map and table, a district's streets and grids, geocoding."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from yiwang.geo import services
from yiwang.geo.schemas import GeocodeRead, Location
from yiwang.kernel.errors import ValidationError, YiwangError
from yiwang.web.deps import SessionDep, TemplatesDep

router = APIRouter(tags=["pages"])

GEOCODE_EXAMPLES = (
    "四川省成都市武侯区玉林街道玉林北路3号",
    "郫都区犀浦镇那边路灯坏了",
    "双流县东升镇",
    "石羊",
    "高新区桂溪街道天府三街小区噪音扰民",
    "北京市朝阳区建国路88号",
)
"""Sample texts offered on the geocoding page (each shows a different outcome)."""


@router.get("/geo", response_class=HTMLResponse, summary="区划与网格总览")
def geo_index(request: Request, session: SessionDep, templates: TemplatesDep) -> HTMLResponse:
    """The district map (coloured by kind) and the table of districts with their counts."""
    districts = services.list_districts(session)
    totals = {
        "districts": len(districts),
        "streets": sum(d.street_count for d in districts),
        "communities": sum(d.community_count for d in districts),
        "grids": sum(d.grid_count for d in districts),
        "area_km2": sum(d.area_km2 or 0.0 for d in districts),
    }
    cell_sizes = sorted({d.grid_cell_m for d in districts if d.grid_cell_m})
    return templates.TemplateResponse(
        request,
        "geo/index.html",
        {"districts": districts, "totals": totals, "cell_sizes": cell_sizes, "examples": GEOCODE_EXAMPLES},
    )


def _error_page(templates: TemplatesDep, request: Request, error: YiwangError, *, title: str) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "geo/error.html", {"title": title, "error": error}, status_code=error.status_code
    )


@router.get("/geo/districts/{code}", response_class=HTMLResponse, summary="区县：街道与单元网格")
def geo_district(code: str, request: Request, session: SessionDep, templates: TemplatesDep) -> HTMLResponse:
    """One district: its streets (kind, communities, grids) and its synthetic grids on the map."""
    try:
        district = services.get_district(session, code=code)
    except YiwangError as exc:
        return _error_page(templates, request, exc, title="找不到该区（市）县")
    streets = services.list_streets(session, district_code=district.code)
    outline = services.districts_geojson(session, codes=[district.code])
    return templates.TemplateResponse(
        request, "geo/district.html", {"district": district, "streets": streets, "outline": outline}
    )


@router.get("/geo/streets/{code}", response_class=HTMLResponse, summary="街道（乡镇）：社区（村）")
def geo_street(code: str, request: Request, session: SessionDep, templates: TemplatesDep) -> HTMLResponse:
    """One street or township and its communities and villages."""
    try:
        street = services.get_street(session, code=code)
    except YiwangError as exc:
        return _error_page(templates, request, exc, title="找不到该街道（乡镇）")
    communities = services.list_communities(session, street_code=street.code)
    return templates.TemplateResponse(request, "geo/street.html", {"street": street, "communities": communities})


@router.get("/geo/geocode", response_class=HTMLResponse, summary="地址解析与坐标定位页面")
def geo_geocode(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    q: Annotated[str, Query(max_length=services.MAX_GEOCODE_CHARS)] = "",
    lon: Annotated[str, Query(max_length=32)] = "",
    lat: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    """A text box that resolves an address or message, and a lon/lat box that locates a point."""
    result: GeocodeRead | None = None
    location: Location | None = None
    located = False
    error = ""
    if q.strip():
        result = services.geocode(session, text=q)
    if lon.strip() or lat.strip():
        try:
            location = services.locate_point(session, lon=_coordinate(lon, "lon"), lat=_coordinate(lat, "lat"))
            located = True
        except ValidationError as exc:
            error = exc.message
    return templates.TemplateResponse(
        request,
        "geo/geocode.html",
        {
            "q": q,
            "lon": lon,
            "lat": lat,
            "result": result,
            "location": location,
            "located": located,
            "error": error,
            "examples": GEOCODE_EXAMPLES,
        },
    )


def _coordinate(value: str, field: str) -> float:
    label = "经度" if field == "lon" else "纬度"
    try:
        return float(value.strip())
    except ValueError:
        raise ValidationError(f"{label}应为数字，如 104.0657：{value!r}", field=field) from None
