"""`yiwang certs …` commands: offline verification, the published key set, key files and rotation, revocation."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import typer

from yiwang.certs import services, signing
from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.kernel.errors import YiwangError

app = typer.Typer(help="电子证照：离线核验、签名公钥集、密钥轮换、撤销。", no_args_is_help=True)


def _load_jwks(source: str) -> dict[str, Any]:
    """A JWKS from a file or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        response = httpx.get(source, timeout=10, follow_redirects=True)
        response.raise_for_status()
        loaded: Any = response.json()
    else:
        loaded = json.loads(Path(source).read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        message = "公钥集应为 JSON 对象"
        raise ValueError(message)  # noqa: TRY004 - malformed input, reported to people
    return loaded


@app.command("verify")
def verify(
    file: Path = typer.Argument(..., help="电子证照签名文件（JSON）", exists=True, dir_okay=False, readable=True),
    jwks: str | None = typer.Option(None, "--jwks", help="签名公钥集文件或网址；给出时离线核验，不连接数据库"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出核验结果"),
) -> None:
    """核验电子证照签名文件：签名、内容是否被篡改、有效期（有数据库时还核验撤销状态）。退出码 0 表示有效。"""
    try:
        document = services.parse_document(file.read_bytes())
    except YiwangError as error:
        print(error.message)
        raise typer.Exit(code=2) from error
    if jwks is not None:
        try:
            keys = signing.KeySet.from_jwks(_load_jwks(jwks))
        except (ValueError, OSError, httpx.HTTPError) as error:
            print(f"无法读取签名公钥集：{error}")
            raise typer.Exit(code=2) from error
        outcome = signing.verify_document(document, keys)
        result: dict[str, Any] = {
            "status": outcome.status,
            "valid": outcome.valid,
            "message": outcome.message,
            "message_en": outcome.message_en,
            "number": outcome.doc_id,
            "issuer": outcome.proof.get("issuer") if outcome.proof else None,
            "revocation_checked": False,
            "checks": [{"name": c.name, "passed": c.passed, "message": c.message} for c in outcome.checks],
        }
    else:
        settings = Settings()
        engine = make_engine(settings.database_url)
        try:
            with make_session_factory(engine)() as session:
                result = services.verify(session, document, settings=settings).model_dump(mode="json")
        finally:
            engine.dispose()
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"{result['status']}：{result['message']}")
        for check in result["checks"]:
            print(f"  {'✓' if check['passed'] else '✗'} {check['message']}")
        if not result["revocation_checked"]:
            print("  （离线核验：未查询撤销状态）")
    raise typer.Exit(code=0 if result["valid"] else 1)


@app.command("keys")
def keys(output: Path | None = typer.Option(None, "--output", "-o", help="写入文件（默认输出到屏幕）")) -> None:
    """输出本平台的签名公钥集（JWKS，含已轮换的历史公钥），供离线核验或其他城市的平台信任。"""
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            services.ensure_signing_key(session, settings=settings)
            document = services.jwks(session, settings=settings)
    finally:
        engine.dispose()
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if output is None:
        print(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        print(f"已写入 {output}（{len(document['keys'])} 个公钥）")


@app.command("generate-key")
def generate_key(file: Path = typer.Argument(..., help="新私钥文件路径（PKCS#8 PEM）")) -> None:
    """生成新的 Ed25519 签名私钥文件（权限 600），用于 YIWANG_CERTS_SIGNING_KEY_FILE。"""
    if file.exists():
        print(f"{file} 已存在，不会覆盖")
        raise typer.Exit(code=2)
    key = signing.generate_private_key()
    descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(signing.private_key_to_pem(key))
    print(f"已生成 {file}，密钥标识 {signing.key_id(key.public_key())}")


@app.command("rotate-key")
def rotate_key() -> None:
    """轮换数据库中保存的签名密钥：新密钥签发，旧密钥继续公布以核验已签发的证照。"""
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            key = services.rotate_key(session, actor=SYSTEM_ACTOR, settings=settings)
    except YiwangError as error:
        print(error.message)
        raise typer.Exit(code=2) from error
    finally:
        engine.dispose()
    print(f"新签名密钥 {key.kid} 已启用")


@app.command("withdraw-key")
def withdraw_key(kid: str = typer.Argument(..., help="要撤回的历史密钥标识")) -> None:
    """撤回（不再公布）一个泄露的历史密钥：它签发的证照将核验为“签名密钥不可信”。"""
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            key = services.withdraw_key(session, actor=SYSTEM_ACTOR, kid=kid)
    except YiwangError as error:
        print(error.message)
        raise typer.Exit(code=2) from error
    finally:
        engine.dispose()
    print(f"签名密钥 {key.kid} 已撤回")


@app.command("revoke")
def revoke(
    number: str = typer.Argument(..., help="证照编号"),
    reason: str = typer.Option(..., "--reason", help="撤销原因"),
) -> None:
    """撤销一份电子证照（平台运维操作，记录为系统任务）。"""
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            item = services.revoke(session, actor=SYSTEM_ACTOR, certificate_id=number, reason=reason, settings=settings)
    except YiwangError as error:
        print(error.message)
        raise typer.Exit(code=2) from error
    finally:
        engine.dispose()
    print(f"{item.number} {item.cert_name} 已撤销")
