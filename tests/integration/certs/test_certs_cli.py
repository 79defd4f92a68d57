"""`yiwang certs verify FILE --jwks FILE` verifies a downloaded certificate with only the published keys."""

from __future__ import annotations

import json
from pathlib import Path

from certs_support import issue_body
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from yiwang.certs import cli, services
from yiwang.certs.schemas import CertificateIssue
from yiwang.config import Settings
from yiwang.kernel.actor import SYSTEM_ACTOR


def test_offline_verification_with_only_a_jwks_file(session: Session, settings: Settings, tmp_path: Path) -> None:
    item = services.issue_certificate(
        session, actor=SYSTEM_ACTOR, data=CertificateIssue.model_validate(issue_body()), settings=settings
    )
    document = services.signed_document(session, actor=SYSTEM_ACTOR, certificate_id=item.number)
    jwks = services.jwks(session, settings=settings)
    cert_file, jwks_file = tmp_path / "cert.json", tmp_path / "jwks.json"
    cert_file.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    jwks_file.write_text(json.dumps(jwks), encoding="utf-8")
    runner = CliRunner()
    # A database URL that cannot be reached proves the offline path needs none.
    env = {"YIWANG_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}

    valid = runner.invoke(cli.app, ["verify", str(cert_file), "--jwks", str(jwks_file), "--json"], env=env)
    assert valid.exit_code == 0, valid.output
    result = json.loads(valid.output)
    assert (result["status"], result["number"], result["revocation_checked"]) == ("valid", item.number, False)

    document["payload"]["data"]["注册资本"] = "9999万元"
    cert_file.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    tampered = runner.invoke(cli.app, ["verify", str(cert_file), "--jwks", str(jwks_file)], env=env)
    assert tampered.exit_code == 1
    assert tampered.output.startswith("tampered")

    jwks_file.write_text(json.dumps({"keys": []}), encoding="utf-8")
    unknown = runner.invoke(cli.app, ["verify", str(cert_file), "--jwks", str(jwks_file)], env=env)
    assert unknown.exit_code == 1
    assert unknown.output.startswith("unknown_key")

    cert_file.write_text("not json", encoding="utf-8")
    bad = runner.invoke(cli.app, ["verify", str(cert_file), "--jwks", str(jwks_file)], env=env)
    assert bad.exit_code == 2


def test_generate_key_writes_a_private_file(tmp_path: Path) -> None:
    target = tmp_path / "key.pem"
    result = CliRunner().invoke(cli.app, ["generate-key", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_mode & 0o777 == 0o600
    assert target.read_text(encoding="ascii").startswith("-----BEGIN PRIVATE KEY-----")
    assert CliRunner().invoke(cli.app, ["generate-key", str(target)]).exit_code == 2
