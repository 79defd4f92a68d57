"""The ``yiwang`` command: one Typer app with a sub-command group per context."""

from __future__ import annotations

import typer

from yiwang.bench import cli as bench_cli
from yiwang.catalogue import cli as catalogue_cli
from yiwang.certs import cli as certs_cli
from yiwang.config import Settings
from yiwang.geo import cli as geo_cli
from yiwang.grants import cli as grants_cli
from yiwang.hotline import cli as hotline_cli
from yiwang.identity import cli as identity_cli
from yiwang.notify import cli as notify_cli
from yiwang.onestop import cli as onestop_cli
from yiwang.policies import cli as policies_cli
from yiwang.ratings import cli as ratings_cli
from yiwang.registry import cli as registry_cli
from yiwang.seed import cli as seed_cli
from yiwang.sharing import cli as sharing_cli
from yiwang.workflow import cli as workflow_cli

app = typer.Typer(
    name="yiwang",
    help="一网 yiwang — 城市数字政府与城市运行平台。",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="数据库迁移 (Alembic)。", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(geo_cli.app, name="geo")
app.add_typer(registry_cli.app, name="registry")
app.add_typer(sharing_cli.app, name="audit")
app.add_typer(identity_cli.app, name="identity")
app.add_typer(workflow_cli.app, name="workflow")
app.add_typer(notify_cli.app, name="notify")
app.add_typer(ratings_cli.app, name="ratings")
app.add_typer(bench_cli.app, name="bench")
app.add_typer(hotline_cli.app, name="hotline")
app.add_typer(certs_cli.app, name="certs")
app.add_typer(catalogue_cli.app, name="catalogue")
app.add_typer(onestop_cli.app, name="onestop")
app.add_typer(policies_cli.app, name="policies")
app.add_typer(grants_cli.app, name="grants")
app.command("seed")(seed_cli.seed)
app.command("worker")(workflow_cli.worker)


@app.callback()
def _configure() -> None:
    """Configure structured logging from the settings before any command runs."""
    from yiwang import subscriptions  # noqa: PLC0415
    from yiwang.logs import configure_logging  # noqa: PLC0415

    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    subscriptions.install()


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="目标版本")) -> None:
    """把数据库结构升级到最新版本。"""
    from yiwang import migrations  # noqa: PLC0415 - keeps Alembic off the start-up path of other commands
    from yiwang.db import redact_url  # noqa: PLC0415

    settings = Settings()
    migrations.upgrade(settings.database_url, revision)
    typer.echo(f"数据库已升级到 {revision}：{redact_url(settings.database_url)}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="目标版本，例如 base")) -> None:
    """把数据库结构回退到指定版本。"""
    from yiwang import migrations  # noqa: PLC0415

    settings = Settings()
    migrations.downgrade(settings.database_url, revision)
    typer.echo(f"数据库已回退到 {revision}")


@app.command("serve")
def serve(
    host: str | None = typer.Option(None, help="监听地址"),
    port: int | None = typer.Option(None, help="端口"),
) -> None:
    """启动 Web 服务（不做迁移和初始化）。"""
    import uvicorn  # noqa: PLC0415

    from yiwang.app import create_app  # noqa: PLC0415

    settings = Settings()
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port)


@app.command("demo")
def demo(
    port: int | None = typer.Option(None, help="端口（默认 8000）"),
    serve_pages: bool = typer.Option(True, "--serve/--no-serve", help="初始化后是否启动 Web 服务"),
) -> None:
    """一条命令起步：迁移数据库，库为空时生成合成成都，然后启动 Web 服务。"""
    from yiwang import demo as demo_module  # noqa: PLC0415

    demo_module.run(Settings(), port=port, serve=serve_pages)


def main() -> None:
    """Console-script entry point."""
    app()
