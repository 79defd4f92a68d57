"""Synthetic unit grids (单元网格): a metre lattice clipped to each district, with plausible streets and communities.

Street and community boundaries are not open data, so the layout below is synthetic but deterministic — the
same inputs always give the same grids, codes and points:

1. **Lattice.** Squares of ``cell_m`` metres on one city-wide lattice in the Gauss–Krüger projection
   (:data:`~yiwang.geo.projection.CITY_PROJECTION`), clipped to the district outline. Pieces smaller than 5 % of a
   cell (slivers along the border) are dropped. A square crossing a district border becomes one grid per district.
2. **Street points.** One representative point per street (街道/镇/乡), inside its district. The district's urban
   core is the point of the district nearest to its centroid pulled 40 % towards the city core (天府广场).
   Streets named 街道 are placed in the part of the district nearest that core (a share of the area that assumes
   a 街道 covers about 30 % of a town's area), towns (镇/乡) in the rest; the lowest-coded 街道 — usually the
   district seat — sits at the core, the others are spread by best-candidate sampling seeded by the district code.
3. **Streets.** Every cell belongs to the street whose point is nearest to the cell's representative point.
   *Every street must get at least one grid.* A street left without one takes, in code order, the nearest cell of
   a street holding two or more cells if that cell lies within 1.5 cell edges of the street's point; otherwise
   the cell nearest to its point is split into quarters (a finer square of the same lattice): the quarter nearest
   to the point goes to the street and the other quarters stay with the cell's street. Repeat until none is empty.
4. **Communities.** Inside each street, community points are placed the same way (社区 nearer the street point,
   villages 村 further out; seeded by the street code) and each cell goes to the nearest community point.
   Communities may hold no grid: in dense areas a community is smaller than one cell.
5. **Codes.** 12-digit community code + 3-digit sequence (15 characters). Sequences run per community from 001 in
   reading order: rows from north to south, and west to east within a row.

Everything here is pure: shapely geometries in, frozen dataclasses out. Grids are flagged synthetic by the caller.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from yiwang.geo.divisions import CommunityInfo, Divisions, StreetInfo
from yiwang.geo.projection import CITY_PROJECTION, GaussKruger

FloatArray = npt.NDArray[np.float64]

GRID_LAYOUT_VERSION = 1
"""Bump when the layout rules change, so stored grids are regenerated on the next load."""

CITY_CORE_WGS84 = (104.0633, 30.6597)
"""The city's urban core (天府广场, WGS-84 lon/lat), towards which each district's own core is pulled."""

SLIVER_FRACTION = 0.05
CORE_PULL = 0.4
STREET_AREA_WEIGHT = 0.3  # a 街道 covers about 30 % of the area of a town (镇/乡)
DONOR_REACH_CELLS = 1.5
MAX_SPLIT_LEVEL = 6
MAX_SEQUENCE = 999
_KEY_LEVELS = MAX_SPLIT_LEVEL + 2  # integer resolution for ordering cells of mixed sizes
_CANDIDATES_PER_DISTRICT = 3000
_CANDIDATES_PER_STREET = 600
_BEST_CANDIDATE_TRIES = 16
_COORD_DECIMALS = 7  # about 1 cm


class GridLayoutError(ValueError):
    """The inputs cannot produce a valid layout (a street without communities, more than 999 grids…)."""


@dataclass(frozen=True, slots=True)
class SitePoint:
    """A synthetic representative point of a street or community (WGS-84)."""

    code: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class GridCell:
    """One unit grid: code, owners, WGS-84 geometry, representative point, bounding box and ground area."""

    code: str
    district_code: str
    street_code: str
    community_code: str
    sequence: int
    geometry: BaseGeometry
    centroid_lon: float
    centroid_lat: float
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    area_m2: float


@dataclass(frozen=True, slots=True)
class DistrictLayout:
    """The synthetic layout of one district: street and community points and the grids."""

    district_code: str
    cell_m: int
    streets: tuple[SitePoint, ...]
    communities: tuple[SitePoint, ...]
    grids: tuple[GridCell, ...]
    reassigned_cells: int
    split_cells: int


@dataclass(slots=True)
class _Cell:
    """A working cell in projected metres: its lattice square (ix, iy at ``level``) and current owners."""

    geom: BaseGeometry
    ix: int
    iy: int
    level: int
    rep: tuple[float, float]
    street: str = ""
    community: str = ""

    def order_key(self) -> tuple[int, int]:
        """North to south, then west to east, comparing squares of any split level exactly."""
        unit = 1 << (_KEY_LEVELS - self.level)
        return (-(2 * self.iy + 1) * unit, (2 * self.ix + 1) * unit)


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Only the areal parts of a clipping result (clipping can add stray lines and points on shared edges)."""
    if geometry.is_empty or geometry.geom_type in {"Polygon", "MultiPolygon"}:
        return geometry
    parts = [part for part in shapely.get_parts(geometry) if part.geom_type in {"Polygon", "MultiPolygon"}]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _rep_point(geometry: BaseGeometry) -> tuple[float, float]:
    """The centroid when it lies inside the geometry, else a point on its surface."""
    centroid = geometry.centroid
    point = centroid if geometry.contains(centroid) else geometry.point_on_surface()
    return (float(point.x), float(point.y))


