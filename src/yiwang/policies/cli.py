"""policies: ``yiwang policies …`` — validate, publish, match, simulate, explain, variables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.kernel.errors import YiwangError
from yiwang.policies import services
from yiwang.policies.interpreter import format_value
from yiwang.policies.schemas import BudgetRule

app = typer.Typer(help="政策直达：校验、发布、匹配、测算、解释。", no_args_is_help=True)


@contextmanager
def _session() -> Iterator[Session]:
    engine = make_engine(Settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    except YiwangError as error:
        print(f"错误：{error.message}")
        raise typer.Exit(code=2) from error
    finally:
        engine.dispose()


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        print(f"错误：日期格式应为 YYYY-MM-DD：{value}")
        raise typer.Exit(code=2) from error


@app.command("validate")
def validate(file: Path = typer.Argument(..., exists=True, readable=True, help="政策 YAML 文件")) -> None:
    """校验政策文件：指出出错的行、列和变量。"""
    report = services.validate_policy(file.read_text(encoding="utf-8"))
    if report.ok:
        print(f"校验通过：{report.policy_id} {report.title}；使用变量：{'、'.join(report.variables)}")
        return
    for issue in report.issues:
        where = f"{file}:{issue.line or '?'}:{issue.column or '?'}"
        variable = f"（变量 {issue.variable}）" if issue.variable else ""
        print(f"{where}: {issue.path}: {issue.message}{variable}")
    raise typer.Exit(code=1)


@app.command("publish")
def publish(
    file: Path = typer.Argument(..., exists=True, readable=True, help="政策 YAML 文件"),
    budget_rule: BudgetRule = typer.Option(BudgetRule.REFUSE, help="超预算时的规则"),
) -> None:
    """保存为新版本、测算并发布（超预算默认拒绝）。"""
    with _session() as session:
        draft = services.save_policy(session, actor=SYSTEM_ACTOR, source=file.read_text(encoding="utf-8"))
        version = services.publish(
            session, actor=SYSTEM_ACTOR, policy_id=draft.policy_id, version=draft.version, budget_rule=budget_rule
        )
    cost = format_value(version.simulated_cost or 0, "元")
    print(f"已发布：{version.policy_id} 第 {version.version} 版；预计 {version.simulated_beneficiaries} 户、{cost}")


@app.command("match")
def match(
    date: str | None = typer.Option(None, "--date", help="画像日期 YYYY-MM-DD（默认今天）"),
    full: bool = typer.Option(False, "--full", help="全部重算（默认只算变化的主体）"),
) -> None:
    """按生效版本批量匹配全部主体。"""
    with _session() as session:
        report = services.run_matching(session, actor=SYSTEM_ACTOR, as_of=_date(date), full=full)
    print(
        f"匹配完成（{report.as_of}）：政策 {report.policies} 项，主体 {report.subjects} 个，"
        f"计算 {report.evaluated} 对，沿用 {report.reused} 对，符合 {report.eligible} 对，用时 {report.seconds} 秒"
    )


@app.command("simulate")
def simulate(
    policy_id: str = typer.Argument(..., help="政策编号"),
    overrides: list[str] = typer.Option([], "--set", help="参数假设，如 --set threshold=30000000"),
    date: str | None = typer.Option(None, "--date", help="画像日期 YYYY-MM-DD"),
) -> None:
    """测算预算：受益主体、金额、分布；可用 --set 做假设分析。"""
    values: dict[str, float] = {}
    for item in overrides:
        name, _, value = item.partition("=")
        try:
            values[name.strip()] = float(value)
        except ValueError as error:
            print(f"错误：参数假设应为 名称=数值：{item}")
            raise typer.Exit(code=2) from error
    with _session() as session:
        report = services.simulate(
            session, actor=SYSTEM_ACTOR, policy_id=policy_id, overrides=values, as_of=_date(date)
        )
    print(f"{report.title}（第 {report.policy_version} 版，画像日期 {report.as_of}）")
    print(
        f"  主体 {report.subjects}，受益 {report.beneficiaries}，本期 {format_value(report.cost, '元')}，"
        f"多年合计 {format_value(report.multi_year_cost, '元')}，预算 {format_value(report.budget, '元')}"
        + ("（超出预算）" if report.over_budget else "")
    )
    for title, buckets in (("区县", report.by_district), ("行业", report.by_industry), ("规模", report.by_size)):
        shown = "；".join(f"{b.label} {b.count} 户 {format_value(b.amount, '元')}" for b in buckets[:8])
        print(f"  按{title}：{shown or '—'}")
    for year in report.by_year:
        print(f"  第 {year.year} 年：{year.count} 户，{format_value(year.amount, '元')}")


@app.command("explain")
def explain(
    policy: str = typer.Option(..., "--policy", help="政策编号"),
    subject: str = typer.Option(..., "--subject", help="统一社会信用代码或公民身份号码"),
    date: str | None = typer.Option(None, "--date", help="画像日期 YYYY-MM-DD"),
) -> None:
    """逐条解释某主体是否符合某政策：实际值与要求值。"""
    with _session() as session:
        explanation = services.explain(
            session, actor=SYSTEM_ACTOR, policy_id=policy, subject_code=subject, as_of=_date(date)
        )
    for line in explanation.lines:
        print(line)


@app.command("variables")
def variables(subject: str | None = typer.Option(None, help="enterprise 或 person")) -> None:
    """列出画像变量目录。"""
    if subject not in {None, "enterprise", "person"}:
        print("错误：subject 应为 enterprise 或 person")
        raise typer.Exit(code=2)
    for info in services.variable_catalogue(subject):  # type: ignore[arg-type]
        unit = f"（{info.unit}）" if info.unit else ""
        print(
            f"{info.subject}\t{info.name}\t{info.type}\t{info.label}{unit}\t{info.source_department}\t{info.computed}"
        )
