"""Grants pages over HTTP: the board per role (403/404), approval, a batch with its downloads and result import,
CSV exports and the public disclosure."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from grants_support import ECON_STAFF, TAX_STAFF, agent_of, matches, terms, uscc

from yiwang.app import create_app
from yiwang.grants import services
from yiwang.kernel.actor import SYSTEM_ACTOR, Actor
from yiwang.web import deps as web_deps

HTML = {"accept": "text/html"}


class As:
    """The app with a switchable logged-in actor (login itself is tested by the identity context)."""

    def __init__(self, client: TestClient, holder: dict[str, Actor]) -> None:
        self.client = client
        self.holder = holder

    def __call__(self, actor: Actor) -> TestClient:
        self.holder["actor"] = actor
        return self.client


@pytest.fixture
def acting(settings) -> Iterator[As]:
    app = create_app(settings)
    holder = {"actor": ECON_STAFF}
    app.dependency_overrides[web_deps.get_actor] = lambda: holder["actor"]
    app.dependency_overrides[web_deps.get_optional_actor] = lambda: holder["actor"]
    with TestClient(app) as client:
        yield As(client, holder)
    app.state.engine.dispose()


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _ledger(session, count: int = 3) -> None:
    services.record_matches(session, actor=SYSTEM_ACTOR, terms=terms(), matches=matches(count))


def test_board_is_for_department_staff_and_scoped(session, acting) -> None:
    _ledger(session)
    page = acting(ECON_STAFF).get("/grants", headers=HTML)
    assert page.status_code == 200
    assert 'id="pipeline"' in page.text
    assert page.text.count("data-grant=") == 3
    assert "成都测试企业1有限公司" in page.text
    # Another department sees an empty board, an enterprise agent is refused the board.
    assert acting(TAX_STAFF).get("/grants", headers=HTML).text.count("data-grant=") == 0
    assert acting(agent_of(uscc(1))).get("/grants", headers=HTML).status_code == 403
    grant_id = services.list_grants(session, actor=SYSTEM_ACTOR, page_size=5).items[0].id
    assert acting(TAX_STAFF).get(f"/grants/{grant_id}", headers=HTML).status_code == 404
    assert acting(ECON_STAFF).get(f"/grants/{grant_id}", headers=HTML).status_code == 200


def test_board_filters_and_csv_export(session, acting) -> None:
    _ledger(session)
    client = acting(ECON_STAFF)
    filtered = client.get("/grants?q=成都测试企业2", headers=HTML)
    assert filtered.text.count("data-grant=") == 1
    bad = client.get("/grants?state=nonsense", headers=HTML)
    assert bad.status_code == 422
    assert "状态取值不正确" in bad.text
    exported = client.get("/grants.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["编号", "政策"]
    assert len(rows) == 4


def test_approve_batch_download_and_import_results(session, acting) -> None:
    _ledger(session, count=2)
    client = acting(ECON_STAFF)
    board = client.get("/grants?policy_id=cd-first-scale-up", headers=HTML)
    token = _csrf(board.text)
    approved = client.post(
        "/grants/approve", data={"policy_id": "cd-first-scale-up", "csrf_token": token}, follow_redirects=False
    )
    assert approved.status_code == 303
    assert "审核通过 2 笔" in client.get("/grants", headers=HTML).text
    created = client.post("/grants/batches", data={"csrf_token": token}, follow_redirects=False)
    assert created.status_code == 303
    batch_url = created.headers["location"]
    page = client.get(batch_url, headers=HTML)
    assert "已封包" in page.text
    assert "6222000000000000" not in page.text  # accounts masked on the page
    downloaded = client.get(f"{batch_url}/instructions.csv")
    assert downloaded.headers["content-disposition"].startswith("attachment")
    assert client.get(f"{batch_url}/instructions.xml").headers["content-type"].startswith("application/xml")
    assert client.get(f"{batch_url}/instructions.pdf").status_code == 422
    # Another department's staff cannot see the batch.
    assert acting(TAX_STAFF).get(batch_url, headers=HTML).status_code == 404
    rows = list(csv.reader(io.StringIO(downloaded.text)))
    lines = [dict(zip(rows[1], row, strict=True)) for row in rows[2:-1]]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["idempotency_key", "attempt", "status", "amount", "reference", "paid_on", "reason"])
    writer.writerow([lines[0]["idempotency_key"], lines[0]["attempt"], "paid", lines[0]["amount"], "REF1", "", ""])
    writer.writerow(
        [lines[1]["idempotency_key"], lines[1]["attempt"], "failed", lines[1]["amount"], "", "", "户名不符"]
    )
    client = acting(ECON_STAFF)
    imported = client.post(
        f"{batch_url}/results",
        data={"csrf_token": token},
        files={"file": ("results.csv", out.getvalue().encode(), "text/csv")},
    )
    assert imported.status_code == 200
    assert "到账 1 笔，失败 1 笔" in imported.text
    broken = client.post(
        f"{batch_url}/results", data={"csrf_token": token}, files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")}
    )
    assert broken.status_code == 422
    assert "回单文件缺少列" in broken.text
    forged = client.post("/grants/approve", data={"policy_id": "cd-first-scale-up", "csrf_token": "forged"})
    assert forged.status_code == 403


def test_disclosure_is_public_and_masks_persons(session, acting, anon_client) -> None:
    _ledger(session, count=1)
    services.approve_grants(session, actor=SYSTEM_ACTOR, policy_id="cd-first-scale-up")
    assert acting(SYSTEM_ACTOR).get("/grants/disclosure", headers=HTML).status_code == 200
    page = anon_client.get("/grants/disclosure", headers=HTML)
    assert page.status_code == 200
    assert "暂无公示记录" in page.text  # approved is not paid: nothing to disclose yet
    exported = anon_client.get("/grants/disclosure.csv")
    assert exported.status_code == 200
    assert exported.text.lstrip("\ufeff").startswith("政策,受益对象")
    # The board needs a login.
    assert anon_client.get("/grants", headers=HTML, follow_redirects=False).status_code == 303


def test_performance_pages(session, acting) -> None:
    _ledger(session)
    client = acting(ECON_STAFF)
    overview = client.get("/grants/performance", headers=HTML)
    assert overview.status_code == 200
    assert "首次升规入统奖励" in overview.text
    one = client.get("/grants/performance/cd-first-scale-up", headers=HTML)
    assert one.status_code == 200
    assert "chart-district" in one.text
    assert acting(TAX_STAFF).get("/grants/performance/cd-first-scale-up", headers=HTML).status_code == 404
