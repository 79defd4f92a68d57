"""`yiwang geo …` commands against the configured database."""

import json

import pytest
from typer.testing import CliRunner

from yiwang.cli import app


@pytest.fixture
def run(db_url, monkeypatch):
    monkeypatch.setenv("YIWANG_DATABASE_URL", db_url)
    monkeypatch.setenv("YIWANG_LOG_LEVEL", "WARNING")
    runner = CliRunner()

    def _run(*args):
        return runner.invoke(app, ["geo", *args])

    return _run


def test_geocode_prints_json(run):
    result = run("geocode", "郫都区犀浦镇那边路灯坏了")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["status"] == "matched"
    assert payload["street_name"] == "犀浦街道"


def test_grids_prints_a_table(run):
    result = run("grids", "--district", "510104", "--page-size", "3")
    assert result.exit_code == 0, result.output
    assert "锦江区单元网格" in result.stdout
    assert "510104" in result.stdout


def test_grids_with_a_bad_district_fails_in_chinese(run):
    result = run("grids", "--district", "5101")
    assert result.exit_code == 1
    assert "区县代码应为6位数字" in result.output


def test_load_is_repeatable_and_reports_counts(run):
    result = run("load", "--cell-m", "5000")
    assert result.exit_code == 0, result.output
    assert "街道（乡镇）261 个" in result.stdout
    assert "网格无变化" in result.stdout


def test_load_into_a_database_without_tables_explains_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_DATABASE_URL", f"sqlite:///{tmp_path / 'blank.db'}")
    result = CliRunner().invoke(app, ["geo", "load"])
    assert result.exit_code == 1
    assert "yiwang db upgrade" in result.output
