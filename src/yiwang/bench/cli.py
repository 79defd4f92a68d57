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
    scale: str = typer.Option("city", help="数据规模：city（400 万企业）或 demo（1 万企业）"),
    policies: int = typer.Option(100, min=1, help="政策数（已发布的企业类政策及其参数变体）"),
    subjects: int | None = typer.Option(None, min=1, help="最多取多少家企业（默认全部）"),
    openfisca_subjects: int = typer.Option(1_000_000, min=0, help="与 OpenFisca 对比的企业数（0 表示不对比）"),
    explain_samples: int = typer.Option(1_000, min=0, help="逐户解释的随机抽样次数"),
    seed: int | None = typer.Option(None, help="合成城市的随机种子（默认取配置 YIWANG_SEED）"),
    as_of: str = typer.Option("2026-11-28", help="画像日期 YYYY-MM-DD（合成城市按此日期生成并缓存）"),
    data_dir: str | None = typer.Option(None, help="城市 Parquet 目录（默认 ~/.cache/yiwang/city-种子-日期）"),
    install_openfisca: bool = typer.Option(
        True, "--install-openfisca/--no-install-openfisca", help="缺少 OpenFisca 虚拟环境时用 uv 创建"
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="在标准错误输出进度"),
) -> None:
    """政策直达：全量匹配耗时、解释 p95、与 OpenFisca 的速度比。"""
    import datetime as dt  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from yiwang.bench import policies as bench  # noqa: PLC0415

    if scale not in {"city", "demo"}:
        typer.echo(f"数据规模“{scale}”无效：应为 city 或 demo", err=True)
        raise typer.Exit(code=2)
    try:
        day = dt.date.fromisoformat(as_of)
    except ValueError:
        typer.echo(f"画像日期 {as_of} 无效：应为 YYYY-MM-DD", err=True)
        raise typer.Exit(code=2) from None
    options = bench.Options(
        scale=scale,
        policies=policies,
        subjects=subjects,
        openfisca_subjects=openfisca_subjects,
        explain_samples=explain_samples,
        seed=seed,
        as_of=day,
        data_dir=Path(data_dir) if data_dir else None,
        install_openfisca=install_openfisca,
        progress=progress,
    )
    result = bench.run(Settings(), options)
    _emit(result, as_json=as_json)


def _emit(result: dict[str, object], *, as_json: bool) -> None:
    if not as_json:
        for key, value in result.items():
            typer.echo(f"{key:>24}: {value}")
    typer.echo(json.dumps(result, ensure_ascii=False))
