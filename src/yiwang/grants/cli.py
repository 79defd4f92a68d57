"""`yiwang grants …` commands: build payment batches, export instructions, import the bank's result file."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import typer

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.grants import files, services
from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.kernel.errors import YiwangError

app = typer.Typer(help="惠企资金：付款批次、支付指令、银行回单。", no_args_is_help=True)

ROW_DELAY_ENV = "YIWANG_GRANTS_ROW_DELAY_S"
"""Test hook: seconds to sleep after each claimed grant, so a test can kill the batch run midway."""
LEASE_ENV = "YIWANG_GRANTS_BATCH_LEASE_S"
"""Seconds a batch run holds its batch without progress before a rerun may adopt it (default 300)."""


@app.command("batch")
def batch(
    department: str = typer.Option(..., help="资金主管部门代码（如 econ）"),
    policy: str | None = typer.Option(None, help="只处理该政策的已审核资金"),
) -> None:
    """把已审核的资金纳入付款批次（可随时中断后重跑：不会重复支付，也不会遗漏）。"""
    delay = float(os.environ.get(ROW_DELAY_ENV, "0") or 0)
    lease = dt.timedelta(seconds=float(os.environ.get(LEASE_ENV, "300") or 300))
    engine = make_engine(Settings().database_url)
    try:
        report = services.run_batch_job(
            make_session_factory(engine),
            actor=SYSTEM_ACTOR,
            funding_department=department,
            policy_id=policy,
            row_delay_s=delay,
            lease=lease,
        )
    except YiwangError as error:
        typer.echo(error.message)
        raise typer.Exit(code=2) from error
    finally:
        engine.dispose()
    typer.echo(f"纳入 {report.claimed} 笔，接管中断批次 {report.adopted} 个 / claimed {report.claimed}")
    for item in report.batches:
        typer.echo(f"{item.batch_no}\t{item.item_count} 笔\t{item.total_amount} 元\t{item.checksum}")


@app.command("instructions")
def instructions(
    batch_id: int = typer.Argument(..., help="付款批次编号"),
    output: Path = typer.Option(Path("-"), "--output", "-o", help="输出文件（- 为标准输出）"),
    xml: bool = typer.Option(False, "--xml", help="输出 XML（默认 CSV）"),
) -> None:
    """导出付款批次的支付指令文件（含控制笔数、总金额和 SHA-256 校验值）。"""
    engine = make_engine(Settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            data = services.instructions(session, actor=SYSTEM_ACTOR, batch_id=batch_id)
    except YiwangError as error:
        typer.echo(error.message)
        raise typer.Exit(code=2) from error
    finally:
        engine.dispose()
    text = files.instructions_xml(data) if xml else files.instructions_csv(data)
    if str(output) == "-":
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"已写入 {output}（{data.count} 笔，{data.total_amount} 元）")


@app.command("import-results")
def import_results(path: Path = typer.Argument(..., exists=True, readable=True, help="银行回单 CSV")) -> None:
    """导入银行回单（按幂等键登记到账或失败；重复导入不会重复记账）。"""
    engine = make_engine(Settings().database_url)
    try:
        results = files.parse_results_csv(path.read_text(encoding="utf-8-sig"))
        with make_session_factory(engine)() as session:
            report = services.record_payment_results(session, actor=SYSTEM_ACTOR, results=results)
    except YiwangError as error:
        typer.echo(error.message)
        raise typer.Exit(code=2) from error
    finally:
        engine.dispose()
    typer.echo(f"到账 {report.paid} 笔，失败 {report.failed} 笔，重复 {report.duplicates} 笔")
    for line in report.errors:
        typer.echo(f"未登记：{line}")
