"""Use cases of the geo context: load master data, list divisions and grids, locate points, geocode text.

Other contexts call these functions (``from yiwang.geo import services as geo_services``), never the models.
Read results are pydantic schemas. Division tables change only through :func:`load_master_data`, so lookups
that are asked often (:func:`known_division_codes`, :func:`division_names`, the geocoder) are cached per
database and refreshed when the row counts change or a load runs in this process.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any, TypeVar

import shapely
from shapely.geometry import Point
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from yiwang.config import Settings
from yiwang.geo import grids as grid_layout
from yiwang.geo.boundaries import STORED_DECIMALS, district_outlines
from yiwang.geo.divisions import CommunityInfo, DistrictInfo, Divisions, StreetInfo, load_divisions
from yiwang.geo.geocoder import Geocoder, community_short_name
from yiwang.geo.models import Community, District, Grid, Street
from yiwang.geo.projection import CITY_PROJECTION
from yiwang.geo.schemas import (
    CommunityRead,
    DistrictRead,
    GeocodeCandidateRead,
    GeocodeRead,
    GridRead,
    LoadReport,
    Location,
    StreetRead,
)
from yiwang.kernel.errors import NotFoundError, ValidationError
from yiwang.kernel.pages import Page
from yiwang.logs import get_logger

log = get_logger("yiwang.geo")

MAX_PAGE_SIZE = 500
MAX_GEOCODE_CHARS = 2000
_CODE_LENGTHS = {"district_code": 6, "street_code": 9, "community_code": 12, "grid_code": 15}
_CODE_LABELS = {
    "district_code": "区县代码",
    "street_code": "街道代码",
    "community_code": "社区代码",
    "grid_code": "网格编码",
}

T = TypeVar("T")
_cache_lock = threading.Lock()
_cache: dict[tuple[str, str], tuple[tuple[int, int, int], Any]] = {}
_CACHE_ENTRIES = 24


# ---- helpers ----------------------------------------------------------------------------------------------------


def check_code(value: str, *, field: str) -> str:
    """Validate the form of a division or grid code (digits, right length); raises ValidationError in Chinese."""
    code = (value or "").strip()
    length = _CODE_LENGTHS[field]
    if len(code) != length or not code.isdigit():
        raise ValidationError(f"{_CODE_LABELS[field]}应为{length}位数字：{value!r}", field=field)
    return code


def _fingerprint(session: Session) -> tuple[int, int, int]:
    row = session.execute(
        select(
            select(func.count()).select_from(District).scalar_subquery(),
            select(func.count()).select_from(Street).scalar_subquery(),
            select(func.count()).select_from(Community).scalar_subquery(),
        )
    ).one()
    return (int(row[0]), int(row[1]), int(row[2]))


def _cached(session: Session, name: str, build: Callable[[], T]) -> T:
    """A value derived from the division tables, rebuilt when they change (see the module docstring)."""
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), name)
    fingerprint = _fingerprint(session)
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == fingerprint:
        value: T = hit[1]
        return value
    value = build()
    with _cache_lock:
        _cache.pop(key, None)
        _cache[key] = (fingerprint, value)
        while len(_cache) > _CACHE_ENTRIES:  # many databases (tests, tenants): forget the oldest
            del _cache[next(iter(_cache))]
    return value


def clear_caches() -> None:
    """Forget cached lookups (after the division tables were changed by other means than a load)."""
    with _cache_lock:
        _cache.clear()


def _bbox(row: District | Grid) -> tuple[float, float, float, float] | None:
    if row.min_lon is None or row.min_lat is None or row.max_lon is None or row.max_lat is None:
        return None
    return (row.min_lon, row.min_lat, row.max_lon, row.max_lat)


def _counts(session: Session, column: Any, group: Any) -> dict[str, int]:
    rows = session.execute(select(group, func.count(column)).group_by(group)).all()
    return {str(key): int(count) for key, count in rows}


# ---- loading ----------------------------------------------------------------------------------------------------


def _district_values(info: DistrictInfo) -> dict[str, Any]:
    values: dict[str, Any] = {"name": info.name, "kind": info.kind, "city_code": info.code[:4] + "00"}
    outline = district_outlines().get(info.code)
    if outline is None:
        return values
    projected = CITY_PROJECTION.project(outline)
    centroid = outline.centroid if outline.contains(outline.centroid) else outline.point_on_surface()
    min_lon, min_lat, max_lon, max_lat = outline.bounds
    values.update(
        geometry=shapely.to_geojson(outline),
        centroid_lon=round(float(centroid.x), STORED_DECIMALS),
        centroid_lat=round(float(centroid.y), STORED_DECIMALS),
        min_lon=float(min_lon),
        min_lat=float(min_lat),
        max_lon=float(max_lon),
        max_lat=float(max_lat),
        area_km2=round(CITY_PROJECTION.area_m2(projected) / 1e6, 3),
    )
    return values


def _apply(row: Any, values: dict[str, Any]) -> bool:
    """Set changed attributes only; returns whether anything changed."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def load_master_data(session: Session, *, settings: Settings) -> LoadReport:
    """Load (or refresh) districts, streets, communities and unit grids from the shipped tables; idempotent.

    Districts get their real outline (converted GCJ-02 → WGS-84), centroid, bbox and area. Grids of a district
    are regenerated when it has none, when ``settings.grid_cell_m`` or the layout rules changed, or when its
    streets or communities changed; otherwise they are kept as they are. Rows no longer in the shipped tables
    are removed together with their grids. Commits.
    """
    divisions = load_divisions()
    cell_m = settings.grid_cell_m
    dirty: set[str] = set()  # districts whose grids must be regenerated
    _sync_districts(session, divisions, dirty)
    _sync_streets(session, divisions, dirty)
    _sync_communities(session, divisions, dirty)
    removed = _remove_stale(session, divisions, dirty)

    current = {d.code: d for d in session.scalars(select(District))}
    with_grids = set(session.scalars(select(Grid.district_code).distinct()))
    for code, district in current.items():
        stale_layout = district.grid_cell_m != cell_m or district.grid_layout_version != grid_layout.GRID_LAYOUT_VERSION
        if stale_layout or code not in with_grids:
            dirty.add(code)
    regenerated = sorted(code for code in dirty if code in current and current[code].geometry)
    if regenerated:
        _regenerate(session, divisions, current, regenerated, cell_m)

    session.commit()
    clear_caches()
    counts = _fingerprint(session)
    report = LoadReport(
        districts=counts[0],
        streets=counts[1],
        communities=counts[2],
        grids=int(session.scalar(select(func.count()).select_from(Grid)) or 0),
        cell_m=cell_m,
        regenerated_districts=regenerated,
        removed=removed,
    )
    log.info("geo_master_data_loaded", **report.model_dump())
    return report


