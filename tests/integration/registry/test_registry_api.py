"""The registry's JSON API and pages through the application (TestClient)."""

from registry_testdata import OTHER_USCC, PERSON_ID, RICH_USCC, SAMPLES


def test_departments_and_overview(client):
    departments = client.get("/api/registry/departments").json()
    assert len(departments) == 34
    market = next(d for d in departments if d["code"] == "market")
    assert market["short_name"] == "市市场监管局"
    assert market["record_counts"]["licence"] == 3
    overview = client.get("/api/registry/overview").json()
    assert overview["enterprises"] == 4
    assert {"code": "H", "name": "住宿和餐饮业", "count": 2} in overview["enterprises_by_industry"]


def test_search_endpoints(client):
    page = client.get("/api/registry/enterprises", params={"q": "示例", "industry": "H", "page_size": 1}).json()
    assert (page["total"], page["pages"], len(page["items"])) == (2, 2, 1)
    bad = client.get("/api/registry/enterprises", params={"industry": "Z"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["message"] == "行业门类 Z 无效：应为 A–T"
    persons = client.get("/api/registry/persons", params={"q": "张示例"}).json()
    assert persons["items"][0]["id_number"] == "510107********0314"
    assert persons["items"][0]["household_address"] == "成都市武侯区玉林街道****"


def test_enterprise_profile_endpoint(client):
    response = client.get(f"/api/registry/enterprises/{RICH_USCC}", params={"purpose": "信用核查"})
    assert response.status_code == 200
    body = response.json()
    assert body["enterprise"]["name"] == "成都蓉城示例餐饮管理有限公司"
    assert body["purpose"] == "信用核查"
    kinds = {(s["department_code"], s["record_kind"]) for s in body["sections"]}
    assert ("tax", "tax") in kinds
    tax_section = next(s for s in body["sections"] if s["record_kind"] == "tax")
    assert tax_section["records"][0]["kind"] == "tax"
    audit = client.get("/api/sharing/audit", params={"subject_code": RICH_USCC})
    assert audit.status_code == 200


def test_invalid_identifiers_in_the_path_give_422_with_the_reason(client):
    response = client.get("/api/registry/enterprises/91510107MA6DEMA185")
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["message"] == "统一社会信用代码校验码错误：最后一位应为 4，实际为 5"
    response = client.get("/api/registry/persons/51010719850612031")
    assert response.status_code == 422
    assert "公民身份号码应为18位" in response.json()["detail"][0]["message"]
    missing = client.get("/api/registry/enterprises/91510107MA6CAB1262")
    assert missing.status_code == 404
    assert "不存在" in missing.json()["detail"][0]["message"]


def test_person_profile_endpoint_masks_by_default(client):
    masked = client.get(f"/api/registry/persons/{PERSON_ID}").json()
    assert masked["masked"] is True
    assert masked["person"]["id_number"] == "510107********0314"
    unmasked = client.get(
        f"/api/registry/persons/{PERSON_ID}", params={"unmask": "true", "unmask_purpose": "核实户籍信息"}
    ).json()
    assert unmasked["person"]["id_number"] == PERSON_ID


def test_create_endpoints(client):
    response = client.post(
        "/api/registry/persons",
        json={
            "name": "吴示例",
            "id_number": "510107199003071236",
            "household_address": "成都市武侯区玉林街道示例路3号",
            "household_district_code": "510107",
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["id_number"] == "510107********1236"
    again = client.post(
        "/api/registry/persons",
        json={
            "name": "吴示例",
            "id_number": "510107199003071236",
            "household_address": "x",
            "household_district_code": "510107",
        },
    )
    assert again.status_code == 409
    bad = client.post(
        "/api/registry/enterprises",
        json={
            "uscc": "91510107MA6CAB1262",
            "name": "成都示例",
            "entity_type": "有限责任公司",
            "legal_representative": "吴示例",
            "industry_section": "I",
            "industry_division": "62",
            "registered_capital": "10",
            "founded_on": "2020-01-01",
            "district_code": "510107",
            "address": "成都市武侯区",
        },
    )
    assert bad.status_code == 422
    assert bad.json()["detail"] == [
        {
            "code": "invalid",
            "field": "industry_division",
            "message": "行业大类 62（餐饮业）属于门类 H（住宿和餐饮业），"
            "与行业门类 I（信息传输、软件和信息技术服务业）不一致",
        }
    ]


def test_import_endpoint(client):
    data = (SAMPLES / "penalties_with_errors.csv").read_bytes()
    response = client.post(
        "/api/registry/imports/penalty", files={"file": ("penalties_with_errors.csv", data, "text/csv")}
    )
    assert response.status_code == 422
    report = response.json()
    assert report["valid"] is False
    assert report["inserted"] == 0
    assert {"row", "column", "value", "message"} <= set(report["errors"][0])
    good = (
        "统一社会信用代码,列入日期,列入原因,作出决定机关\n"
        f"{OTHER_USCC},2024-03-01,未按规定期限公示年度报告,成都市锦江区市场监督管理局\n"
    ).encode()
    dry = client.post(
        "/api/registry/imports/abnormal_operation",
        params={"dry_run": "true"},
        files={"file": ("a.csv", good, "text/csv")},
    )
    assert dry.status_code == 200
    assert dry.json()["inserted"] == 0
    done = client.post("/api/registry/imports/abnormal_operation", files={"file": ("a.csv", good, "text/csv")})
    assert done.json()["inserted"] == 1
    unknown = client.post("/api/registry/imports/nonsense", files={"file": ("a.csv", good, "text/csv")})
    assert unknown.status_code == 422
    assert "未知的数据类别" in unknown.json()["detail"][0]["message"]
    kinds = client.get("/api/registry/imports").json()
    assert {k["kind"] for k in kinds} >= {"penalty", "licence", "person", "enterprise"}


def test_search_page(client):
    page = client.get("/registry", params={"q": "示例"})
    assert page.status_code == 200
    assert "成都蓉城示例餐饮管理有限公司" in page.text
    assert "导出 CSV" in page.text
    assert "/registry/enterprises.csv?q=" in page.text
    persons = client.get("/registry", params={"kind": "person", "q": "张示例"})
    assert "510107********0314" in persons.text
    assert PERSON_ID not in persons.text  # not even in a link
    assert "请输入公民身份号码或姓名" in client.get("/registry", params={"kind": "person"}).text
    bad = client.get("/registry", params={"industry": "Z"})
    assert "行业门类 Z 无效" in bad.text
    assert client.get("/registry/persons", follow_redirects=False).status_code == 307


def test_csv_export_download(client):
    response = client.get("/registry/enterprises.csv", params={"industry": "H"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"enterprises.csv\"; filename*=UTF-8''%E4%BC%81%E4%B8%9A%E5%90%8D%E5%BD%95.csv"
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("统一社会信用代码,企业名称")
    assert len(text.strip().splitlines()) == 3


def test_enterprise_page(client):
    page = client.get(f"/registry/enterprises/{RICH_USCC}")
    assert page.status_code == 200
    text = page.text
    assert "成都蓉城示例餐饮管理有限公司" in text
    assert "市市场监管局" in text
    assert "食品经营许可证" in text
    assert "即将到期" in text
    assert "已过期" in text
    assert "营业收入与纳税" in text
    assert "审计日志" in text
    missing = client.get("/registry/enterprises/91510107MA6CAB1262")
    assert missing.status_code == 404
    assert "对应的市场主体不存在" in missing.text
    invalid = client.get("/registry/enterprises/123")
    assert invalid.status_code == 422
    assert "统一社会信用代码应为18位" in invalid.text


def test_enterprise_page_shows_unavailable_source(client):
    response = client.put("/api/sharing/sources/tax", json={"available": False, "reason": "金税系统升级维护"})
    assert response.status_code == 200, response.text
    text = client.get(f"/registry/enterprises/{RICH_USCC}").text
    assert "数据源暂不可用" in text
    assert "金税系统升级维护" in text


def test_person_pages(client):
    masked = client.get(f"/registry/persons/{PERSON_ID}")
    assert masked.status_code == 200
    assert "510107********0314" in masked.text
    assert "居民身份证" in masked.text
    assert "138****0001" in masked.text
    assert "13800000001" not in masked.text
    unmasked = client.get(f"/registry/persons/{PERSON_ID}", params={"unmask": "true", "purpose": "核实户籍信息"})
    assert "13800000001" in unmasked.text
    persons = client.get("/api/registry/persons", params={"q": "张示例"}).json()
    by_ref = client.get(f"/registry/persons/ref/{persons['items'][0]['ref']}")
    assert "张示例" in by_ref.text


def test_departments_page(client):
    page = client.get("/departments")
    assert page.status_code == 200
    assert "市税务局" in page.text
    assert "纳税信息：3" in page.text


def test_import_page_flow(client):
    form = client.get("/registry/import")
    assert form.status_code == 200
    assert "只要有一行不合格，整个文件都不会写入" in form.text
    sample = client.get("/registry/import/samples/penalties_with_errors.csv")
    assert sample.status_code == 200
    response = client.post(
        "/registry/import",
        data={"kind": "penalty"},
        files={"file": ("penalties_with_errors.csv", sample.content, "text/csv")},
    )
    assert response.status_code == 422
    assert "整个文件未写入" in response.text
    assert "统一社会信用代码校验码错误" in response.text
    empty = client.post("/registry/import", data={"kind": "penalty"}, files={"file": ("e.csv", b"", "text/csv")})
    assert "文件无法导入：文件为空" in empty.text
    assert client.get("/registry/import/samples/../../config.py").status_code == 404
