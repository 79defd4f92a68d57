"""`yiwang audit …` commands: verify exit codes, sources table, switching a source."""

from collections.abc import Callable

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from yiwang.cli import app
from yiwang.sharing import services

runner = CliRunner()


def _invoke(db_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["audit", *args], env={"YIWANG_DATABASE_URL": db_url, "YIWANG_LOG_LEVEL": "WARNING"})
    return result.exit_code, result.output


def test_verify_exits_zero_on_an_intact_chain(db_url: str, append: Callable[..., object]) -> None:
    append(5)
    code, output = _invoke(db_url, "verify", "--batch-size", "2")
    assert code == 0, output
    assert "审计日志完整：共 5 条" in output


def test_verify_exits_one_and_names_the_row(
    db_url: str, append: Callable[..., object], dba: Callable[[str], None]
) -> None:
    append(5)
    dba("UPDATE sharing_audit_entry SET legal_basis = '无' WHERE seq = 2")
    code, output = _invoke(db_url, "verify")
    assert code == 1
    assert "第 2 条审计记录内容被篡改（哈希不符）" in output


def test_source_switch_and_sources_table(db_url: str, session: Session) -> None:
    code, output = _invoke(db_url, "source", "tax", "--unavailable", "--reason", "系统升级")
    assert code == 0, output
    assert "tax" in output
    assert "不可用" in output
    assert services.unavailable_departments(session) == {"tax": "系统升级"}

    code, output = _invoke(db_url, "sources")
    assert code == 0, output
    assert "市税务局" in output
    assert "系统升级" in output

    code, output = _invoke(db_url, "source", "tax", "--available")
    assert code == 0, output
    assert services.unavailable_departments(session) == {}


def test_unknown_department_exits_two(db_url: str) -> None:
    code, output = _invoke(db_url, "source", "nosuch", "--unavailable")
    assert code == 2
    assert "不在部门目录中" in output