def _sync_districts(session: Session, divisions: Divisions, dirty: set[str]) -> None:
    existing = {row.code: row for row in session.scalars(select(District))}
    for info in divisions.districts:
        values = _district_values(info)
        row = existing.get(info.code)
        if row is None:
            session.add(District(code=info.code, **values))
            dirty.add(info.code)
            continue
        if row.geometry != values.get("geometry", row.geometry):
            dirty.add(info.code)  # a new outline means new grids
        _apply(row, values)
    session.flush()


def _sync_streets(session: Session, divisions: Divisions, dirty: set[str]) -> None:
    existing = {row.code: row for row in session.scalars(select(Street))}
    for info in divisions.streets:
        values = {"name": info.name, "kind": info.kind, "district_code": info.district_code}
        row = existing.get(info.code)
        if row is None:
            session.add(Street(code=info.code, **values))
            dirty.add(info.district_code)
            continue
        if row.district_code != info.district_code:
            dirty.update({row.district_code, info.district_code})
        _apply(row, values)
    session.flush()


def _sync_communities(session: Session, divisions: Divisions, dirty: set[str]) -> None:
    street_district = {s.code: s.district_code for s in divisions.streets}
    existing = {row.code: row for row in session.scalars(select(Community))}
    new_rows: list[dict[str, Any]] = []
    for info in divisions.communities:
        values = {"name": info.name, "street_code": info.street_code, "urban": info.urban}
        row = existing.get(info.code)
        if row is None:
            new_rows.append({"code": info.code, **values})  # thousands on a first load: one bulk INSERT
            dirty.add(street_district[info.street_code])
            continue
        if row.street_code != info.street_code:
            dirty.update({row.street_code[:6], street_district[info.street_code]})
        _apply(row, values)
    if new_rows:
        session.execute(insert(Community), new_rows)
    session.flush()


