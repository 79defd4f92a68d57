"""Personal data masked by default (API and pages), audited unmasking, and lists cut down to the caller's scope."""

from __future__ import annotations

from access_helpers import PERSON_ID, World
from fastapi.testclient import TestClient

MASKED_ID = "510107********1236"


def _unmask_entries(http: TestClient, world: World) -> list[dict[str, object]]:
    entries = http.get(
        "/api/sharing/audit", headers=world.headers("platform_admin"), params={"subject_code": PERSON_ID}
    ).json()["items"]
    return [entry for entry in entries if entry["record_kind"] == "unmask"]


def test_personal_data_is_masked_by_default_in_json_and_pages(http: TestClient, world: World) -> None:
    for account in ("platform_admin", "staff_cityops", "staff_tax", "citizen"):
        profile = http.get(f"/api/registry/persons/{PERSON_ID}", headers=world.headers(account)).json()
        assert profile["masked"] is True
        assert profile["person"]["id_number"] == MASKED_ID
        assert profile["person"]["phone"] == "138****5678"
        # The page linked from search results (its address carries no personal data).
        ref = http.get("/api/registry/persons", headers=world.headers(account), params={"q": PERSON_ID}).json()
        page = http.get(f"/registry/persons/ref/{ref['items'][0]['ref']}", headers=world.headers(account))
        assert page.status_code == 200
        assert MASKED_ID in page.text
        assert PERSON_ID not in page.text
        assert "13812345678" not in page.text
    found = http.get("/api/registry/persons", headers=world.headers("staff_tax"), params={"q": PERSON_ID}).json()
    assert [item["id_number"] for item in found["items"]] == [MASKED_ID]


def test_unmasking_needs_a_role_and_a_purpose_and_is_audited(http: TestClient, world: World) -> None:
    url = f"/api/registry/persons/{PERSON_ID}"
    no_purpose = http.get(url, headers=world.headers("staff_cityops"), params={"unmask": "true"})
    assert no_purpose.status_code == 422
    assert no_purpose.json()["detail"][0]["field"] == "purpose"
    refused = http.get(
        url, headers=world.headers("staff_tax"), params={"unmask": "true", "unmask_purpose": "核对纳税人信息"}
    )
    assert refused.status_code == 403
    # Even the person themself sees their own data masked here (clear text is for the holding department).
    assert (
        http.get(url, headers=world.headers("citizen"), params={"unmask": "true", "unmask_purpose": "本人"}).status_code
        == 403
    )
    granted = http.get(
        url, headers=world.headers("staff_cityops"), params={"unmask": "true", "unmask_purpose": "核实户籍信息"}
    )
    assert granted.status_code == 200
    assert granted.json()["person"]["id_number"] == PERSON_ID
    assert granted.json()["person"]["phone"] == "13812345678"
    audited = {(entry["actor_id"], entry["outcome"], entry["purpose"]) for entry in _unmask_entries(http, world)}
    assert audited == {
        (world.account_ids["staff_tax"], "denied", "核对纳税人信息"),
        (world.account_ids["citizen"], "denied", "本人"),
        (world.account_ids["staff_cityops"], "granted", "核实户籍信息"),
    }
    page = http.get(
        f"/registry/persons/{PERSON_ID}",
        headers=world.headers("platform_admin"),
        params={"unmask": "true", "purpose": "督查核验"},
    )
    assert page.status_code == 200
    assert PERSON_ID in page.text
    assert len(_unmask_entries(http, world)) == 4


def test_searches_only_find_what_the_caller_may_read(http: TestClient, world: World) -> None:
    def persons(account: str) -> int:
        response = http.get("/api/registry/persons", headers=world.headers(account), params={"q": PERSON_ID})
        return int(response.json()["total"])

    def enterprises(account: str) -> int:
        response = http.get("/api/registry/enterprises", headers=world.headers(account), params={"q": "锦程"})
        return int(response.json()["total"])

    assert [persons(a) for a in ("citizen", "enterprise_agent", "grid_own", "grid_other", "leader_other")] == [
        1,
        0,
        1,
        0,
        0,
    ]
    assert [enterprises(a) for a in ("citizen", "enterprise_agent", "staff_tax", "leader_own", "leader_other")] == [
        0,
        1,
        1,
        1,
        0,
    ]


def test_department_staff_read_only_their_departments_audit_entries(http: TestClient, world: World) -> None:
    # Reads of the base registers (cityops) and a source switch by the admin fill the log first.
    http.get(f"/api/registry/persons/{PERSON_ID}", headers=world.headers("staff_tax"))
    http.put("/api/sharing/sources/tax", headers=world.headers("platform_admin"), json={"available": True})

    def sources(account: str, **params: str) -> set[str]:
        response = http.get("/api/sharing/audit", headers=world.headers(account), params=params)
        assert response.status_code == 200
        return {entry["source_department"] for entry in response.json()["items"]}

    assert "cityops" in sources("platform_admin")
    assert sources("staff_cityops") == {"cityops"}
    assert sources("staff_tax") <= {"tax"}
    assert sources("staff_tax", source_department="cityops") == set()
    assert sources("leader_other") == sources("platform_admin")
    assert http.get("/api/sharing/audit", headers=world.headers("citizen")).status_code == 403
    assert http.get("/api/sharing/audit/verify", headers=world.headers("grid_own")).status_code == 403


def test_work_queues_list_only_cases_in_scope(http: TestClient, world: World) -> None:
    def overdue_or_todo(account: str) -> set[int]:
        ids: set[int] = set()
        for tab in ("todo", "overdue"):
            response = http.get("/api/workflow/queue", headers=world.headers(account), params={"tab": tab})
            assert response.status_code == 200
            ids |= {item["id"] for item in response.json()["items"]}
        return ids

    # The market staff hold no workflow role (承办单位) here, so their queue is empty either way; the point is
    # that nobody outside the case's scope ever gets it listed.
    for account in ("staff_tax", "grid_other", "leader_other", "citizen", "enterprise_agent"):
        assert world.instance_id not in overdue_or_todo(account)


def test_pages_answer_like_the_api(http: TestClient, world: World) -> None:
    def status(account: str, path: str) -> int:
        return http.get(path, headers=world.headers(account)).status_code

    instance = f"/work/instances/{world.instance_id}"
    assert [status(a, instance) for a in ("staff_market", "staff_tax", "leader_own", "leader_other")] == [
        200,
        404,
        200,
        404,
    ]
    assert [status(a, "/audit") for a in ("platform_admin", "staff_tax", "citizen")] == [200, 200, 403]
    assert [status(a, "/notify/outbox") for a in ("platform_admin", "staff_market")] == [200, 403]
    enterprise = "/registry/enterprises/91510107MA6CAB1262"
    assert [status(a, enterprise) for a in ("enterprise_agent", "citizen", "leader_other")] == [200, 404, 404]
    toggle = {"available": "0", "reason": "系统升级"}
    refused = http.post("/sources/market", headers=world.headers("staff_market"), data=toggle, follow_redirects=False)
    assert refused.status_code == 403
    done = http.post("/sources/market", headers=world.headers("platform_admin"), data=toggle, follow_redirects=False)
    assert done.status_code == 303
