"""`yiwang catalogue …` commands and the demo hook."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from yiwang.catalogue import cli, demo, services
from yiwang.config import Settings


def test_catalogue_commands(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"YIWANG_DATABASE_URL": db_url}
    loaded = runner.invoke(cli.app, ["load"], env=env)
    assert loaded.exit_code == 0, loaded.output
    assert "新版本 0 个" in loaded.output
    listed = runner.invoke(cli.app, ["list", "--q", "过户"], env=env)
    assert "共 4 个" in listed.output
    shown = runner.invoke(cli.app, ["show", "510100-01-market-002"], env=env)
    assert "免提交：调用电子证照（营业执照）" in shown.output
    assert runner.invoke(cli.app, ["show", "yjs-newborn", "--json"], env=env).exit_code == 0
    source = tmp_path / "data"
    shutil.copytree(services.DATA_DIR, source)
    assert runner.invoke(cli.app, ["validate", str(source)], env=env).exit_code == 0
    police = source / "items" / "police.yaml"
    document = yaml.safe_load(police.read_text(encoding="utf-8"))
    document["items"][0]["materials"][0]["cert_type"] = "no_such_certificate"
    police.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    refused = runner.invoke(cli.app, ["validate", str(source)], env=env)
    assert refused.exit_code == 1
    assert "证照类型 no_such_certificate 不在证照类型目录中" in refused.output


def test_demo_prepare_is_idempotent(session: Session, settings: Settings) -> None:
    line = demo.prepare(session, settings=settings)
    assert line is not None
    assert "新发布 0 个版本" in line
    assert demo.prepare(session, settings=settings) == line
