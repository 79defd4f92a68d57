"""``yiwang demo``: one command from a fresh checkout to a running platform with a synthetic Chengdu.

Migrates the database, installs the front-end packages from ``package-lock.json`` when they are missing, seeds
the demo city into an empty database, opens one demo account per role and lets each context create its own demo
data (12345 appeals, 一网通办 applications, policies…), prints the accounts and where to look, then serves the web
application with the background worker (workflow timers, message delivery, overdue sweeps) running beside it.

Every demo case belongs to a context's record: a case in the work queue is an appeal or an application with its own
page, never a bare workflow instance.
"""

from __future__ import annotations

import importlib
import secrets
import shutil
import string
import subprocess
import sys
import time
from collections.abc import Callable
from typing import TypedDict
from urllib.parse import quote, urlencode

from sqlalchemy.orm import Session

from yiwang import migrations
from yiwang.config import PROJECT_ROOT, Settings
from yiwang.db import make_engine, make_session_factory, redact_url
from yiwang.kernel.actor import Actor
from yiwang.logs import configure_logging
from yiwang.web.assets import vendor_ready

Echo = Callable[[str], None]


DEMO_SETUP_ACTOR = Actor(
    id="demo-setup",
    department="cityops",
    role="platform_admin",
    display_name="演示环境初始化",
    roles=frozenset({"platform_admin"}),
)
"""Who opens the demo accounts; binding the demo citizen reads an ID number unmasked, which only administrators
may do (and which the audit log records under this name)."""


class _SeedSizes(TypedDict, total=False):
    """Overrides of the seed's demo sizes; absent keys keep the seed's own defaults."""

    persons: int
    enterprises: int


