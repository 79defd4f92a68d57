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


# Each area's command below is owned by its context's team; the heavy module is imported only when it runs.


@app.command("hotline")
def hotline_command(
    as_json: bool = typer.Option(False, "--json", help="最后一行输出 JSON 结果"),
    shared_dir: str | None = typer.Option(None, help="公开数据集目录（默认 ../shared）"),
) -> None:
    """12345 分拨质量与速度：triage_p95_ms、category_macro_f1、department_top1。"""
    from yiwang.bench import hotline as bench  # noqa: PLC0415

    result = bench.run(Settings(), shared_dir=shared_dir)
    _emit(result, as_json=as_json)


@app.command("onestop")
def onestop_command(
    as_json: bool = typer.Option(False, "--json", help="最后一行输出 JSON 结果"),
    seconds: int = typer.Option(60, help="持续负载时长（秒）"),
) -> None:
    """一网通办：秒批 p95、一件事提交 p95、持续负载吞吐。"""
    from yiwang.bench import onestop as bench  # noqa: PLC0415

    result = bench.run(Settings(), seconds=seconds)
    _emit(result, as_json=as_json)


@app.command("policies")
def policies_command(
    as_json: bool = typer.Option(False, "--json", help="最后一行输出 JSON 结果"),
    scale: str = typer.Option("city", help="数据规模：city（400 万企业）或 demo"),
) -> None:
    """政策直达：全量匹配耗时、解释 p95、与 OpenFisca 的速度比。"""
    from yiwang.bench import policies as bench  # noqa: PLC0415

    result = bench.run(Settings(), scale=scale)
    _emit(result, as_json=as_json)


def _emit(result: dict[str, object], *, as_json: bool) -> None:
    if not as_json:
        for key, value in result.items():
            typer.echo(f"{key:>24}: {value}")
    typer.echo(json.dumps(result, ensure_ascii=False))