def _candidate_points(region: BaseGeometry, count: int) -> FloatArray:
    """About ``count`` points of a regular lattice inside ``region`` (never empty)."""
    min_x, min_y, max_x, max_y = region.bounds
    spacing = max(math.sqrt(region.area / count), 1.0)
    xs = np.arange(min_x + spacing / 2, max_x, spacing)
    ys = np.arange(min_y + spacing / 2, max_y, spacing)
    grid_x, grid_y = np.meshgrid(xs, ys)
    flat_x, flat_y = grid_x.ravel(), grid_y.ravel()
    inside = shapely.contains_xy(region, flat_x, flat_y)
    points = np.column_stack([flat_x[inside], flat_y[inside]])
    if len(points) == 0:
        points = np.array([_rep_point(region)], dtype=np.float64)
    return points


def _place_points(
    region: BaseGeometry,
    core: tuple[float, float],
    items: Sequence[tuple[str, bool]],
    *,
    seed: int,
    candidates: int,
) -> dict[str, tuple[float, float]]:
    """Place one point per item inside ``region``; ``inner`` items nearer ``core``, outer ones further out.

    The first inner item sits on the candidate nearest the core; the others are spread by best-candidate
    sampling (of a few random candidates, take the one farthest from the points placed so far).
    """
    pool = _candidate_points(region, candidates)
    distance = np.hypot(pool[:, 0] - core[0], pool[:, 1] - core[1])
    pool = pool[np.argsort(distance, kind="stable")]
    n_inner = sum(1 for _, inner in items if inner)
    n_outer = len(items) - n_inner
    if n_inner and n_outer:
        share = n_inner * STREET_AREA_WEIGHT / (n_inner * STREET_AREA_WEIGHT + n_outer)
        split = min(max(round(share * len(pool)), 1), len(pool) - 1) if len(pool) > 1 else 1
    else:
        split = len(pool) if n_inner else 0
    # Best-candidate sampling alone pushes points onto the outline; scoring the gap to the edge twice keeps
    # street seats and villages inland, as real ones mostly are.
    spacing = math.sqrt(region.area / candidates)
    outline = region.boundary.simplify(spacing / 4)  # the edge distance needs no finer detail than the pool
    edge = shapely.distance(outline, shapely.points(pool)) * 2.0
    pools = {True: (pool[:split], edge[:split]), False: (pool[split:], edge[split:])}
    rng = np.random.default_rng(seed)
    placed: list[tuple[float, float]] = []
    result: dict[str, tuple[float, float]] = {}
    first_inner_done = False
    for code, inner in items:
        band, band_edge = pools[inner] if len(pools[inner][0]) else (pool, edge)
        if inner and not first_inner_done:
            choice = band[0]
            first_inner_done = True
        else:
            tries = rng.choice(len(band), size=min(_BEST_CANDIDATE_TRIES, len(band)), replace=False)
            picks = band[tries]
            score = band_edge[tries]
            if placed:
                chosen = np.array(placed)
                gaps = np.hypot(picks[:, None, 0] - chosen[None, :, 0], picks[:, None, 1] - chosen[None, :, 1])
                score = np.minimum(score, gaps.min(axis=1))
            choice = picks[int(np.argmax(score))]
        point = (float(choice[0]), float(choice[1]))
        placed.append(point)
        result[code] = point
    return result


