"""E-certificates over HTTP: issuing (idempotent, validated), verifying every verdict, JWKS, QR, access, pages."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import segno
from certs_support import (
    AGENT_A,
    CITIZEN_A,
    CITIZEN_B,
    ENTERPRISE_A,
    HEALTH,
    MARKET,
    PERSON_A,
    ActorSwitch,
    issue_body,
)
from fastapi.testclient import TestClient

from yiwang.certs import signing

Issue = Callable[..., dict[str, Any]]
App = tuple[TestClient, ActorSwitch]


def _document(client: TestClient, number: str) -> dict[str, Any]:
    response = client.get(f"/api/certs/{number}/document")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    result: dict[str, Any] = response.json()
    return result


def _verify(client: TestClient, body: Any) -> dict[str, Any]:
    response = client.post("/api/certs/verify", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


# --- issuing ---------------------------------------------------------------------------------------------------


def test_issue_is_idempotent_on_its_key(certs_app: App) -> None:
    client, _ = certs_app
    first = client.post("/api/certs", json=issue_body(), headers={"Idempotency-Key": "onestop:app-1:item-1"})
    again = client.post("/api/certs", json=issue_body(), headers={"Idempotency-Key": "onestop:app-1:item-1"})
    assert first.status_code == again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert re.fullmatch(r"DZZZ-510100-\d{4}-\d{8}", first.json()["number"])
    assert client.get("/api/certs", params={"holder_id": ENTERPRISE_A}).json()["total"] == 1
    clash = client.post(
        "/api/certs",
        json=issue_body(cert_type="food_business_licence"),
        headers={"Idempotency-Key": "onestop:app-1:item-1"},
    )
    assert clash.status_code == 409
    other = client.post("/api/certs", json=issue_body(), headers={"Idempotency-Key": "onestop:app-2:item-1"})
    assert other.json()["number"] != first.json()["number"]


def test_issued_certificate_reads_back_masked_with_defaults(issue: Issue) -> None:
    food = issue(cert_type="food_business_licence", valid_from="2026-03-01")
    assert food["cert_name"] == "食品经营许可证"
    assert food["valid_until"] == "2031-02-28"  # five years, the day before the anniversary
    assert food["issuing_department_name"] == "成都市市场监督管理局"
    person = issue(
        cert_type="social_security_card",
        holder_kind="person",
        holder_id=PERSON_A,
        holder_name="张三",
        issuing_department="hrss",
    )
    assert person["holder_id_masked"] != PERSON_A
    assert PERSON_A not in str(person)
    assert person["verify_url"].startswith(f"http://127.0.0.1:8000/certs/verify/{person['number']}?h=")


def test_bad_issue_requests_get_chinese_field_errors(certs_app: App) -> None:
    client, _ = certs_app
    cases = [
        (issue_body(holder_id="91510100MA6000016B"), "holder_id"),
        (issue_body(holder_kind="person", holder_id="510104199003070016"), "holder_id"),
        (issue_body(cert_type="made_up_type"), "cert_name"),
        (issue_body(cert_type="Bad Code"), "cert_type"),
        (issue_body(issuing_department="nowhere"), "issuing_department"),
        (issue_body(valid_from="2026-05-01", valid_until="2026-04-01"), "valid_until"),
        (issue_body(cert_type="birth_medical_certificate"), "holder_kind"),
    ]
    for body, field in cases:
        response = client.post("/api/certs", json=body)
        assert response.status_code == 422, (field, response.text)
        detail = response.json()["detail"][0]
        assert detail["field"] == field
        assert re.search(r"[\u4e00-\u9fff]", detail["message"])
    assert client.get("/api/certs").json()["total"] == 0


def test_unknown_types_are_accepted_with_a_name(issue: Issue) -> None:
    item = issue(cert_type="outdoor_advert_permit", cert_name="户外广告设置许可证", issuing_department="urban")
    assert item["cert_name"] == "户外广告设置许可证"
    assert item["valid_until"] is None


# --- verifying -------------------------------------------------------------------------------------------------


def test_verify_detects_tampering_expiry_revocation_and_unknown_keys(certs_app: App, issue: Issue) -> None:
    client, switch = certs_app
    valid = issue()
    document = _document(client, valid["number"])
    switch(None)  # verification is public
    assert _verify(client, document)["status"] == "valid"
    assert _verify(client, {"document": document})["valid"] is True

    edited = copy.deepcopy(document)
    edited["payload"]["data"]["注册资本"] = "1000万元"
    verdict = _verify(client, edited)
    assert verdict["status"] == "tampered"
    assert "篡改" in verdict["message"]
    retimed = copy.deepcopy(document)
    retimed["proof"]["created"] = "2020-01-01T00:00:00Z"
    assert _verify(client, retimed)["status"] == "tampered"

    foreign = signing.sign_document(
        document["payload"],
        signing.generate_private_key(),
        issuer=document["proof"]["issuer"],
        doc_type="certificate",
        created=dt.datetime.now(dt.UTC),
    )
    assert _verify(client, foreign)["status"] == "unknown_key"

    expired = issue(valid_from="2020-01-01", valid_until="2020-12-31")
    switch(None)
    verdict = client.get(f"/api/certs/verify/{expired['number']}").json()
    assert verdict["status"] == "expired"
    assert verdict["valid"] is False

    switch(MARKET)
    revoked = client.post(f"/api/certs/{valid['number']}/revoke", json={"reason": "告知承诺核查不实"})
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    switch(None)
    verdict = _verify(client, document)
    assert verdict["status"] == "revoked"
    assert verdict["revoked_reason"] == "告知承诺核查不实"
    assert _verify(client, {"number": valid["number"]})["status"] == "revoked"

    assert _verify(client, {"number": "DZZZ-510100-2026-99999999"})["status"] == "not_found"


def test_the_qr_hash_detects_a_forged_code(certs_app: App, issue: Issue) -> None:
    client, switch = certs_app
    item = issue()
    path = item["verify_url"].removeprefix("http://127.0.0.1:8000")
    switch(None)
    assert client.get("/api" + path).json()["status"] == "valid"
    forged = client.get(f"/api/certs/verify/{item['number']}", params={"h": "AAAAAAAAAAAAAAAA"}).json()
    assert forged["status"] == "tampered"
    assert any(check["name"] == "qr" and not check["passed"] for check in forged["checks"])


def test_bad_verify_bodies_get_422(certs_app: App) -> None:
    client, switch = certs_app
    switch(None)
    assert client.post("/api/certs/verify", content=b"not json").status_code == 422
    assert client.post("/api/certs/verify", json=[1, 2]).status_code == 422
    assert client.post("/api/certs/verify", json={"something": "else"}).status_code == 422
    assert _verify(client, {"payload": {}, "proof": {}})["status"] == "tampered"


# --- keys ------------------------------------------------------------------------------------------------------


def test_jwks_is_published_and_rotation_keeps_old_certificates_valid(certs_app: App, issue: Issue) -> None:
    client, switch = certs_app
    before = issue()
    switch(None)
    published = client.get("/.well-known/jwks.json")
    assert published.status_code == 200
    assert published.headers["content-type"].startswith("application/jwk-set+json")
    jwks = published.json()
    assert jwks == client.get("/api/certs/keys").json()
    assert [key["kid"] for key in jwks["keys"]] == [before["kid"]]
    assert all(set(key) >= {"kty", "crv", "x", "kid", "use"} and "d" not in key for key in jwks["keys"])
    assert client.post("/api/certs/keys/rotate").status_code == 401

    switch(MARKET)
    assert client.post("/api/certs/keys/rotate").status_code == 403
    switch(None)
    old_document = _document_as_admin(client, switch, before["number"])
    switch(None)
    assert _verify(client, old_document)["status"] == "valid"

    from certs_support import ADMIN

    switch(ADMIN)
    rotated = client.post("/api/certs/keys/rotate")
    assert rotated.status_code == 201
    after = issue()
    assert after["kid"] == rotated.json()["kid"] != before["kid"]
    switch(None)
    keys = {key["kid"]: key["status"] for key in client.get("/.well-known/jwks.json").json()["keys"]}
    assert keys == {before["kid"]: "retired", after["kid"]: "active"}
    assert _verify(client, old_document)["status"] == "valid"
    switch(ADMIN)
    statuses = {key["kid"]: key["status"] for key in client.get("/api/certs/keys/all").json()}
    assert statuses[before["kid"]] == "retired"


def _document_as_admin(client: TestClient, switch: ActorSwitch, number: str) -> dict[str, Any]:
    from certs_support import ADMIN

    switch(ADMIN)
    return _document(client, number)


# --- QR --------------------------------------------------------------------------------------------------------


def test_qr_svg_encodes_the_verification_url(certs_app: App, issue: Issue) -> None:
    client, _ = certs_app
    item = issue()
    response = client.get(f"/api/certs/{item['number']}/qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text.lstrip().startswith("<?xml")
    expected = segno.make(item["verify_url"], error="m")
    # The same URL gives the same modules: compare the drawn path with segno's rendering of the URL.
    path = re.search(r' d="([^"]+)"', response.text)
    assert path is not None
    assert path.group(1) in expected.svg_inline(scale=4)
    other = segno.make(item["verify_url"] + "x", error="m").svg_inline(scale=4)
    assert path.group(1) not in other


# --- access ----------------------------------------------------------------------------------------------------


def test_holders_see_only_their_own_certificates(certs_app: App, issue: Issue) -> None:
    client, switch = certs_app
    mine = issue(
        cert_type="social_security_card",
        holder_kind="person",
        holder_id=PERSON_A,
        holder_name="张三",
        issuing_department="hrss",
    )
    enterprise = issue()
    switch(CITIZEN_A)
    assert client.get(f"/api/certs/{mine['number']}").status_code == 200
    assert [item["number"] for item in client.get("/api/certs/mine").json()] == [mine["number"]]
    assert client.get("/api/certs").json()["total"] == 1
    assert client.get(f"/api/certs/{enterprise['number']}").status_code == 404
    assert client.post(f"/api/certs/{mine['number']}/revoke", json={"reason": "不想要了"}).status_code == 403
    assert client.post("/api/certs", json=issue_body()).status_code == 403

    switch(CITIZEN_B)
    for path in ("", "/document", "/qr.svg"):
        assert client.get(f"/api/certs/{mine['number']}{path}").status_code == 404
    assert client.get("/api/certs/mine").json() == []
    assert client.post(f"/api/certs/{mine['number']}/revoke", json={"reason": "恶意撤销"}).status_code == 404

    switch(AGENT_A)
    assert [item["number"] for item in client.get("/api/certs/mine").json()] == [enterprise["number"]]

    switch(None)
    assert client.get(f"/api/certs/{mine['number']}").status_code == 401


def test_department_staff_issue_and_see_only_their_department(certs_app: App, issue: Issue) -> None:
    client, switch = certs_app
    issue(
        cert_type="birth_medical_certificate",
        holder_kind="person",
        holder_id=PERSON_A,
        holder_name="张小宝",
        issuing_department="health",
    )
    switch(MARKET)
    created = client.post("/api/certs", json=issue_body())
    assert created.status_code == 201
    assert client.post("/api/certs", json=issue_body(issuing_department="health")).status_code == 403
    listed = client.get("/api/certs").json()
    assert [item["issuing_department"] for item in listed["items"]] == ["market"]
    switch(HEALTH)
    assert client.get(f"/api/certs/{created.json()['number']}").status_code == 404
    assert client.get("/api/certs").json()["total"] == 1


def test_list_pages_filters_and_csv(certs_app: App, issue: Issue) -> None:
    client, _ = certs_app
    for index in range(5):
        issue(holder_name=f"成都第{index}号餐饮有限公司")
    issue(valid_from="2020-01-01", valid_until="2020-12-31")
    page = client.get("/api/certs", params={"page": 2, "page_size": 2}).json()
    assert (page["total"], page["pages"], len(page["items"])) == (6, 3, 2)
    assert client.get("/api/certs", params={"status": "expired"}).json()["total"] == 1
    assert client.get("/api/certs", params={"status": "issued"}).json()["total"] == 5
    assert client.get("/api/certs", params={"q": "第3号"}).json()["total"] == 1
    assert client.get("/api/certs", params={"status": "bogus"}).status_code == 422
    csv = client.get("/api/certs/export.csv", params={"status": "expired"})
    assert csv.status_code == 200
    assert csv.headers["content-disposition"] == (
        "attachment; filename=\"certificates.csv\"; filename*=UTF-8''%E7%94%B5%E5%AD%90%E8%AF%81%E7%85%A7.csv"
    )
    lines = csv.text.lstrip("\ufeff").strip().splitlines()
    assert lines[0].startswith("证照编号,证照名称")
    assert len(lines) == 2
    assert "已过期" in lines[1]


# --- pages -----------------------------------------------------------------------------------------------------


def test_public_verification_page_masks_personal_data(certs_app: App, issue: Issue) -> None:
    client, switch = certs_app
    item = issue(
        cert_type="ride_hailing_driver_licence",
        holder_kind="person",
        holder_id=PERSON_A,
        holder_name="王小明",
        issuing_department="transport",
    )
    document = _document(client, item["number"])
    switch(None)
    page = client.get(item["verify_url"].removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    assert "电子证照真实有效" in page.text
    assert "王**" in page.text
    assert "王小明" not in page.text
    assert PERSON_A not in page.text
    form = client.get("/certs/verify")
    assert form.status_code == 200
    edited = copy.deepcopy(document)
    edited["payload"]["holder"]["name"] = "李四"
    import json

    posted = client.post("/certs/verify", data={"text": json.dumps(edited, ensure_ascii=False)})
    assert 'data-status="tampered"' in posted.text
    uploaded = client.post(
        "/certs/verify", files={"file": ("cert.json", json.dumps(document).encode(), "application/json")}
    )
    assert 'data-status="valid"' in uploaded.text
    by_number = client.post("/certs/verify", data={"number": "DZZZ-510100-2026-99999999"})
    assert 'data-status="not_found"' in by_number.text
    empty = client.post("/certs/verify", data={})
    assert empty.status_code == 422
    assert "请输入证照编号" in empty.text


def test_certificate_page_shows_qr_and_revokes_with_csrf(certs_app: App, issue: Issue) -> None:
    client, switch = certs_app
    item = issue()
    switch(AGENT_A)
    page = client.get(f"/certs/{item['number']}")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert "营业执照" in page.text
    assert "撤销证照" not in page.text  # holders cannot revoke
    listing = client.get("/certs")
    assert item["number"] in listing.text
    switch(MARKET)
    page = client.get(f"/certs/{item['number']}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    refused = client.post(f"/certs/{item['number']}/revoke", data={"reason": "核查不实", "csrf_token": "wrong"})
    assert refused.status_code == 403
    done = client.post(
        f"/certs/{item['number']}/revoke",
        data={"reason": "核查不实", "csrf_token": token.group(1)},
        follow_redirects=True,
    )
    assert done.status_code == 200
    assert "已撤销" in done.text
    switch(CITIZEN_B)
    assert client.get(f"/certs/{item['number']}", headers={"accept": "text/html"}).status_code == 404
