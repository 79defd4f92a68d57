"""`yiwang workflow …` commands: the timer worker, one-off sweeps, and publishing process definitions."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import typer
from sqlalchemy.orm import Session

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import YiwangError
from yiwang.workflow import jobs, services
from yiwang.workflow.definitions import load_yaml

CLI_ACTOR = Actor(
    id="cli", department="cityops", role="platform", display_name="平台命令行", roles=frozenset({"platform"})
)
"""The platform team at the command line (may publish definitions)."""

app = typer.Typer(help="流程引擎：定时任务执行器、流程定义发布。", no_args_is_help=True)


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


@app.command("worker")
def worker(
    interval: float = typer.Option(5.0, min=0.1, help="没有到期任务时的轮询间隔（秒）"),
    batch_size: int = typer.Option(200, min=1, help="每批认领的定时任务数"),
    lease: float = typer.Option(60.0, min=1.0, help="SQLite 上认领的租期（秒），进程崩溃后到期由其他进程接手"),
    until_idle: bool = typer.Option(
        False,
        "--until-idle",
        help="没有到期任务时退出（而不是继续等待）",
    ),
) -> None:
    """运行定时任务执行器：超期升级、自动催办、超时自动决定和自动办结。Ctrl-C 或 SIGTERM 停止。"""
    settings = Settings()
    stop_event = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop_event.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    totals = jobs.run_worker(
        settings,
        stop_event=stop_event,
        interval=interval,
        batch_size=batch_size,
        lease_seconds=lease,
        until_idle=until_idle,
    )
    typer.echo(json.dumps(totals.as_dict(), ensure_ascii=False))


@app.command("sweep")
def sweep(batch_size: int = typer.Option(200, min=1, help="每批认领的定时任务数")) -> None:
    """执行一次定时任务扫描（处理所有已到期的任务）后退出。"""
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        report = jobs.sweep_once(
            make_session_factory(engine),
            batch_size=batch_size,
            calendar=services.get_calendar(getattr(settings, "holidays_file", None)),
        )
    finally:
        engine.dispose()
    typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))


@app.command("publish")
def publish(path: Path = typer.Argument(..., exists=True, dir_okay=False, help="流程定义 YAML 文件")) -> None:
    """校验并发布一个流程定义；内容有变化时生成新版本，运行中的实例保持原版本。"""
    settings = Settings()
    try:
        body = load_yaml(path.read_text(encoding="utf-8"))
        with _session(settings) as session:
            result = services.publish_definition(session, actor=CLI_ACTOR, body=body)
    except YiwangError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(code=1) from exc
    state = "已发布新版本" if result.created else "内容未变化，沿用"
    typer.echo(f"{state}：{result.key} 第 {result.version} 版（{result.name}）")


@app.command("install")
def install() -> None:
    """发布平台自带的示例流程（12345 诉求、一件事并联办理、城市管理事件闭环）。"""
    with _session(Settings()) as session:
        results = services.ensure_builtin_definitions(session)
    for result in results:
        state = "新版本" if result.created else "已是最新"
        typer.echo(f"{result.key} 第 {result.version} 版：{result.name}（{state}）")


@app.command("definitions")
def definitions() -> None:
    """列出已发布的流程定义及版本。"""
    with _session(Settings()) as session:
        for row in services.list_definitions(session):
            typer.echo(f"{row.key}\tv{row.version}\t{row.name}\t{row.published_at:%Y-%m-%d %H:%M}\t{row.checksum[:12]}")


if __name__ == "__main__":
    app()