def _lattice_cells(outline: BaseGeometry, cell_m: int) -> list[_Cell]:
    """Lattice squares clipped to the (projected) outline, slivers dropped."""
    min_x, min_y, max_x, max_y = outline.bounds
    ix = np.arange(math.floor(min_x / cell_m), math.ceil(max_x / cell_m))
    iy = np.arange(math.floor(min_y / cell_m), math.ceil(max_y / cell_m))
    grid_ix, grid_iy = (a.ravel() for a in np.meshgrid(ix, iy))
    squares = shapely.box(grid_ix * cell_m, grid_iy * cell_m, (grid_ix + 1) * cell_m, (grid_iy + 1) * cell_m)
    shapely.prepare(outline)
    touching = shapely.intersects(outline, squares)
    # Only squares on the border need the (costly) clipping; the prepared outline answers "inside" quickly.
    clipped = squares[touching]
    on_border = ~shapely.contains_properly(outline, clipped)
    clipped[on_border] = shapely.intersection(clipped[on_border], outline)
    cells: list[_Cell] = []
    minimum = SLIVER_FRACTION * cell_m * cell_m
    for geom, cx, cy in zip(clipped, grid_ix[touching], grid_iy[touching], strict=True):
        piece = _polygonal(geom)
        if piece.is_empty or piece.area < minimum:
            continue
        cells.append(_Cell(geom=piece, ix=int(cx), iy=int(cy), level=0, rep=_rep_point(piece)))
    return cells


def _gap_to(geometry: BaseGeometry, cell: _Cell) -> float:
    return float(cell.geom.distance(geometry))


def _split(cell: _Cell, cell_m: int) -> list[_Cell]:
    """Quarter a cell along its lattice square; slivers merge into the nearest quarter. May return one piece."""
    level = cell.level + 1
    size = cell_m / (1 << level)
    pieces: list[_Cell] = []
    slivers: list[BaseGeometry] = []
    for dx in (0, 1):
        for dy in (0, 1):
            qx, qy = 2 * cell.ix + dx, 2 * cell.iy + dy
            quarter = _polygonal(cell.geom.intersection(box(qx * size, qy * size, (qx + 1) * size, (qy + 1) * size)))
            if quarter.is_empty:
                continue
            if quarter.area < SLIVER_FRACTION * size * size:
                slivers.append(quarter)
                continue
            pieces.append(_Cell(geom=quarter, ix=qx, iy=qy, level=level, rep=(0.0, 0.0), street=cell.street))
    if not pieces:
        return []
    for sliver in slivers:
        target = min(pieces, key=partial(_gap_to, sliver))
        target.geom = _polygonal(shapely.union_all([target.geom, sliver]))
    for piece in pieces:
        piece.rep = _rep_point(piece.geom)
    return pieces


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _nearest(points: Mapping[str, tuple[float, float]], codes: Sequence[str], at: tuple[float, float]) -> str:
    """The code whose point is nearest ``at`` (ties go to the lower code)."""
    return min(codes, key=lambda code: (_distance(points[code], at), code))


def _ensure_every_street(
    cells: list[_Cell], street_points: Mapping[str, tuple[float, float]], street_codes: Sequence[str], cell_m: int
) -> tuple[int, int]:
    """Apply the "every street gets a grid" rule (module docstring, step 3); returns (reassigned, splits)."""
    reassigned = splits = 0
    reach = DONOR_REACH_CELLS * cell_m
    while True:
        holdings = Counter(cell.street for cell in cells)
        empty = [code for code in street_codes if holdings[code] == 0]
        if not empty:
            return reassigned, splits
        code = empty[0]
        point = street_points[code]
        donors = [cell for cell in cells if holdings[cell.street] >= 2]  # noqa: PLR2004 - "two or more cells"
        if donors:
            donor = min(donors, key=lambda c: (_distance(c.rep, point), c.order_key()))
            if _distance(donor.rep, point) <= reach:
                donor.street = code
                reassigned += 1
                continue
        target = min(cells, key=lambda c: (_distance(c.rep, point), c.order_key()))
        pieces = _split(target, cell_m)
        while len(pieces) == 1 and pieces[0].level < MAX_SPLIT_LEVEL:
            pieces = _split(pieces[0], cell_m)
        if len(pieces) < 2:  # noqa: PLR2004 - a split must yield a piece for each of two streets
            msg = f"街道 {code} 分不到网格：最近的网格 {target.geom.area:.0f} m² 无法再细分"
            raise GridLayoutError(msg)
        nearest = min(pieces, key=lambda c: (_distance(c.rep, point), c.order_key()))
        nearest.street = code
        cells.remove(target)
        cells.extend(pieces)
        splits += 1


