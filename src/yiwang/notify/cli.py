"""`yiwang notify …` commands: run a delivery pass, show the outbox and the templates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.notify import services, tasks
from yiwang.notify.catalog import OutboxStatus
from yiwang.web.formatting import format_datetime

app = typer.Typer(help="通知：发送队列投递、查看队列和模板。", no_args_is_help=True)
console = Console()


@contextmanager
def _factory(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.database_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


@app.command("deliver")
def deliver(
    batch_size: int = typer.Option(100, min=1, help="每批领取的消息数"),
    max_batches: int = typer.Option(10, min=1, help="本次最多处理的批数"),
) -> None:
    """投递一轮到期的待发送消息（失败的按退避重试，超出频率限制的顺延）。"""
    settings = Settings()
    with _factory(settings) as factory:
        report = tasks.deliver_outbox(factory, settings=settings, batch_size=batch_size, max_batches=max_batches)
    print(
        f"领取 {report.claimed} 条：已发送 {report.sent}，待重试 {report.retry}，已放弃 {report.dead}；"
        f"频率限制顺延 {report.deferred} 条"
    )


@app.command("outbox")
def outbox(
    status: str | None = typer.Option(None, help="按状态筛选：pending/sending/sent/failed/dead"),
    channel: str | None = typer.Option(None, help="按渠道筛选：sms/email/inapp"),
    limit: int = typer.Option(50, min=1, max=services.MAX_PAGE_SIZE, help="显示条数"),
) -> None:
    """以表格列出发送队列（最新在前，接收方脱敏）。"""
    with _factory(Settings()) as factory, factory() as session:
        page = services.list_outbox(
            session, actor=SYSTEM_ACTOR, status=status, channel=channel, page=1, page_size=limit
        )
    counts = "，".join(f"{OutboxStatus(key).label} {value}" for key, value in page.status_counts.items())
    table = Table(title=f"发送队列（共 {page.total} 条；{counts}）")
    for column in ("编号", "入队时间", "模板", "渠道", "接收方", "状态", "尝试", "下次尝试/发送时间", "最近错误"):
        table.add_column(column)
    for row in page.items:
        table.add_row(
            str(row.id),
            format_datetime(row.created_at),
            f"{row.template_name} v{row.template_version}",
            row.channel_label,
            row.recipient_masked,
            row.status_label,
            str(row.attempts),
            format_datetime(row.sent_at or row.next_attempt_at),
            (row.last_error or "")[:60],
        )
    console.print(table)


@app.command("templates")
def templates() -> None:
    """列出通知模板的当前版本。"""
    with _factory(Settings()) as factory, factory() as session:
        items = services.list_templates(session)
    table = Table(title="通知模板")
    for column in ("键", "名称", "渠道", "版本", "来源", "变量"):
        table.add_column(column)
    for item in items:
        source = "已发布" if item.source == "published" else "内置"
        table.add_row(item.key, item.name, item.channel_label, str(item.version), source, "、".join(item.variables))
    console.print(table)
