"""The /api/grants routes: ledger, approval, batch, instructions file, keyed payment callback, disclosure, errors."""

from __future__ import annotations

from fastapi.testclient import TestClient
from grants_support import ECON_STAFF, matches, terms
from sqlalchemy.orm import Session

from yiwang.grants import files, services


def test_api_from_approval_to_paid_and_disclosure(client: TestClient, session: Session) -> None:
    services.record_matches(session, actor=ECON_STAFF, terms=terms(), matches=matches(2))
    assert client.get("/api/grants").json()["total"] == 2
    assert client.post("/api/grants/approve", json={"policy_id": "cd-first-scale-up"}).json()["approved"] == 2
    run = client.post("/api/grants/batches", json={"funding_department": "econ"})
    assert run.status_code == 201
    batch_id = run.json()["batches"][0]["id"]
    csv_file = client.get(f"/api/grants/batches/{batch_id}/instructions?format=csv")
    rows, count, _total, _checksum = files.parse_instructions_csv(csv_file.text)
    assert count == 2
    body = {
        "results": [
            {"idempotency_key": r["idempotency_key"], "status": "paid", "amount": r["amount"], "reference": f"X{n}"}
            for n, r in enumerate(rows)
        ]
    }
    assert client.post("/api/grants/payments", json=body).json()["paid"] == 2
    assert client.post("/api/grants/payments", json=body).json()["duplicates"] == 2
    disclosure = client.get("/api/grants/disclosure").json()
    assert disclosure["total"] == 2
    exported = client.get("/api/grants/disclosure.csv")
    assert exported.text.startswith("\ufeff政策")
    assert client.get("/api/grants/performance/cd-first-scale-up").json()["beneficiaries"] == 2


def test_api_errors_are_chinese(client: TestClient, session: Session) -> None:
    services.record_matches(session, actor=ECON_STAFF, terms=terms(), matches=matches(1, mode="confirm"))
    grant_id = client.get("/api/grants").json()["items"][0]["id"]
    bad = client.post(f"/api/grants/{grant_id}/confirm", json={"payee_account": "x1", "payee_bank": "工商银行"})
    assert bad.status_code == 422
    assert "银行账号" in bad.json()["detail"][0]["message"]
    stale = client.post(
        f"/api/grants/{grant_id}/confirm",
        json={"payee_account": "6222000000001234", "payee_bank": "工商银行", "row_version": 99},
    )
    assert stale.status_code == 409
    assert client.get("/api/grants/999999").status_code == 404
    assert client.post("/api/grants/approve", json={}).status_code == 422
