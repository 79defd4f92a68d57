"""``yiwang bench AREA --json``: each area prints one JSON object as the last line of stdout."""

from __future__ import annotations

import json

import typer

from yiwang.config import Settings

app = typer.Typer(help="性能基准（结果记录在 docs/benchmarks.md）。", no_args_is_help=True)


@app.command("backbone")
def backbone(
    as_json: bool = typer.Option(False, "--json", help="最后一行输出 JSON 结果"),
    persons: int = typer.Option(50_000, help="合成人口数"),
    enterprises: int = typer.Option(10_000, help="合成企业数"),
    lookups: int = typer.Option(300, help="一企一档 HTTP 查询次数"),
    audit_rows: int = typer.Option(100_000, help="校验前审计日志的条数"),
    seed: int = typer.Option(20261128, help="随机种子"),
) -> None:
    """数据底座基准：生成演示城市、一企一档查询 p95、审计哈希链校验。"""
    from yiwang.bench import backbone as bench  # noqa: PLC0415 - heavy imports only when this benchmark runs

    options = bench.BackboneOptions(
        seed=seed, persons=persons, enterprises=enterprises, lookups=lookups, audit_rows=audit_rows
    )
    result = bench.run(Settings(), options)
    if not as_json:
        for key, value in result.items():
            typer.echo(f"{key:>24}: {value}")
    typer.echo(json.dumps(result, ensure_ascii=False))


@app.command("workflow")
def workflow(
    as_json: bool = typer.Option(False, "--json", help="最后一行输出 JSON 结果"),
    instances: int = typer.Option(100_000, help="库中流程实例数"),
    transitions: int = typer.Option(300, help="经 HTTP 执行的办理动作次数"),
    seed: int = typer.Option(20261128, help="随机种子"),
) -> None:
    """流程引擎基准：10 万实例下单次办理动作 p95、一次定时器扫描耗时。"""
    from yiwang.bench import workflow as bench  # noqa: PLC0415

    result = bench.run(Settings(), instances=instances, transitions=transitions, seed=seed)
    if not as_json:
        for key, value in result.items():
            typer.echo(f"{key:>24}: {value}")
    typer.echo(json.dumps(result, ensure_ascii=False))
