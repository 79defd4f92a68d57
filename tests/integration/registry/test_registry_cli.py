"""`yiwang registry …` commands against a configured database."""

import pytest
from registry_testdata import SAMPLES
from typer.testing import CliRunner

from yiwang.cli import app

runner = CliRunner()


@pytest.fixture
def configured(monkeypatch, db_url):
    monkeypatch.setenv("YIWANG_DATABASE_URL", db_url)
    monkeypatch.setenv("COLUMNS", "240")  # wide enough that table cells are not folded
    return db_url


def test_departments_and_load(configured):
    loaded = runner.invoke(app, ["registry", "load-departments"])
    assert loaded.exit_code == 0, loaded.output
    assert "34 个部门" in loaded.output
    listed = runner.invoke(app, ["registry", "departments"])
    assert listed.exit_code == 0, listed.output
    assert "市税务局" in listed.output


def test_import_with_errors_exits_1_and_lists_rows(configured):
    result = runner.invoke(app, ["registry", "import", "penalty", str(SAMPLES / "penalties_with_errors.csv")])
    assert result.exit_code == 1
    assert "未写入任何数据" in result.output
    assert "校验码错误" in result.output


def test_import_dry_run_and_file_errors(configured, tmp_path):
    ok = runner.invoke(app, ["registry", "import", "licence", str(SAMPLES / "licences_valid.xlsx"), "--dry-run"])
    # The sample licences are already in the template, so the dry run reports them as duplicates.
    assert ok.exit_code == 1
    assert "已存在于数据库中" in ok.output
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    failed = runner.invoke(app, ["registry", "import", "penalty", str(empty), "--department", "market"])
    assert failed.exit_code == 1
    assert "文件为空" in failed.output
    kinds = runner.invoke(app, ["registry", "kinds"])
    assert kinds.exit_code == 0
    assert "行政处罚" in kinds.output


def test_import_success(configured, tmp_path):
    path = tmp_path / "abnormal.csv"
    path.write_text(
        "统一社会信用代码,列入日期,列入原因,作出决定机关\n"
        "91510104MA6DEMB22W,2024-03-01,未按规定期限公示年度报告,成都市锦江区市场监督管理局\n",
        encoding="utf-8-sig",
    )
    result = runner.invoke(app, ["registry", "import", "abnormal_operation", str(path)])
    assert result.exit_code == 0, result.output
    assert "已写入 1 条" in result.output