def _group_communities(
    street_codes: Sequence[str], communities: Sequence[CommunityInfo]
) -> dict[str, list[CommunityInfo]]:
    """Communities per street in code order; every street needs one, since grid codes contain it."""
    by_street: dict[str, list[CommunityInfo]] = {code: [] for code in street_codes}
    for community in sorted(communities, key=lambda c: c.code):
        if community.street_code in by_street:
            by_street[community.street_code].append(community)
    for code, members in by_street.items():
        if not members:
            msg = f"街道 {code} 没有社区（村），网格编码需要社区代码"
            raise GridLayoutError(msg)
    return by_street


def _district_core(
    region: BaseGeometry, city_core: tuple[float, float], projection: GaussKruger
) -> tuple[float, float]:
    """The point of the district nearest to its centroid pulled towards the city core (module docstring, step 2)."""
    centroid = _rep_point(region)
    city = projection.forward([city_core])[0]
    pulled = Point(centroid[0] + CORE_PULL * (city[0] - centroid[0]), centroid[1] + CORE_PULL * (city[1] - centroid[1]))
    core = pulled if region.contains(pulled) else nearest_points(region, pulled)[0]
    return (float(core.x), float(core.y))


def _assign_communities(
    cells: list[_Cell],
    street_points: dict[str, tuple[float, float]],
    by_street: Mapping[str, list[CommunityInfo]],
) -> dict[str, tuple[float, float]]:
    """Step 4: community points inside each street's cells, cells to the nearest; returns the points.

    A street point left outside its own cells (its cell went to another street) moves onto them.
    """
    community_points: dict[str, tuple[float, float]] = {}
    cells_by_street: dict[str, list[_Cell]] = {code: [] for code in by_street}
    for cell in cells:
        cells_by_street[cell.street].append(cell)
    for code, members in by_street.items():
        own = cells_by_street[code]
        area = shapely.union_all([cell.geom for cell in own])
        if not area.contains(Point(street_points[code])):
            street_points[code] = _rep_point(area)
        points = _place_points(
            area,
            street_points[code],
            [(c.code, c.urban) for c in members],
            seed=int(code),
            candidates=_CANDIDATES_PER_STREET,
        )
        community_points.update(points)
        member_codes = [c.code for c in members]
        for cell in own:
            cell.community = _nearest(points, member_codes, cell.rep)
    return community_points


def layout_district(
    *,
    district_code: str,
    outline: BaseGeometry,
    streets: Sequence[StreetInfo],
    communities: Sequence[CommunityInfo],
    cell_m: int,
    city_core: tuple[float, float] = CITY_CORE_WGS84,
    projection: GaussKruger = CITY_PROJECTION,
) -> DistrictLayout:
    """Lay out the unit grids of one district (WGS-84 ``outline``) following the rules in the module docstring."""
    if not streets:
        msg = f"区县 {district_code} 没有街道（乡镇），无法划分网格"
        raise GridLayoutError(msg)
    region = _polygonal(projection.project(outline))
    if region.is_empty:
        msg = f"区县 {district_code} 的边界为空，无法划分网格"
        raise GridLayoutError(msg)
    ordered_streets = sorted(streets, key=lambda s: s.code)
    street_codes = [s.code for s in ordered_streets]
    by_street = _group_communities(street_codes, communities)

    street_points = _place_points(
        region,
        _district_core(region, city_core, projection),
        [(s.code, s.kind == "街道") for s in ordered_streets],
        seed=int(district_code),
        candidates=_CANDIDATES_PER_DISTRICT,
    )
    cells = _lattice_cells(region, cell_m)
    if not cells:
        msg = f"区县 {district_code} 面积小于一个网格的 5%，无法划分网格"
        raise GridLayoutError(msg)
    for cell in cells:
        cell.street = _nearest(street_points, street_codes, cell.rep)
    reassigned, splits = _ensure_every_street(cells, street_points, street_codes, cell_m)
    community_points = _assign_communities(cells, street_points, by_street)

    community_codes = [c.code for code in street_codes for c in by_street[code]]
    return DistrictLayout(
        district_code=district_code,
        cell_m=cell_m,
        streets=_sites(street_codes, street_points, projection),
        communities=_sites(community_codes, community_points, projection),
        grids=_finish(district_code, cells, cell_m, projection),
        reassigned_cells=reassigned,
        split_cells=splits,
    )


