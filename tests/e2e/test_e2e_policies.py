"""政策直达 end to end over HTTP, each role logged in through the login form on its own client.

A policy officer writes a policy (a validation error first, then a valid text), simulates it, is refused
publication over budget, publishes with a budget rule (matching runs), creates the grants; the enterprise confirms
its bank account; the officer approves, builds the payment batch, downloads the instructions and imports the
bank's results; the enterprise sees the money and the reason it qualified; another enterprise sees why not.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.identity import services as identity_services
from yiwang.identity.schemas import AccountCreate
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.policies import services as policy_services
from yiwang.registry import services as registry_services

PASSWORD = "E2ePolicies2026!"  # noqa: S105 - a test database's accounts
POLICY_ID = "econ-e2e-staff-award"

POLICY = """\
id: econ-e2e-staff-award
title: 稳岗扩岗奖励（测试）
subject: enterprise
summary: 参保职工达到门槛的在业企业，一次性奖励。
valid_from: 2024-01-01
legal_reference:
  document_number: 成经信发〔2026〕1号
  issuer: 成都市经济和信息化局
  clause: 第三条
  source: https://example.gov.cn/policy/1
funding_department: econ
budget: 1000
mode: confirm
parameters:
  threshold: {value: 5, label: 参保人数门槛, unit: 人}
  amount: {value: 20000, label: 奖励金额, unit: 元}
eligibility:
  all:
    - when: 'status in ["存续", "在业"]'
      label: 企业处于存续或在业状态
    - when: latest(insured_employees) >= threshold
      label: 上月参保职工达到门槛
award:
  kind: fixed
  amount: amount