def _remove_stale(session: Session, divisions: Divisions, dirty: set[str]) -> int:
    """Delete rows that are no longer in the shipped tables (with their grids); marks their districts dirty."""
    keep_communities = {c.code for c in divisions.communities}
    keep_streets = {s.code for s in divisions.streets}
    keep_districts = {d.code for d in divisions.districts}
    stale_communities = set(session.scalars(select(Community.code))) - keep_communities
    stale_streets = set(session.scalars(select(Street.code))) - keep_streets
    stale_districts = set(session.scalars(select(District.code))) - keep_districts
    if not (stale_communities or stale_streets or stale_districts):
        return 0
    dirty.update(code[:6] for code in stale_communities | stale_streets)
    for column, codes in (
        (Grid.community_code, stale_communities),
        (Grid.street_code, stale_streets),
        (Grid.district_code, stale_districts),
    ):
        if codes:
            session.execute(delete(Grid).where(column.in_(codes)))
    if stale_communities:
        session.execute(delete(Community).where(Community.code.in_(stale_communities)))
    if stale_streets:
        session.execute(delete(Community).where(Community.street_code.in_(stale_streets)))
        session.execute(delete(Street).where(Street.code.in_(stale_streets)))
    if stale_districts:
        session.execute(delete(Street).where(Street.district_code.in_(stale_districts)))
        session.execute(delete(District).where(District.code.in_(stale_districts)))
    session.flush()
    return len(stale_communities) + len(stale_streets) + len(stale_districts)


def _regenerate(
    session: Session, divisions: Divisions, districts: dict[str, District], codes: list[str], cell_m: int
) -> None:
    """Lay out the grids of ``codes`` again and store them with the new street and community points."""
    outlines = {code: shapely.from_geojson(districts[code].geometry) for code in codes}
    layouts = grid_layout.layout_city(divisions=divisions, outlines=outlines, cell_m=cell_m, district_codes=codes)
    session.execute(delete(Grid).where(Grid.district_code.in_(codes)))
    streets = {row.code: row for row in session.scalars(select(Street).where(Street.district_code.in_(codes)))}
    communities = {
        row.code: row
        for row in session.scalars(
            select(Community).where(
                Community.street_code.in_(select(Street.code).where(Street.district_code.in_(codes)))
            )
        )
    }
    rows: list[dict[str, Any]] = []
    for layout in layouts:
        for point in layout.streets:
            _apply(streets[point.code], {"centroid_lon": point.lon, "centroid_lat": point.lat})
        for point in layout.communities:
            _apply(communities[point.code], {"centroid_lon": point.lon, "centroid_lat": point.lat})
        rows.extend(
            {
                "code": cell.code,
                "district_code": cell.district_code,
                "street_code": cell.street_code,
                "community_code": cell.community_code,
                "sequence": cell.sequence,
                "geometry": shapely.to_geojson(cell.geometry),
                "centroid_lon": cell.centroid_lon,
                "centroid_lat": cell.centroid_lat,
                "min_lon": cell.min_lon,
                "min_lat": cell.min_lat,
                "max_lon": cell.max_lon,
                "max_lat": cell.max_lat,
                "area_m2": cell.area_m2,
                "synthetic": True,
            }
            for cell in layout.grids
        )
        _apply(
            districts[layout.district_code],
            {"grid_cell_m": cell_m, "grid_layout_version": grid_layout.GRID_LAYOUT_VERSION},
        )
        log.debug(  # one line per district is detail; the load report sums it up
            "geo_grids_laid_out",
            district=layout.district_code,
            grids=len(layout.grids),
            reassigned=layout.reassigned_cells,
            split=layout.split_cells,
        )
    session.flush()
    if rows:
        session.execute(insert(Grid), rows)


# ---- divisions --------------------------------------------------------------------------------------------------


def _district_read(
    row: District, streets: dict[str, int], communities: dict[str, int], grid_counts: dict[str, int]
) -> DistrictRead:
    return DistrictRead(
        code=row.code,
        name=row.name,
        kind=row.kind,
        city_code=row.city_code,
        centroid_lon=row.centroid_lon,
        centroid_lat=row.centroid_lat,
        bbox=_bbox(row),
        area_km2=row.area_km2,
        street_count=streets.get(row.code, 0),
        community_count=communities.get(row.code, 0),
        grid_count=grid_counts.get(row.code, 0),
        grid_cell_m=row.grid_cell_m,
    )


