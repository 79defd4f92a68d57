"""Helpers of the e-certificate tests: valid identifiers, actors by role, an issue request, the actor switch."""

from __future__ import annotations

from typing import Any

from yiwang.kernel.actor import Actor
from yiwang.kernel.identifiers import id_check_char, org_code_check_char, uscc_check_char
from yiwang.web import deps as web_deps


def citizen_id(serial: int) -> str:
    """A valid 公民身份号码 born in 锦江区 in 1990."""
    body = f"51010419900307{serial:03d}"
    return body + id_check_char(body)


def uscc(serial: int) -> str:
    """A valid 统一社会信用代码 registered in Chengdu."""
    org = f"MA6{serial:05d}"
    body = "91510100" + org + org_code_check_char(org)
    return body + uscc_check_char(body)


PERSON_A, PERSON_B = citizen_id(1), citizen_id(2)
ENTERPRISE_A = uscc(1)


def actor(kind: str, **scope: Any) -> Actor:
    """Test actors by role."""
    roles = {
        "admin": ("platform_admin", "cityops"),
        "market": ("department_staff", "market"),
        "health": ("department_staff", "health"),
        "citizen": ("citizen", None),
        "agent": ("enterprise_agent", None),
    }
    role, department = roles[kind]
    return Actor(
        id=f"{kind}-{scope.get('person_id_number') or scope.get('enterprise_uscc') or 'x'}",
        department=department,
        role=role,
        display_name=kind,
        roles=frozenset({role}),
        **scope,
    )


ADMIN = actor("admin")
MARKET = actor("market")
HEALTH = actor("health")
CITIZEN_A = actor("citizen", person_id_number=PERSON_A)
CITIZEN_B = actor("citizen", person_id_number=PERSON_B)
AGENT_A = actor("agent", enterprise_uscc=ENTERPRISE_A)


def issue_body(**overrides: Any) -> dict[str, Any]:
    """A valid 营业执照 request for ENTERPRISE_A."""
    body: dict[str, Any] = {
        "cert_type": "business_licence",
        "holder_kind": "enterprise",
        "holder_id": ENTERPRISE_A,
        "holder_name": "成都蓉城餐饮有限公司",
        "issuing_department": "market",
        "district_code": "510104",
        "data": {"类型": "有限责任公司", "注册资本": "100万元", "法定代表人": "张三"},
    }
    body.update(overrides)
    return body


class ActorSwitch:
    """Who the app believes is calling (None: nobody logged in)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, who: Actor | None) -> None:
        if who is None:
            self.app.dependency_overrides.pop(web_deps.get_actor, None)
            self.app.dependency_overrides.pop(web_deps.get_optional_actor, None)
            return
        self.app.dependency_overrides[web_deps.get_actor] = lambda: who
        self.app.dependency_overrides[web_deps.get_optional_actor] = lambda: who
