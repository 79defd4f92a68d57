"""The shipped division tables and outlines agree with the shared reference copies of the same public sources."""

import csv
import json

from shapely.geometry import shape

from yiwang.geo.boundaries import district_outlines
from yiwang.geo.coords import gcj02_to_wgs84
from yiwang.geo.divisions import load_divisions


def _rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_codes_and_names_match_the_statistical_tables(shared_dir):
    folder = shared_dir / "datasets" / "divisions"
    divisions = load_divisions()
    districts = {r["code"]: r["name"] for r in _rows(folder / "areas.csv") if r["cityCode"] == "5101"}
    streets = {r["code"]: r["name"] for r in _rows(folder / "streets.csv") if r["cityCode"] == "5101"}
    communities = {r["code"]: r["name"] for r in _rows(folder / "chengdu_510100_villages.csv")}
    assert {d.code: d.name for d in divisions.districts} == districts
    assert {s.code: s.name for s in divisions.streets} == streets
    assert {c.code: c.name for c in divisions.communities} == communities
    assert (len(districts), len(streets), len(communities)) == (20, 261, 3047)


def test_stored_outlines_are_the_reference_outlines_moved_to_wgs84(shared_dir):
    path = shared_dir / "datasets" / "boundaries" / "chengdu_510100_districts.geojson"
    reference = {
        f["properties"]["adcode"]: shape(f["geometry"]) for f in json.loads(path.read_text("utf-8"))["features"]
    }
    outlines = district_outlines()
    assert set(outlines) == set(reference)
    for code, gcj in reference.items():
        expected = gcj02_to_wgs84(gcj.centroid.x, gcj.centroid.y)
        centroid = outlines[code].centroid
        # The same shape, moved by the GCJ-02 offset (a few hundred metres in Chengdu).
        assert abs(gcj.area - outlines[code].area) / gcj.area < 0.01  # the offset varies a little in space
        assert abs(centroid.x - expected[0]) < 5e-4
        assert abs(centroid.y - expected[1]) < 5e-4
        assert abs(centroid.x - gcj.centroid.x) > 1e-3