def _community_counts_by_district(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Street.district_code, func.count(Community.code))
        .join(Community, Community.street_code == Street.code)
        .group_by(Street.district_code)
    ).all()
    return {str(code): int(count) for code, count in rows}


def list_districts(session: Session) -> list[DistrictRead]:
    """All districts in code order, with street, community and grid counts."""
    streets = _counts(session, Street.code, Street.district_code)
    communities = _community_counts_by_district(session)
    grid_counts = _counts(session, Grid.code, Grid.district_code)
    return [
        _district_read(row, streets, communities, grid_counts)
        for row in session.scalars(select(District).order_by(District.code))
    ]


def get_district(session: Session, *, code: str) -> DistrictRead:
    """One district by its 6-digit code; NotFoundError (中文) if the city has no such district."""
    code = check_code(code, field="district_code")
    row = session.get(District, code)
    if row is None:
        raise NotFoundError(f"区县代码 {code} 不存在（本市没有这个区县，或区划数据尚未加载）", field="district_code")
    streets = _counts(session, Street.code, Street.district_code)
    communities = _community_counts_by_district(session)
    grids = int(session.scalar(select(func.count()).where(Grid.district_code == code)) or 0)
    return _district_read(row, streets, communities, {code: grids})


def _street_read(
    row: Street, district_name: str, communities: dict[str, int], grid_counts: dict[str, int]
) -> StreetRead:
    return StreetRead(
        code=row.code,
        name=row.name,
        kind=row.kind,
        district_code=row.district_code,
        district_name=district_name,
        centroid_lon=row.centroid_lon,
        centroid_lat=row.centroid_lat,
        community_count=communities.get(row.code, 0),
        grid_count=grid_counts.get(row.code, 0),
    )


def list_streets(session: Session, *, district_code: str | None = None) -> list[StreetRead]:
    """Streets and townships in code order, optionally of one district (NotFoundError if it does not exist)."""
    query = select(Street, District.name).join(District, District.code == Street.district_code).order_by(Street.code)
    if district_code is not None:
        district = get_district(session, code=district_code)
        query = query.where(Street.district_code == district.code)
    communities = _counts(session, Community.code, Community.street_code)
    grid_counts = _counts(session, Grid.code, Grid.street_code)
    return [_street_read(row, name, communities, grid_counts) for row, name in session.execute(query).all()]


def get_street(session: Session, *, code: str) -> StreetRead:
    """One street or township by its 9-digit code; NotFoundError if absent."""
    code = check_code(code, field="street_code")
    found = session.execute(
        select(Street, District.name).join(District, District.code == Street.district_code).where(Street.code == code)
    ).first()
    if found is None:
        raise NotFoundError(f"街道（乡镇）代码 {code} 不存在", field="street_code")
    row, district_name = found
    members = int(session.scalar(select(func.count()).where(Community.street_code == code)) or 0)
    grids = int(session.scalar(select(func.count()).where(Grid.street_code == code)) or 0)
    return _street_read(row, district_name, {code: members}, {code: grids})


def list_communities(session: Session, *, street_code: str) -> list[CommunityRead]:
    """The communities and villages of one street in code order (NotFoundError if the street does not exist)."""
    street = get_street(session, code=street_code)
    grid_counts = _counts(session, Grid.code, Grid.community_code)
    rows = session.scalars(select(Community).where(Community.street_code == street.code).order_by(Community.code))
    return [
        CommunityRead(
            code=row.code,
            name=row.name,
            short_name=community_short_name(row.name),
            kind="社区" if row.urban else "村",
            urban=row.urban,
            street_code=street.code,
            street_name=street.name,
            district_code=street.district_code,
            centroid_lon=row.centroid_lon,
            centroid_lat=row.centroid_lat,
            grid_count=grid_counts.get(row.code, 0),
        )
        for row in rows
    ]


def known_division_codes(session: Session) -> frozenset[str]:
    """Every district, street and community code in the database (cached; pass to ``validate_division_code``)."""

    def build() -> frozenset[str]:
        codes: set[str] = set()
        for model in (District, Street, Community):
            codes.update(session.scalars(select(model.code)))
        return frozenset(codes)

    return _cached(session, "codes", build)


