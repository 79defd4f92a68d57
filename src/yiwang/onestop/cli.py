"""``yiwang onestop``: 四个减 figures and the one-stop background jobs, from the command line."""

from __future__ import annotations

import json

import typer

from yiwang.config import Settings

app = typer.Typer(help="一网通办：四个减统计、承诺核查提醒、中断提交修复。", no_args_is_help=True)


@app.command("savings")
def savings(
    code: str = typer.Argument(..., help="事项或一件事编码"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """某事项或一件事的"四个减"：环节、时间、材料、跑动，对比分别办理的基线（来自已办结申请）。"""
    from yiwang.db import make_engine, make_session_factory  # noqa: PLC0415 - keeps `yiwang --help` light
    from yiwang.onestop import services  # noqa: PLC0415

    engine = make_engine(Settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            result = services.savings(session, item_or_bundle_code=code)
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False))
        return
    typer.echo(f"{result.name}（{result.code}）：已办结 {result.completed_applications} 件")
    for label, figure in (
        ("减环节", result.steps),
        ("减时间（工作日）", result.time_days),
        ("减材料", result.materials),
        ("减跑动", result.trips),
    ):
        typer.echo(
            f"  {label}：分别办理 {figure.baseline:g} → 实际 {figure.actual:g}，减少 {figure.reduction_percent:.1f}%"
        )
    if result.note:
        typer.echo(f"  说明：{result.note}")


@app.command("jobs")
def jobs() -> None:
    """立即运行一次后台任务：承诺核查到期提醒、修复中断的提交（平时由 yiwang worker 定时运行）。"""
    from yiwang.db import make_engine, make_session_factory  # noqa: PLC0415
    from yiwang.onestop import tasks  # noqa: PLC0415

    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        factory = make_session_factory(engine)
        reminded = tasks.remind_post_checks(factory, settings=settings)
        repaired = tasks.repair_submissions(factory, settings=settings)
    finally:
        engine.dispose()
    typer.echo(f"承诺核查提醒 {reminded} 条；中断提交修复：{repaired}")