def _sites(
    codes: Sequence[str], points: Mapping[str, tuple[float, float]], projection: GaussKruger
) -> tuple[SitePoint, ...]:
    lonlat = np.round(projection.inverse([points[code] for code in codes]), _COORD_DECIMALS)
    return tuple(
        SitePoint(code=code, lon=float(lon), lat=float(lat)) for code, (lon, lat) in zip(codes, lonlat, strict=True)
    )


def _round_coords(coords: FloatArray) -> FloatArray:
    return np.round(coords, _COORD_DECIMALS)


def _finish(district_code: str, cells: list[_Cell], cell_m: int, projection: GaussKruger) -> tuple[GridCell, ...]:
    """Number the cells per community and convert them to WGS-84 grids."""
    by_community: dict[str, list[_Cell]] = {}
    for cell in cells:
        by_community.setdefault(cell.community, []).append(cell)
    ordered: list[tuple[str, int, _Cell]] = []
    for community_code in sorted(by_community):
        members = sorted(by_community[community_code], key=_Cell.order_key)
        if len(members) > MAX_SEQUENCE:
            msg = f"社区 {community_code} 有 {len(members)} 个网格，超过 999 个（网格边长 {cell_m} 米过小）"
            raise GridLayoutError(msg)
        ordered.extend((community_code, sequence, cell) for sequence, cell in enumerate(members, start=1))
    # One vectorised transform for all cells (one call per cell is several times slower).

    def to_wgs84(xy: FloatArray) -> FloatArray:
        return _round_coords(projection.inverse(xy))

    wgs84 = shapely.transform(np.array([cell.geom for _, _, cell in ordered], dtype=object), to_wgs84)
    grids: list[GridCell] = []
    for (community_code, sequence, cell), unprojected in zip(ordered, wgs84, strict=True):
        geometry = unprojected if unprojected.is_valid else _polygonal(shapely.make_valid(unprojected))
        lon, lat = _rep_point(geometry)
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        grids.append(
            GridCell(
                code=f"{community_code}{sequence:03d}",
                district_code=district_code,
                street_code=cell.street,
                community_code=community_code,
                sequence=sequence,
                geometry=geometry,
                centroid_lon=lon,
                centroid_lat=lat,
                min_lon=float(min_lon),
                min_lat=float(min_lat),
                max_lon=float(max_lon),
                max_lat=float(max_lat),
                area_m2=round(projection.area_m2(cell.geom), 1),
            )
        )
    return tuple(grids)


def layout_city(
    *,
    divisions: Divisions,
    outlines: Mapping[str, BaseGeometry],
    cell_m: int,
    district_codes: Sequence[str] | None = None,
) -> tuple[DistrictLayout, ...]:
    """Lay out every district that has an outline (or only ``district_codes``), in code order."""
    wanted = set(district_codes) if district_codes is not None else None
    layouts: list[DistrictLayout] = []
    for district in divisions.districts:
        if district.code not in outlines or (wanted is not None and district.code not in wanted):
            continue
        streets = [s for s in divisions.streets if s.district_code == district.code]
        street_codes = {s.code for s in streets}
        communities = [c for c in divisions.communities if c.street_code in street_codes]
        layouts.append(
            layout_district(
                district_code=district.code,
                outline=outlines[district.code],
                streets=streets,
                communities=communities,
                cell_m=cell_m,
            )
        )
    return tuple(layouts)