def division_names(session: Session) -> dict[str, str]:
    """Code → name for every district, street and community in the database (a copy of a cached table)."""

    def build() -> dict[str, str]:
        names: dict[str, str] = {}
        for model in (District, Street, Community):
            names.update(dict(session.execute(select(model.code, model.name)).all()))
        return names

    return dict(_cached(session, "names", build))


def _divisions_from_db(session: Session) -> Divisions:
    districts = tuple(
        DistrictInfo(r.code, r.name, r.kind) for r in session.scalars(select(District).order_by(District.code))
    )
    streets = tuple(
        StreetInfo(r.code, r.name, r.kind, r.district_code)
        for r in session.scalars(select(Street).order_by(Street.code))
    )
    communities = tuple(
        CommunityInfo(r.code, r.name, r.street_code, urban=r.urban)
        for r in session.scalars(select(Community).order_by(Community.code))
    )
    return Divisions(districts=districts, streets=streets, communities=communities)


# ---- points and grids -------------------------------------------------------------------------------------------


def locate_point(session: Session, *, lon: float, lat: float) -> Location | None:
    """The district, street, community and grid containing a WGS-84 point; None outside every district.

    A point inside a district but on a dropped border sliver (no grid) gets the district only.
    """
    if not (-180.0 <= lon <= 180.0):  # noqa: PLR2004
        raise ValidationError(f"经度应在 -180 到 180 之间：{lon}", field="lon")
    if not (-90.0 <= lat <= 90.0):  # noqa: PLR2004
        raise ValidationError(f"纬度应在 -90 到 90 之间：{lat}", field="lat")
    point = Point(lon, lat)
    candidates = session.scalars(
        select(Grid)
        .where(Grid.min_lon <= lon, Grid.max_lon >= lon, Grid.min_lat <= lat, Grid.max_lat >= lat)
        .order_by(Grid.code)
    )
    names = division_names(session)
    for grid in candidates:
        if shapely.from_geojson(grid.geometry).covers(point):
            return Location(
                lon=lon,
                lat=lat,
                district_code=grid.district_code,
                district_name=names.get(grid.district_code, grid.district_code),
                street_code=grid.street_code,
                street_name=names.get(grid.street_code),
                community_code=grid.community_code,
                community_name=names.get(grid.community_code),
                grid_code=grid.code,
            )
    districts = session.scalars(
        select(District).where(
            District.min_lon <= lon, District.max_lon >= lon, District.min_lat <= lat, District.max_lat >= lat
        )
    )
    for district in districts:
        if district.geometry and shapely.from_geojson(district.geometry).covers(point):
            return Location(lon=lon, lat=lat, district_code=district.code, district_name=district.name)
    return None


def _grid_read(row: Grid) -> GridRead:
    return GridRead(
        code=row.code,
        district_code=row.district_code,
        street_code=row.street_code,
        community_code=row.community_code,
        sequence=row.sequence,
        centroid_lon=row.centroid_lon,
        centroid_lat=row.centroid_lat,
        bbox=(row.min_lon, row.min_lat, row.max_lon, row.max_lat),
        area_m2=row.area_m2,
        synthetic=row.synthetic,
    )


