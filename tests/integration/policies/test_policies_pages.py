"""政策直达 pages over HTTP on the seeded city: list and filters, authoring with validation errors, simulation with
what-if and the publish refusal, roles and scope (403/404), and an enterprise's "my policies"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from yiwang.app import create_app
from yiwang.kernel.actor import SYSTEM_ACTOR, Actor
from yiwang.policies import services
from yiwang.web import deps as web_deps

HTML = {"accept": "text/html"}
HRSS = Actor(id="staff.hrss", department="hrss", role="department_staff", roles=frozenset({"department_staff"}))
ECON = Actor(id="staff.econ", department="econ", role="department_staff", roles=frozenset({"department_staff"}))
LEADER = Actor(id="leader.city", department=None, role="leader", roles=frozenset({"leader"}))
DRAFT = (services.DATA_DIR / "hrss-retention-training-subsidy.yaml").read_text(encoding="utf-8")


def agent(code: str) -> Actor:
    return Actor(
        id="agent.x",
        department=None,
        role="enterprise_agent",
        roles=frozenset({"enterprise_agent"}),
        enterprise_uscc=code,
    )


class As:
    def __init__(self, client: TestClient, holder: dict[str, Actor]) -> None:
        self.client = client
        self.holder = holder

    def __call__(self, actor: Actor) -> TestClient:
        self.holder["actor"] = actor
        return self.client


@pytest.fixture
def acting(settings) -> Iterator[As]:
    app = create_app(settings)
    holder = {"actor": HRSS}
    app.dependency_overrides[web_deps.get_actor] = lambda: holder["actor"]
    app.dependency_overrides[web_deps.get_optional_actor] = lambda: holder["actor"]
    with TestClient(app) as client:
        yield As(client, holder)
    app.state.engine.dispose()


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_list_filters_and_role_links(session, acting) -> None:
    services.publish_shipped(session, actor=SYSTEM_ACTOR)
    client = acting(HRSS)
    page = client.get("/policies", headers=HTML)
    assert page.status_code == 200
    assert page.text.count("data-policy=") == len(services.shipped_policy_files())
    assert "新建政策" in page.text
    only = client.get("/policies?department=hrss&subject=person", headers=HTML)
    assert only.text.count("data-policy=") == 1
    assert "高校毕业生生活补贴" in only.text
    assert client.get("/policies?q=升规", headers=HTML).text.count("data-policy=") == 3
    as_agent = acting(agent("91510100MA0000001X")).get("/policies", headers=HTML)
    assert "我的政策" in as_agent.text
    assert "新建政策" not in as_agent.text


def test_authoring_validation_errors_and_scope(session, acting) -> None:
    client = acting(HRSS)
    page = client.get("/policies/new", headers=HTML)
    assert page.status_code == 200
    token = _csrf(page.text)
    wrong = DRAFT.replace("latest(insured_employees)", "latest(insured_staff)")
    refused = client.post("/policies/new", data={"source": wrong, "intent": "validate", "csrf_token": token})
    assert refused.status_code == 422
    assert "insured_staff" in refused.text
    assert "第 " in refused.text
    assert "行" in refused.text
    broken = client.post("/policies/new", data={"source": "id: [", "intent": "validate", "csrf_token": token})
    assert broken.status_code == 422
    assert "policy-issues" in broken.text
    ok = client.post("/policies/new", data={"source": DRAFT, "intent": "validate", "csrf_token": token})
    assert ok.status_code == 200
    assert "校验通过" in ok.text
    saved = client.post(
        "/policies/new", data={"source": DRAFT, "intent": "save", "csrf_token": token}, follow_redirects=False
    )
    assert saved.status_code == 303
    policy_id = "hrss-retention-training-subsidy"
    # Drafts and writes stay in the funding department (others: 404); an agent cannot author (403).
    assert acting(ECON).get(f"/policies/{policy_id}", headers=HTML).status_code == 404
    assert acting(agent("91510100MA0000001X")).get("/policies/new", headers=HTML).status_code == 403
    other = acting(ECON).post("/policies/new", data={"source": DRAFT, "intent": "save", "csrf_token": token})
    assert other.status_code == 404  # another department's policy is out of scope
    # Saving a text under another policy's page is refused with the reason.
    client = acting(HRSS)
    mismatch = client.post(
        f"/policies/{policy_id}",
        data={"source": DRAFT.replace(f"id: {policy_id}", "id: hrss-other-one"), "csrf_token": token},
    )
    assert mismatch.status_code == 422
    assert "不一致" in mismatch.text


def test_simulation_what_if_and_publish_refusal(session, acting) -> None:
    source = DRAFT.replace("budget: 80000000", "budget: 1000")
    draft = services.save_policy(session, actor=SYSTEM_ACTOR, source=source)
    client = acting(HRSS)
    url = f"/policies/{draft.policy_id}/simulate?version={draft.version}"
    page = client.get(url, headers=HTML)
    assert page.status_code == 200
    for chart in ("chart-district", "chart-industry", "chart-size", "chart-year"):
        assert chart in page.text
    assert "超出预算" in page.text
    bad = client.get(url + "&p_per_head=abc", headers=HTML)
    assert bad.status_code == 422
    assert "应为数字" in bad.text
    cheaper = client.get(url + "&p_per_head=0", headers=HTML)
    assert cheaper.status_code == 200
    assert "预算内" in cheaper.text
    token = _csrf(page.text)
    publish = f"/policies/{draft.policy_id}/versions/{draft.version}/publish"
    refused = client.post(publish, data={"budget_rule": "refuse", "csrf_token": token})
    assert refused.status_code == 422
    assert "不予发布" in refused.text
    assert acting(ECON).post(publish, data={"budget_rule": "pro_rata", "csrf_token": token}).status_code == 404
    done = acting(HRSS).post(publish, data={"budget_rule": "pro_rata", "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    detail = client.get(f"/policies/{draft.policy_id}", headers=HTML)
    assert "按比例核减" in detail.text
    assert "policy-matches" in detail.text
    # A leader reads the published policy; the publish form is gone.
    simulated = acting(LEADER).get(url, headers=HTML)
    assert simulated.status_code == 200
    assert "publish-form" not in simulated.text


def test_my_policies_shows_matches_and_why_not(session, acting) -> None:
    services.publish_shipped(session, actor=SYSTEM_ACTOR)
    services.run_matching(session)
    winner = services.policy_matches(
        session, actor=SYSTEM_ACTOR, policy_id="hrss-retention-training-subsidy", page_size=1
    ).items[0]
    page = acting(agent(winner.subject_code)).get("/me/policies", headers=HTML)
    assert page.status_code == 200
    matched = page.text.split('id="matched"', 1)[1].split('id="why-not"', 1)[0]
    assert "中小微企业一次性留工培训补助" in matched
    assert "为什么符合" in matched
    why_not = page.text.split('id="why-not"', 1)[1]
    assert "不符合" in why_not
    assert "要求" in why_not
    fragment = acting(agent(winner.subject_code)).get(
        "/me/policies/cd-first-upscale-industry/explain", headers={"hx-request": "true"}
    )
    assert fragment.status_code == 200
    assert "pol-trace" in fragment.text
    # Staff have no "my policies" of their own: a pointer to the policy list instead.
    staff_page = acting(HRSS).get("/me/policies", headers=HTML)
    assert staff_page.status_code == 200
    assert "面向企业经办人和市民" in staff_page.text
    assert acting(HRSS).get("/policies/mine", follow_redirects=False).headers["location"] == "/me/policies"
