"""``yiwang onestop savings`` and ``jobs`` against a migrated database."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from yiwang.catalogue import cli as catalogue_cli
from yiwang.onestop import cli


def test_savings_and_jobs(db_url: str) -> None:
    runner = CliRunner()
    env = {"YIWANG_DATABASE_URL": db_url}
    assert runner.invoke(catalogue_cli.app, ["load"], env=env).exit_code == 0
    shown = runner.invoke(cli.app, ["savings", "yjs-restaurant"], env=env)
    assert shown.exit_code == 0, shown.output
    assert "开办餐饮店" in shown.output
    assert "减材料" in shown.output
    as_json = runner.invoke(cli.app, ["savings", "yjs-restaurant", "--json"], env=env)
    figures = json.loads(as_json.output)
    assert figures["code"] == "yjs-restaurant"
    assert figures["materials"]["baseline"] > 0
    ran = runner.invoke(cli.app, ["jobs"], env=env)
    assert ran.exit_code == 0, ran.output
    assert "承诺核查提醒 0 条" in ran.output
