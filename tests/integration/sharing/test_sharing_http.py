"""The sharing API (`/api/sharing/…`) and pages (`/audit`, `/audit.csv`, `/audit/verify`, `/sources`)."""

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from yiwang.sharing import services


def test_api_audit_lists_masked_entries_with_filters(client: TestClient, append: Callable[..., object]) -> None:
    append(4)
    body = client.get("/api/sharing/audit", params={"page_size": 3}).json()
    assert body["total"] == 4
    assert body["pages"] == 2
    assert [item["seq"] for item in body["items"]] == [4, 3, 2]
    person = body["items"][0]
    assert person["subject_kind"] == "person"
    assert person["subject_code"] == "510107********1236"
    assert "subject_display" not in person
    enterprise = body["items"][1]
    assert enterprise["subject_code"] == "91510107MA6CAB1262"
    assert enterprise["source_department_name"] == "市税务局"

    filtered = client.get("/api/sharing/audit", params={"subject_code": "510107199003071236"}).json()
    assert filtered["total"] == 2
    assert client.get("/api/sharing/audit", params={"source_department": "tax"}).json()["total"] == 2
    assert client.get("/api/sharing/audit", params={"cross_department": "false"}).json()["total"] == 0
    assert client.get("/api/sharing/audit", params={"page": 0}).status_code == 422


def test_api_verify(client: TestClient, append: Callable[..., object], dba: Callable[[str], None]) -> None:
    append(3)
    assert client.get("/api/sharing/audit/verify").json() == {
        "ok": True,
        "checked": 3,
        "first_bad_seq": None,
        "reason": "审计日志完整：共 3 条",
    }
    dba("DELETE FROM sharing_audit_entry WHERE seq = 2")
    body = client.get("/api/sharing/audit/verify").json()
    assert body["ok"] is False
    assert body["first_bad_seq"] == 2


def test_api_sources_and_switching(client: TestClient, session: Session) -> None:
    sources = client.get("/api/sharing/sources").json()
    assert {"department_code": "tax", "department_name": "市税务局", "available": True}.items() <= next(
        source for source in sources if source["department_code"] == "tax"
    ).items()

    response = client.put("/api/sharing/sources/tax", json={"available": False, "reason": "系统升级"})
    assert response.status_code == 200
    assert response.json()["available"] is False
    assert response.json()["changed_by"] == "admin"
    assert services.unavailable_departments(session) == {"tax": "系统升级"}

    unknown = client.put("/api/sharing/sources/nosuch", json={"available": False})
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["field"] == "department_code"
    assert "部门" in unknown.json()["detail"][0]["message"]
    assert client.put("/api/sharing/sources/tax", json={"available": "perhaps"}).status_code == 422


def test_audit_page_renders_filters_masked_codes_and_pagination(
    client: TestClient, append: Callable[..., object]
) -> None:
    append(60)
    page = client.get("/audit")
    assert page.status_code == 200
    html = page.text
    assert "共享审计日志" in html
    assert "校验哈希链" in html
    assert "510107********1236" in html
    assert "510107199003071236" not in html
    assert "91510107MA6CAB1262" in html
    assert "市税务局" in html
    assert "下一页" in html
    assert 'href="/audit.csv"' in html

    filtered = client.get("/audit", params={"source": "police", "cross": "1"})
    assert filtered.status_code == 200
    assert "市税务局" not in filtered.text.split("<tbody>")[1]
    assert "市公安局" in filtered.text
    assert "共 30 条" in filtered.text
    assert 'href="/audit.csv?source=police&amp;cross=1"' in filtered.text
    second = client.get("/audit", params={"page": 2})
    assert 'id="seq-10"' in second.text
    assert 'id="seq-11"' not in second.text

    empty = client.get("/audit", params={"actor": "nobody"})
    assert "没有符合条件的审计记录" in empty.text


def test_audit_csv_export(client: TestClient, append: Callable[..., object]) -> None:
    append(4)
    response = client.get("/audit.csv", params={"source": "police"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("序号,")
    assert len(lines) == 3
    assert "510107********1236" in text
    assert "510107199003071236" not in text


def test_verify_page_and_htmx_fragment(
    client: TestClient, append: Callable[..., object], dba: Callable[[str], None]
) -> None:
    append(2)
    page = client.get("/audit/verify")
    assert "哈希链校验通过" in page.text
    assert "<html" in page.text
    fragment = client.get("/audit/verify", headers={"HX-Request": "true"})
    assert "哈希链校验通过" in fragment.text
    assert "<html" not in fragment.text
    dba("UPDATE sharing_audit_entry SET fields = '[]' WHERE seq = 1")
    broken = client.get("/audit/verify", headers={"HX-Request": "true"})
    assert "哈希链校验未通过" in broken.text
    assert "第 1 条审计记录内容被篡改（哈希不符）" in broken.text


def test_sources_page_and_toggle_form(client: TestClient, session: Session) -> None:
    page = client.get("/sources")
    assert page.status_code == 200
    assert "部门数据源状态" in page.text
    assert "市税务局" in page.text

    response = client.post("/sources/tax", data={"available": "0", "reason": "机房搬迁"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sources?changed=tax"
    assert services.unavailable_departments(session) == {"tax": "机房搬迁"}
    after = client.get(response.headers["location"])
    assert "机房搬迁" in after.text
    assert "恢复可用" in after.text

    refused = client.post("/sources/nosuch", data={"available": "0"})
    assert refused.status_code == 422
    assert "不在部门目录中" in refused.text

    client.post("/sources/tax", data={"available": "1"})
    assert services.unavailable_departments(session) == {}
