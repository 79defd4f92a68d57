"""`yiwang identity …`: create accounts, list them, reset passwords, issue and revoke tokens."""

from __future__ import annotations

from id_helpers import PASSWORD, PERSON_ID, USCC
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from yiwang.identity import cli, services
from yiwang.kernel.actor import SYSTEM_ACTOR

NEW_PASSWORD = "Kuanzhai2028"  # noqa: S105 - test data


def test_identity_commands(identity_url: str, id_session: Session, grid_code: str) -> None:
    runner = CliRunner()
    env = {"YIWANG_DATABASE_URL": identity_url}

    def run(*args: str, stdin: str | None = None) -> str:
        result = runner.invoke(cli.app, list(args), env=env, input=stdin)
        assert result.exit_code == 0, result.output
        return result.output

    created = run(
        "create-account", "admin", "--name", "管理员", "--role", "platform_admin", stdin=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert "已创建账户 admin（平台管理员，数据范围：全市）" in created
    run("create-account", "staff.market", "--name", "市场监管", "--role", "department_staff", "--department", "market",
        "--extra-role", "leader", "--password", PASSWORD)  # fmt: skip
    run(
        "create-account", "oidc.only", "--name", "统一认证", "--role", "citizen", "--id-number", PERSON_ID, "--idp-only"
    )
    assert not services.get_account(id_session, actor=SYSTEM_ACTOR, username="oidc.only").has_password

    refused = runner.invoke(
        cli.app, ["create-account", "x", "--name", "x", "--role", "dispatcher", "--password", PASSWORD], env=env
    )
    assert refused.exit_code == 1
    assert "派单员必须指定所属部门" in refused.output

    listing = run("accounts", "--role", "leader")
    assert "staff.market" in listing
    assert "oidc.only" not in listing

    issued = run("token", "create", "staff.market", "--name", "夜间同步", "--days", "7")
    secret = issued.strip().splitlines()[-1]
    assert secret.startswith("yw_")
    assert services.actor_for_token(id_session, token=secret).id == "staff.market"
    tokens = run("token", "list", "staff.market")
    assert "夜间同步" in tokens
    assert secret not in tokens
    token_id = services.list_api_tokens(id_session, actor=SYSTEM_ACTOR, username="staff.market")[0].id
    assert "已吊销" in run("token", "revoke", str(token_id))
    assert "长期有效" in run("token", "create", "staff.market", "--no-expiry")

    run("reset-password", "staff.market", "--password", NEW_PASSWORD)
    assert services.authenticate(id_session, username="staff.market", password=NEW_PASSWORD)
    assert "已停用" in run("deactivate", "staff.market")
    assert "已启用" in run("activate", "staff.market")

    demo = run(
        "seed-demo",
        "--password",
        "Demo2026yw",
        "--id-number",
        "51010419850101234X",
        "--uscc",
        USCC,
        "--grid",
        grid_code,
    )
    assert "citizen.demo" in demo
    assert "agent.demo" in demo
    assert f"grid.{grid_code}" in demo

    missing = runner.invoke(cli.app, ["token", "revoke", "424242"], env=env)
    assert missing.exit_code == 1
    assert "未找到编号为 424242 的访问令牌" in missing.output
