"""`yiwang identity …` commands: create and list accounts, reset passwords, issue and revoke API tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.identity import services
from yiwang.identity.schemas import AccountCreate
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.kernel.errors import YiwangError

app = typer.Typer(help="账户与访问控制：创建账户、重置密码、签发和吊销访问令牌。", no_args_is_help=True)
token_app = typer.Typer(help="API 访问令牌。", no_args_is_help=True)
app.add_typer(token_app, name="token")
console = Console()

ROLE_HELP = "、".join(f"{role.value}（{role.label}）" for role in Role)


@contextmanager
def _session() -> Iterator[Session]:
    engine = make_engine(Settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    except YiwangError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(code=1) from exc
    finally:
        engine.dispose()


def _ask_password(label: str) -> str:
    return str(typer.prompt(label, hide_input=True, confirmation_prompt="再次输入"))


@app.command("create-account")
def create_account(
    username: str = typer.Argument(..., help="登录名"),
    display_name: str = typer.Option(..., "--name", help="姓名或显示名"),
    role: Role = typer.Option(..., help=f"主要角色：{ROLE_HELP}"),
    extra_role: list[Role] = typer.Option([], "--extra-role", help="其他角色（可重复）"),
    department: str | None = typer.Option(None, help="部门代码（部门工作人员、话务员、派单员）"),
    district: str | None = typer.Option(None, help="区（市）县代码，6位"),
    street: str | None = typer.Option(None, help="街道（乡镇）代码，9位"),
    grid: str | None = typer.Option(None, help="网格编码，15位（网格员）"),
    id_number: str | None = typer.Option(None, help="公民身份号码（市民）"),
    uscc: str | None = typer.Option(None, help="统一社会信用代码（企业经办人）"),
    phone: str | None = typer.Option(None, help="手机号码"),
    password: str | None = typer.Option(None, help="初始密码（不给则交互输入）"),
    identity_provider_only: Annotated[
        bool, typer.Option("--idp-only", help="不设密码，只能通过统一身份认证登录")
    ] = False,
) -> None:
    """创建账户（例如第一个平台管理员：yiwang identity create-account admin --name 管理员 --role platform_admin）。"""
    if password is None and not identity_provider_only:
        password = _ask_password("初始密码")
    data = AccountCreate(
        username=username,
        display_name=display_name,
        password=None if identity_provider_only else password,
        role=role,
        extra_roles=extra_role,
        department_code=department,
        district_code=district,
        street_code=street,
        grid_code=grid,
        person_id_number=id_number,
        enterprise_uscc=uscc,
        phone=phone,
    )
    with _session() as session:
        account = services.create_account(session, actor=SYSTEM_ACTOR, data=data)
    print(f"已创建账户 {account.username}（{account.role_label}，数据范围：{account.scope_label}）")


@app.command("accounts")
def accounts(
    q: str | None = typer.Option(None, help="用户名或姓名包含的文字"),
    role: Role | None = typer.Option(None, help="角色"),
    page: int = typer.Option(1, min=1, help="页码"),
    page_size: int = typer.Option(50, min=1, max=services.MAX_PAGE_SIZE, help="每页条数"),
) -> None:
    """列出账户。"""
    with _session() as session:
        result = services.list_accounts(session, actor=SYSTEM_ACTOR, q=q, role=role, page=page, page_size=page_size)
    table = Table(title=f"账户（第 {result.page}/{result.pages} 页，共 {result.total} 个）")
    for header in ("用户名", "姓名", "角色", "数据范围", "状态"):
        table.add_column(header)
    for account in result.items:
        status = "启用" if account.active else "停用"
        if account.active and account.locked_until is not None:
            status = "已锁定"
        table.add_row(
            account.username,
            account.display_name,
            "、".join(item.label for item in account.roles),
            account.scope_label,
            status,
        )
    console.print(table)


@app.command("reset-password")
def reset_password(
    username: str = typer.Argument(..., help="登录名"),
    password: str | None = typer.Option(None, help="新密码（不给则交互输入）"),
) -> None:
    """重置密码并解除登录锁定（该账户的登录会话随即失效）。"""
    new_password = password if password is not None else _ask_password("新密码")
    with _session() as session:
        services.reset_password(session, actor=SYSTEM_ACTOR, username=username, new_password=new_password)
    print(f"账户 {username} 的密码已重置")


@app.command("deactivate")
def deactivate(username: str = typer.Argument(..., help="登录名")) -> None:
    """停用账户（账户保留以便审计追溯）。"""
    with _session() as session:
        services.deactivate_account(session, actor=SYSTEM_ACTOR, username=username)
    print(f"账户 {username} 已停用")


@app.command("activate")
def activate(username: str = typer.Argument(..., help="登录名")) -> None:
    """重新启用账户。"""
    with _session() as session:
        services.activate_account(session, actor=SYSTEM_ACTOR, username=username)
    print(f"账户 {username} 已启用")


@app.command("seed-demo")
def seed_demo(
    password: str = typer.Option(..., help="所有演示账户的密码"),
    id_number: str | None = typer.Option(None, help="演示市民绑定的公民身份号码（库中已有的人员）"),
    uscc: str | None = typer.Option(None, help="演示企业经办人绑定的统一社会信用代码"),
    grid: str | None = typer.Option(None, help="演示网格员负责的网格编码"),
) -> None:
    """为每个角色创建演示账户（已存在的账户重新设为该密码）。"""
    with _session() as session:
        created = services.seed_demo_accounts(
            session, password=password, person_id_number=id_number, enterprise_uscc=uscc, grid_code=grid
        )
    table = Table(title="演示账户")
    for header in ("用户名", "角色", "数据范围"):
        table.add_column(header)
    for account in created:
        table.add_row(account.username, account.role_label, account.scope_label)
    console.print(table)


@token_app.command("create")
def token_create(
    username: str = typer.Argument(..., help="登录名"),
    name: str = typer.Option("命令行创建", help="用途说明"),
    days: int | None = typer.Option(90, min=1, max=3650, help="有效天数（默认90天）"),
    no_expiry: Annotated[bool, typer.Option("--no-expiry", help="长期有效（不建议）")] = False,
) -> None:
    """签发访问令牌；令牌只显示这一次。"""
    expires_in = None if no_expiry or days is None else dt.timedelta(days=days)
    with _session() as session:
        issued = services.create_api_token(
            session, actor=SYSTEM_ACTOR, username=username, name=name, expires_in=expires_in
        )
    until = issued.expires_at.isoformat() if issued.expires_at else "长期有效"
    console.print(f"令牌编号 {issued.token.id}（{until}），请立即保存，之后无法再次查看：", highlight=False)
    print(issued.access_token)


@token_app.command("revoke")
def token_revoke(token_id: int = typer.Argument(..., help="令牌编号")) -> None:
    """吊销访问令牌（立即生效）。"""
    with _session() as session:
        token = services.revoke_api_token(session, actor=SYSTEM_ACTOR, token_id=token_id)
    print(f"令牌 {token.id}（{token.username} · {token.name}）已吊销")


@token_app.command("list")
def token_list(username: str = typer.Argument(..., help="登录名")) -> None:
    """列出账户的访问令牌（不显示令牌本身）。"""
    with _session() as session:
        rows = services.list_api_tokens(session, actor=SYSTEM_ACTOR, username=username)
    table = Table(title=f"{username} 的访问令牌")
    for header in ("编号", "名称", "前缀", "状态", "有效期至", "最近使用"):
        table.add_column(header)
    for row in rows:
        table.add_row(
            str(row.id),
            row.name,
            row.token_prefix + "…",
            row.status_label,
            row.expires_at.isoformat() if row.expires_at else "长期",
            row.last_used_at.isoformat() if row.last_used_at else "—",
        )
    console.print(table)