def _echo(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def run(settings: Settings, *, port: int | None, serve: bool, echo: Echo = _echo) -> None:
    """Migrate, install front-end packages if needed, seed an empty database, print the links, then serve."""
    configure_logging(level=settings.log_level, json=settings.log_json)
    started = time.perf_counter()
    echo(f"① 升级数据库结构 / migrating the database: {redact_url(settings.database_url)}")
    migrations.upgrade(settings.database_url)

    echo("② 检查前端组件 / checking front-end packages")
    ensure_frontend(settings, echo=echo)

    echo("③ 检查演示数据 / checking demo data")
    seed_if_empty(settings, echo=echo)

    echo("④ 演示账户与办件 / demo accounts and cases")
    password = settings.demo_password or generate_password()
    accounts = prepare_accounts_and_cases(settings, password=password, echo=echo)

    base_url = f"http://{settings.host}:{port or settings.port}"
    seconds = time.perf_counter() - started
    echo(f"准备完成，用时 {seconds:.1f} 秒 / ready in {seconds:.1f} s")
    for line in account_lines(accounts, password=password, generated=not settings.demo_password):
        echo(line)
    for line in links(settings, base_url=base_url):
        echo(line)
    if not serve:
        return

    import uvicorn  # noqa: PLC0415 - only needed when serving

    from yiwang.app import create_app  # noqa: PLC0415 - builds the app after npm ci so it sees the packages
    from yiwang.workflow import jobs  # noqa: PLC0415 - only needed when serving

    echo("⑤ 启动后台任务（超期升级、消息投递、整改超期）/ starting the background worker")
    stop_worker = jobs.start_background_worker(settings)
    echo(f"⑥ 启动 Web 服务 / serving on {base_url}（按 Ctrl+C 停止 / press Ctrl+C to stop）")
    try:
        uvicorn.run(
            create_app(settings), host=settings.host, port=port or settings.port, log_level=settings.log_level.lower()
        )
    finally:
        stop_worker()


class DemoAccount(TypedDict):
    """One demo account as printed: login name, role and the scope it works in."""

    username: str
    display_name: str
    role: str
    scope: str


def generate_password() -> str:
    """A fresh demo password for this run (letters and digits, as the password rules ask)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(12))
        if any(c.isalpha() for c in candidate) and any(c.isdigit() for c in candidate):
            return candidate


def prepare_accounts_and_cases(settings: Settings, *, password: str, echo: Echo = _echo) -> list[DemoAccount]:
    """Publish the built-in processes, open one demo account per role (all with ``password``), then demo data.

    The demo data are each context's own (``DEMO_CONTEXTS``): 12345 appeals come from the hotline, 一件事 and single
    items from one-stop applications, so every case in the work queue has its appeal or application page.
    """
    from yiwang.identity import services as identity_services  # noqa: PLC0415 - keeps start-up light
    from yiwang.workflow import services as workflow_services  # noqa: PLC0415

    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            workflow_services.ensure_builtin_definitions(session)
            accounts = identity_services.seed_demo_accounts(
                session, password=password, person_id_number=_citizen_id_number(session)
            )
            echo(f"   演示账户 {len(accounts)} 个已就绪 / {len(accounts)} demo accounts ready")
            for line in _prepare_contexts(session, settings):
                echo(f"   {line}")
    finally:
        engine.dispose()
    return [
        DemoAccount(
            username=account.username,
            display_name=account.display_name,
            role=account.role_label,
            scope=account.scope_label,
        )
        for account in accounts
    ]


DEMO_CONTEXTS = ("catalogue", "certs", "onestop", "hotline", "policies", "grants")
"""Contexts whose ``demo.prepare`` adds demo data, in dependency order (the catalogue before applications, policies
before grants)."""


def _prepare_contexts(session: Session, settings: Settings) -> list[str]:
    lines = []
    for name in DEMO_CONTEXTS:
        module = importlib.import_module(f"yiwang.{name}.demo")
        line = module.prepare(session, settings=settings)
        if line:
            lines.append(line)
    return lines


def _citizen_id_number(session: Session) -> str | None:
    """The ID number for ``citizen.demo``: the first enterprise's legal representative, read unmasked (audited)."""
    from yiwang.registry import services as registry_services  # noqa: PLC0415 - keeps start-up light

    enterprises = registry_services.search_enterprises(session, page_size=1).items
    if not enterprises:
        return None
    persons = registry_services.search_persons(session, q=enterprises[0].legal_representative, page_size=1).items
    if not persons:
        return None
    profile = registry_services.get_person_profile_by_ref(
        session,
        actor=DEMO_SETUP_ACTOR,
        ref=persons[0].ref,
        purpose="开通演示市民账户",
        unmask=True,
        unmask_purpose="开通演示市民账户（绑定本人身份）",
    )
    return profile.person.id_number


def account_lines(accounts: list[DemoAccount], *, password: str, generated: bool) -> list[str]:
    """The accounts table (login name, role, scope) and the shared password, for the console."""
    if not accounts:
        return []
    width = max(len(a["username"]) for a in accounts) + 2
    lines = ["", "演示账户 / demo accounts（登录 / log in: /login）:"]
    lines += [f"  {a['username']:<{width}}{a['role']}（{a['scope']}）" for a in accounts]
    note = "本次运行随机生成，设置 YIWANG_DEMO_PASSWORD 可固定" if generated else "来自 YIWANG_DEMO_PASSWORD"
    lines.append(f"  密码 / password: {password}   （{note}）")
    return lines


def ensure_frontend(settings: Settings, *, echo: Echo = _echo) -> bool:
    """Run ``npm ci`` in the checkout when its ``node_modules`` lacks the page packages; whether pages get charts."""
    frontend_dir = settings.frontend_dir
    if vendor_ready(frontend_dir):
        echo(f"   前端组件已安装 / front-end packages present: {frontend_dir}")
        return True
    lockfile = PROJECT_ROOT / "package-lock.json"
    if frontend_dir.resolve() != (PROJECT_ROOT / "node_modules").resolve() or not lockfile.is_file():
        echo(
            f"   {frontend_dir} 中没有前端组件，页面将不显示图表和地图（表格照常可用）"
            " / front-end packages missing: pages run without charts and maps"
        )
        return False
    npm = shutil.which("npm")
    if npm is None:
        echo(
            "   未找到 npm，页面将不显示图表和地图（表格照常可用）；安装 Node.js 后在项目根目录运行 npm ci"
            " / npm not found: pages run without charts and maps"
        )
        return False
    command = [npm, "ci", "--no-audit", "--no-fund"]
    echo(f"   按 package-lock.json 安装前端组件 / installing from package-lock.json: cd {PROJECT_ROOT} && npm ci")
    result = subprocess.run(command, cwd=PROJECT_ROOT, check=False)  # noqa: S603 - fixed arguments, npm from PATH
    ready = result.returncode == 0 and vendor_ready(frontend_dir)
    if not ready:
        echo(
            f"   npm ci 失败（退出码 {result.returncode}），继续运行但不显示图表"
            " / npm ci failed, continuing without charts"
        )
    return ready


def seed_if_empty(settings: Settings, *, echo: Echo = _echo) -> bool:
    """Seed the demo city when the database holds none; whether seeding ran."""
    from yiwang.seed import services as seed_services  # noqa: PLC0415 - seeding code is only loaded when needed

    if seed_services.is_seeded(settings):
        echo("   数据库已有演示数据，跳过生成 / database already seeded, skipping")
        return False
    sizes: _SeedSizes = {}
    if settings.demo_persons is not None:
        sizes["persons"] = settings.demo_persons
    if settings.demo_enterprises is not None:
        sizes["enterprises"] = settings.demo_enterprises
    echo(f"   生成合成成都（随机种子 {settings.seed}）/ seeding the synthetic city (seed {settings.seed}) …")
    started = time.perf_counter()
    seed_services.seed_demo(settings, seed=settings.seed, **sizes)
    seconds = time.perf_counter() - started
    echo(f"   演示数据已生成，用时 {seconds:.1f} 秒 / seeded in {seconds:.1f} s")
    return True


def links(settings: Settings, *, base_url: str) -> list[str]:
    """The pages to open, in Chinese and English, with a real enterprise and person of the seeded city."""
    from yiwang.registry import services as registry_services  # noqa: PLC0415 - keeps start-up light

    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            first = registry_services.search_enterprises(session, page_size=1).items
    finally:
        engine.dispose()
    rows = [
        ("首页", "home", "/"),
        ("登录", "log in", "/login"),
        ("工作台（待办）", "work queue", "/work"),
        ("消息中心", "messages", "/messages"),
        ("好差评", "ratings", "/ratings"),
        ("数据底座", "registry", "/registry"),
    ]
    if first:
        enterprise = first[0]
        rows.append(
            (f"一企一档：{enterprise.name}", "enterprise file", f"/registry/enterprises/{quote(enterprise.uscc)}")
        )
        # Persons are found by exact name or ID number only (no population listing): search for the enterprise's
        # legal representative, who is a seeded person.
        person_query = urlencode({"kind": "person", "q": enterprise.legal_representative})
        rows.append((f"人员：{enterprise.legal_representative}", "person search", f"/registry?{person_query}"))
    rows += [
        ("审计日志", "audit log", "/audit"),
        ("API 文档", "API docs", "/docs"),
        ("运行指标", "metrics", "/metrics"),
        ("健康检查", "health", "/healthz"),
    ]
    lines = ["", "请在浏览器中打开 / open in a browser:"]
    lines += [f"  {zh} / {en}\n      {base_url}{path}" for zh, en, path in rows]
    lines.append("")
    return lines
