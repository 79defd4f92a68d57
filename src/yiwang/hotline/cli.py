"""``yiwang hotline``: the responsibility catalogue (show, validate), the overdue sweep, triage, retraining, pruning."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
import yaml
from rich.console import Console
from rich.table import Table

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.hotline import routing, tasks
from yiwang.hotline.triage import cli as triage_cli
from yiwang.kernel.errors import ValidationError

app = typer.Typer(help="12345 热线：责任清单、超期催办督办、智能分拨。", no_args_is_help=True)
app.command("triage")(triage_cli.triage)
app.command("retrain")(triage_cli.retrain)
app.command("prune-models")(triage_cli.prune_models)

routing_app = typer.Typer(help="责任清单与办理时限。", no_args_is_help=True)
app.add_typer(routing_app, name="routing")
console = Console()


def _units(items: tuple[str, ...]) -> str:
    return "、".join(items) if items else "—"


@routing_app.command("show")
def routing_show() -> None:
    """显示生效的责任清单（按顺序匹配）和办理时限。"""
    catalogue = routing.load_catalogue()
    table = Table(title=f"{catalogue.name}（版本 {catalogue.version}）")
    for column in ("序号", "规则", "条件", "主办", "协办", "说明"):
        table.add_column(column)
    for index, rule in enumerate(catalogue.rules, start=1):
        when = "；".join(f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in rule.when.items())
        table.add_row(str(index), rule.id, when or "（兜底）", rule.lead, _units(rule.assist), rule.label)
    console.print(table)
    limits = routing.load_time_limits()
    times = Table(title=f"办理时限（版本 {limits.version}）")
    times.add_column("诉求类型 / 紧急程度")
    times.add_column("时限")
    for name, limit in [*limits.by_type.items(), *limits.by_urgency.items()]:
        times.add_row(name, limit.describe())
    times.add_row("签收时限（响应率）", limits.sign_within.describe())
    times.add_row("退单时限", limits.return_within.describe())
    times.add_row("延期上限", limits.max_extension.describe())
    times.add_row("超期督办", f"超期{limits.supervise_after.describe()}")
    console.print(times)


def _read(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        print(f"无法读取 {path}：{exc}")
        raise typer.Exit(code=2) from exc


@routing_app.command("validate")
def routing_validate(
    catalogue: Path = typer.Option(routing.CATALOGUE_FILE, "--catalogue", help="责任清单 YAML（默认：随附版本）"),
    time_limits: Path = typer.Option(routing.TIME_LIMITS_FILE, "--time-limits", help="办理时限 YAML（默认：随附版本）"),
) -> None:
    """检查责任清单与办理时限：格式、部门代码、分类代码、不可达规则；有问题时退出码为 2。"""
    from yiwang.hotline import services  # noqa: PLC0415 - loads the department directory only when asked
    from yiwang.hotline.triage import taxonomy  # noqa: PLC0415

    problems: list[str] = []
    parsed = None
    try:
        parsed = routing.parse_catalogue(_read(catalogue))  # type: ignore[arg-type]
    except (ValidationError, AttributeError, TypeError) as exc:
        problems.append(f"责任清单：{getattr(exc, 'message', exc)}")
    try:
        limits = routing.parse_time_limits(_read(time_limits))  # type: ignore[arg-type]
    except (ValidationError, AttributeError, TypeError) as exc:
        problems.append(f"办理时限：{getattr(exc, 'message', exc)}")
        limits = None
    if parsed is not None:
        problems += routing.catalogue_problems(
            parsed,
            departments=services._shipped_department_codes(),  # noqa: SLF001 - the shipped directory file
            categories=frozenset(taxonomy.load_taxonomy().leaves),
        )
    if problems:
        for line in problems:
            print(f"✗ {line}")
        raise typer.Exit(code=2)
    if parsed is None or limits is None:  # pragma: no cover - a problem was listed above
        raise typer.Exit(code=2)
    print(f"✓ 责任清单 {parsed.version}：{len(parsed.rules)} 条规则，检查通过")
    print(f"✓ 办理时限 {limits.version}：{len(limits.by_type)} 类诉求，检查通过")


@app.command("sweep")
def sweep(
    at: str | None = typer.Option(None, "--at", help="按此时刻检查（ISO 8601，默认现在），用于演练"),
) -> None:
    """执行一次超期检查：超期诉求每个工作日催办一次，超期较久的列入督办，补全中断的受理。"""
    settings = Settings()
    try:
        now = dt.datetime.fromisoformat(at) if at else None
    except ValueError as exc:
        print(f"--at 时间格式不正确：{at}（示例：2026-12-01T09:00:00+08:00）")
        raise typer.Exit(code=2) from exc
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    engine = make_engine(settings.database_url)
    try:
        report = tasks.supervise_overdue(make_session_factory(engine), settings=settings, now=now)
    finally:
        engine.dispose()
    print(f"催办 {report.reminded} 件，督办 {report.supervised} 件，补全受理 {report.repaired} 件")
