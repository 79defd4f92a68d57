"""``yiwang seed`` from the command line: demo into the configured database, city into Parquet, clear refusals."""

from __future__ import annotations

from seed_helpers import AS_OF, GRID_CELL_M
from typer.testing import CliRunner

from yiwang.cli import app
from yiwang.seed import tables

runner = CliRunner()


def test_demo_seed_then_refusal_then_replace(db_url, monkeypatch):
    monkeypatch.setenv("YIWANG_DATABASE_URL", db_url)
    monkeypatch.setenv("YIWANG_GRID_CELL_M", str(GRID_CELL_M))
    args = ["seed", "--scale", "demo", "--seed", "7", "--persons", "1500", "--enterprises", "600"]
    args += ["--as-of", AS_OF.isoformat(), "--no-progress"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert tables.PERSONS in first.output
    assert "1,500" in first.output
    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert "已有 1,500 名自然人" in again.output
    replaced = runner.invoke(app, [*args, "--replace"])
    assert replaced.exit_code == 0, replaced.output


def test_city_scale_writes_parquet(tmp_path):
    out = tmp_path / "city"
    result = runner.invoke(
        app,
        [
            "seed",
            "--scale",
            "city",
            "--out",
            str(out),
            "--persons",
            "2000",
            "--enterprises",
            "500",
            "--seed",
            "3",
            "--chunk-size",
            "1000",
            "--as-of",
            AS_OF.isoformat(),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / f"{tables.ENTERPRISES}.parquet").is_file()
    assert (out / "manifest.json").is_file()


def test_bad_reference_date_is_refused(tmp_path):
    result = runner.invoke(app, ["seed", "--scale", "city", "--out", str(tmp_path), "--as-of", "2025-13-01"])
    assert result.exit_code == 2
    assert "基准日期" in result.output