"""


def _seed(url: str) -> None:
    from yiwang.seed import services as seed_services

    settings = Settings(database_url=url, grid_cell_m=5000, log_level="WARNING")
    seed_services.seed_demo(settings, seed=11, persons=800, enterprises=400, progress=False)


@pytest.fixture
def db_url(db_factory) -> Iterator[str]:  # a seeded small city instead of the empty database
    url = db_factory.clone(db_factory.template("e2e_policies_city", _seed))
    yield url
    db_factory.release(url)


def _account(session, username: str, role: Role, **scope: str) -> None:
    identity_services.create_account(
        session,
        actor=SYSTEM_ACTOR,
        data=AccountCreate(username=username, display_name=username, password=PASSWORD, role=role, **scope),
    )


def csrf_of(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def login(client: TestClient, username: str) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "next": "/", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_policy_to_paid_grant_journey(settings, session) -> None:  # noqa: PLR0915 - one journey, step by step
    _account(session, "officer.econ", Role.DEPARTMENT_STAFF, department_code="econ")
    app = create_app(settings)
    html = {"accept": "text/html"}
    with TestClient(app) as officer, TestClient(app) as winner, TestClient(app) as loser:
        login(officer, "officer.econ")

        # 1. Author: a misspelt variable is refused with its line and name; the corrected text is saved.
        page = officer.get("/policies/new", headers=html)
        assert page.status_code == 200
        assert "画像变量目录" in page.text
        token = csrf_of(page.text)
        wrong = POLICY.replace("latest(insured_employees)", "latest(insured_employes)")
        refused = officer.post("/policies/new", data={"source": wrong, "intent": "save", "csrf_token": token})
        assert refused.status_code == 422
        assert "insured_employes" in refused.text
        assert "第 21 行" in refused.text
        saved = officer.post(
            "/policies/new", data={"source": POLICY, "intent": "save", "csrf_token": token}, follow_redirects=False
        )
        assert saved.status_code == 303
        assert saved.headers["location"] == f"/policies/{POLICY_ID}?version=1"
        detail = officer.get(saved.headers["location"], headers=html)
        assert "已保存为第 1 版草稿" in detail.text
        assert "version-history" in detail.text

        # 2. Simulate, with a what-if on the threshold.
        simulated = officer.get(f"/policies/{POLICY_ID}/simulate?version=1", headers=html)
        assert simulated.status_code == 200
        assert "chart-district" in simulated.text
        assert "超出预算" in simulated.text
        stricter = officer.get(f"/policies/{POLICY_ID}/simulate?version=1&p_threshold=100000", headers=html)
        assert stricter.status_code == 200
        assert "预算内" in stricter.text

        # 3. Publish: refused over budget without a rule (the Chinese reason shown), then with a raised budget.
        publish_url = f"/policies/{POLICY_ID}/versions/1/publish"
        token = csrf_of(simulated.text)
        over = officer.post(publish_url, data={"budget_rule": "refuse", "csrf_token": token})
        assert over.status_code == 422
        assert "超出预算" in over.text
        assert "不予发布" in over.text
        published = officer.post(
            publish_url, data={"budget_rule": "raise_budget", "csrf_token": token}, follow_redirects=False
        )
        assert published.status_code == 303
        assert "个主体符合条件" in officer.get(f"/policies/{POLICY_ID}", headers=html).text

        # Matching ran on publication: pick one enterprise that qualifies and one that does not.
        matched = policy_services.policy_matches(session, actor=SYSTEM_ACTOR, policy_id=POLICY_ID, page_size=500)
        assert matched.total > 0
        winner_code = matched.items[0].subject_code
        codes = {m.subject_code for m in matched.items}
        everyone = registry_services.search_enterprises(session, page_size=200).items
        loser_code = next(e.uscc for e in everyone if e.uscc not in codes)
        _account(session, "agent.winner", Role.ENTERPRISE_AGENT, enterprise_uscc=winner_code)
        _account(session, "agent.loser", Role.ENTERPRISE_AGENT, enterprise_uscc=loser_code)
        login(winner, "agent.winner")
        login(loser, "agent.loser")

        # 4. Grants from the matches (即申即享: the subjects are asked to confirm their accounts).
        board = officer.get(f"/grants?policy_id={POLICY_ID}", headers=html)
        token = csrf_of(board.text)
        created = officer.post(
            "/grants/from-policy", data={"policy_id": POLICY_ID, "csrf_token": token}, follow_redirects=False
        )
        assert created.status_code == 303
        board = officer.get(f"/grants?policy_id={POLICY_ID}", headers=html)
        assert f"新生成资金记录 {matched.total} 笔" in board.text
        again = officer.post("/grants/from-policy", data={"policy_id": POLICY_ID, "csrf_token": token})
        assert f"已存在 {matched.total} 笔" in again.text  # idempotent

        # 5. The enterprise confirms its account (a bad one first).
        mine = winner.get("/me/policies", headers=html)
        assert "稳岗扩岗奖励（测试）" in mine.text
        assert "确认收款账户" in mine.text
        grant_id = int(mine.text.split('action="/me/policies/grants/', 1)[1].split("/", 1)[0])
        token = csrf_of(mine.text)
        bad = winner.post(
            f"/me/policies/grants/{grant_id}/confirm",
            data={"payee_account": "12ab", "payee_bank": "成都银行", "csrf_token": token},
        )
        assert bad.status_code == 422
        assert "收款银行账号应为 8 至 30 位数字" in bad.text
        good = winner.post(
            f"/me/policies/grants/{grant_id}/confirm",
            data={"payee_account": "6222000011112222", "payee_bank": "成都银行营业部", "csrf_token": token},
            follow_redirects=False,
        )
        assert good.status_code == 303
        # Another enterprise cannot confirm it.
        loser_token = csrf_of(loser.get("/me").text)
        stolen = loser.post(
            f"/me/policies/grants/{grant_id}/confirm",
            data={"payee_account": "6222000099998888", "payee_bank": "成都银行", "csrf_token": loser_token},
        )
        assert stolen.status_code == 404

        # 6. Approve, batch, download, import the bank's results.
        board = officer.get(f"/grants?policy_id={POLICY_ID}", headers=html)
        token = csrf_of(board.text)
        approved = officer.post(
            "/grants/approve", data={"policy_id": POLICY_ID, "csrf_token": token}, follow_redirects=False
        )
        assert approved.status_code == 303
        assert "审核通过 1 笔" in officer.get("/grants", headers=html).text
        batch = officer.post(
            "/grants/batches", data={"policy_id": POLICY_ID, "csrf_token": token}, follow_redirects=False
        )
        assert batch.status_code == 303
        batch_url = batch.headers["location"]
        instructions = officer.get(f"{batch_url}/instructions.csv")
        assert instructions.status_code == 200
        rows = list(csv.reader(io.StringIO(instructions.text)))
        header = rows[1]
        lines = [dict(zip(header, row, strict=True)) for row in rows[2:-1]]
        assert len(lines) == 1
        assert officer.get(f"{batch_url}/instructions.xml").text.startswith("<")
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["idempotency_key", "attempt", "status", "amount", "reference", "paid_on", "reason"])
        for line in lines:
            writer.writerow([line["idempotency_key"], line["attempt"], "paid", line["amount"], "BANK0001", "", ""])
        page = officer.get(batch_url, headers=html)
        files = {"file": ("results.csv", out.getvalue().encode(), "text/csv")}
        imported = officer.post(f"{batch_url}/results", data={"csrf_token": csrf_of(page.text)}, files=files)
        assert imported.status_code == 200
        assert "到账 1 笔" in imported.text
        repeated = officer.post(f"{batch_url}/results", data={"csrf_token": csrf_of(page.text)}, files=files)
        assert "重复回单 1 笔" in repeated.text  # never paid twice

        # 7. The enterprise sees the money and why it qualified; the other sees why not.
        mine = winner.get("/me/policies", headers=html)
        assert "已到账" in mine.text
        assert "BANK0001" in mine.text
        assert "为什么符合" in mine.text
        assert "上月参保职工达到门槛" in mine.text
        other = loser.get("/me/policies", headers=html)
        assert other.status_code == 200
        assert "未匹配的政策及原因" in other.text
        why_not = other.text.split('id="why-not"', 1)[1]
        assert "稳岗扩岗奖励（测试）" in why_not
        assert "要求" in why_not
        trace = loser.get(f"/me/policies/{POLICY_ID}/explain", headers={"hx-request": "true"})
        assert trace.status_code == 200
        assert "不符合" in trace.text

        # The public disclosure lists the paid enterprise.
        assert winner_code in officer.get("/grants/disclosure", headers=html).text
