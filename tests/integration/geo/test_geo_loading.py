"""Loading the geo master data (SQLite and PostgreSQL): first load, idempotence, regeneration, removal."""

from sqlalchemy import select

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.geo import services
from yiwang.geo.models import Community, District, Grid, Street


def test_second_load_is_idempotent(session, settings):
    before = session.execute(select(Grid.code, Grid.geometry).order_by(Grid.code)).all()
    report = services.load_master_data(session, settings=settings)
    assert report.regenerated_districts == []
    assert (report.districts, report.streets, report.communities, report.grids) == (20, 261, 3047, len(before))
    assert report.removed == 0
    assert session.execute(select(Grid.code, Grid.geometry).order_by(Grid.code)).all() == before


def test_changing_the_cell_size_regenerates_the_grids(session, settings):
    coarse = settings.model_copy(update={"grid_cell_m": 10_000})
    report = services.load_master_data(session, settings=coarse)
    assert len(report.regenerated_districts) == 20
    assert report.cell_m == 10_000
    assert report.grids < 700
    assert {d.grid_cell_m for d in services.list_districts(session)} == {10_000}
    assert all(s.grid_count >= 1 for s in services.list_streets(session))


def test_first_load_into_an_empty_database(empty_db_url):
    engine = make_engine(empty_db_url)
    try:
        with make_session_factory(engine)() as session:
            assert services.list_districts(session) == []
            assert services.known_division_codes(session) == frozenset()
            settings = Settings(database_url=empty_db_url, grid_cell_m=10_000, log_level="WARNING")
            report = services.load_master_data(session, settings=settings)
            assert (report.districts, report.streets, report.communities) == (20, 261, 3047)
            assert len(services.known_division_codes(session)) == 20 + 261 + 3047  # the cache saw the load
    finally:
        engine.dispose()


def test_rows_no_longer_shipped_are_removed_with_their_grids(session, settings):
    session.add(District(code="510199", name="测试区", kind="区", city_code="510100"))
    session.flush()
    session.add(Street(code="510199001", name="测试街道", kind="街道", district_code="510199"))
    session.add(Community(code="510104017999", name="测试社区居委会", street_code="510104017", urban=True))
    session.commit()
    assert "510104017999" in services.known_division_codes(session)
    report = services.load_master_data(session, settings=settings)
    assert report.removed == 3
    assert "510104" in report.regenerated_districts
    assert session.get(Community, "510104017999") is None
    assert session.get(District, "510199") is None
    assert "510104017999" not in services.known_division_codes(session)


def test_geocode_works_before_the_master_data_is_loaded(empty_db_url):
    engine = make_engine(empty_db_url)
    try:
        with make_session_factory(engine)() as session:
            result = services.geocode(session, text="双流县东升镇")
            assert (result.district_code, result.street_name) == ("510116", "东升街道")
    finally:
        engine.dispose()