def list_grids(
    session: Session,
    *,
    district_code: str | None = None,
    street_code: str | None = None,
    community_code: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page[GridRead]:
    """Unit grids in code order, filtered by district, street and/or community, one page at a time."""
    if page < 1:
        raise ValidationError(f"页码应从 1 开始：{page}", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError(f"每页条数应在 1 到 {MAX_PAGE_SIZE} 之间：{page_size}", field="page_size")
    conditions = []
    for field, column, value in (
        ("district_code", Grid.district_code, district_code),
        ("street_code", Grid.street_code, street_code),
        ("community_code", Grid.community_code, community_code),
    ):
        if value is not None and value != "":
            conditions.append(column == check_code(value, field=field))
    total = int(session.scalar(select(func.count()).select_from(Grid).where(*conditions)) or 0)
    rows = session.scalars(
        select(Grid).where(*conditions).order_by(Grid.code).offset((page - 1) * page_size).limit(page_size)
    )
    return Page[GridRead](items=[_grid_read(r) for r in rows], total=total, page=page, page_size=page_size)


def get_grid(session: Session, *, code: str) -> GridRead:
    """One unit grid by its 15-digit code; NotFoundError if absent."""
    code = check_code(code, field="grid_code")
    row = session.get(Grid, code)
    if row is None:
        raise NotFoundError(f"网格编码 {code} 不存在", field="grid_code")
    return _grid_read(row)


def _feature(geometry: str, properties: dict[str, Any], tolerance: float = 0.0) -> dict[str, Any]:
    if tolerance > 0:
        shape = shapely.from_geojson(geometry).simplify(tolerance, preserve_topology=True)
        geometry = shapely.to_geojson(shapely.set_precision(shape, 10**-STORED_DECIMALS))
    return {"type": "Feature", "properties": properties, "geometry": json.loads(geometry)}


def districts_geojson(
    session: Session, *, tolerance: float = 0.0, codes: Iterable[str] | None = None
) -> dict[str, Any]:
    """A FeatureCollection of the district outlines (WGS-84) with code, name, kind, area and counts.

    ``tolerance`` (degrees, e.g. 0.0005 ≈ 50 m) simplifies the outlines for small maps; ``codes`` limits the
    collection to some districts.
    """
    if not 0.0 <= tolerance <= 0.1:  # noqa: PLR2004
        raise ValidationError(f"简化容差应在 0 到 0.1 度之间：{tolerance}", field="tolerance")
    features = []
    districts = {d.code: d for d in list_districts(session)}
    query = select(District).where(District.geometry.is_not(None)).order_by(District.code)
    if codes is not None:
        query = query.where(District.code.in_([check_code(code, field="district_code") for code in codes]))
    for row in session.scalars(query):
        info = districts[row.code]
        features.append(
            _feature(
                row.geometry or "",
                {
                    "code": row.code,
                    "name": row.name,
                    "kind": row.kind,
                    "area_km2": row.area_km2,
                    "centroid": [row.centroid_lon, row.centroid_lat],
                    "street_count": info.street_count,
                    "community_count": info.community_count,
                    "grid_count": info.grid_count,
                },
                tolerance,
            )
        )
    return {"type": "FeatureCollection", "features": features}


def grids_geojson(session: Session, *, district_code: str) -> dict[str, Any]:
    """A FeatureCollection of one district's unit grids with their street and community (synthetic layout)."""
    district = get_district(session, code=district_code)
    names = division_names(session)
    features = [
        _feature(
            row.geometry,
            {
                "code": row.code,
                "street_code": row.street_code,
                "street_name": names.get(row.street_code),
                "community_code": row.community_code,
                "community_name": names.get(row.community_code),
                "sequence": row.sequence,
                "area_m2": row.area_m2,
                "synthetic": row.synthetic,
            },
        )
        for row in session.scalars(select(Grid).where(Grid.district_code == district.code).order_by(Grid.code))
    ]
    return {"type": "FeatureCollection", "features": features}


# ---- geocoding --------------------------------------------------------------------------------------------------


def get_geocoder(session: Session) -> Geocoder:
    """The geocoder over the divisions in the database, or over the shipped tables while none are loaded."""

    def build() -> Geocoder:
        divisions = _divisions_from_db(session)
        return Geocoder(divisions if divisions.streets else load_divisions())

    return _cached(session, "geocoder", build)


def geocode(session: Session, *, text: str) -> GeocodeRead:
    """Resolve an address or a citizen's message to a district and street (see :mod:`yiwang.geo.geocoder`)."""
    if len(text) > MAX_GEOCODE_CHARS:
        raise ValidationError(f"地址文本过长（{len(text)} 字），最多 {MAX_GEOCODE_CHARS} 字", field="q")
    result = get_geocoder(session).geocode(text)
    return GeocodeRead(
        query=text,
        status=result.status,
        district_code=result.district_code,
        district_name=result.district_name,
        street_code=result.street_code,
        street_name=result.street_name,
        community_code=result.community_code,
        community_name=result.community_name,
        confidence=result.confidence,
        reason=result.reason,
        candidates=[GeocodeCandidateRead(**asdict(c)) for c in result.candidates],
        evidence=list(result.evidence),
    )


def geocode_many(session: Session, *, texts: Iterable[str]) -> list[GeocodeRead]:
    """Geocode several texts with one cached geocoder."""
    return [geocode(session, text=text) for text in texts]
