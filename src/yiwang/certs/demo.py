"""certs: demo data for ``yiwang demo`` and the browser tests (idempotent).

Makes sure a signing key exists, then issues four certificates to the demo holders (the enterprise of
``agent.demo`` and its legal representative, who is ``citizen.demo``): a valid 营业执照 and 社会保障卡, an expired
道路运输经营许可证 and a revoked 网约车驾驶员证, so every verdict of the verification page can be shown.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yiwang.certs import services
from yiwang.certs.models import Certificate
from yiwang.certs.schemas import CertificateIssue, HolderKind
from yiwang.config import Settings
from yiwang.kernel.actor import Actor

DEMO_ACTOR = Actor(
    id="system",
    department="cityops",
    role="platform_admin",
    display_name="演示数据",
    roles=frozenset({"platform_admin"}),
)
"""Issues the demo certificates; reading the representative's clear ID number is audited under this identity."""
DEMO_KEY_PREFIX = "demo:certs:"


def prepare(session: Session, *, settings: Settings) -> str | None:
    """Create this context's demo data if absent; return one line for the demo's console (or None)."""
    key = services.ensure_signing_key(session, settings=settings)
    existing = session.scalar(
        select(func.count()).select_from(Certificate).where(Certificate.idempotency_key.like(f"{DEMO_KEY_PREFIX}%"))
    )
    if existing:
        return f"电子证照：签名密钥 {key.kid[:8]}…，演示证照 {existing} 份已存在 / e-certificates ready"
    holders = _holders(session)
    if holders is None:
        return "电子证照：签名密钥已就绪；没有企业数据，未签发演示证照 / signing key ready, no demo holders"
    uscc, enterprise_name, id_number, person_name = holders
    today = dt.datetime.now(services.CHINA_TZ).date()
    issued = [
        _issue(
            session,
            settings,
            "business_licence",
            HolderKind.ENTERPRISE,
            uscc,
            enterprise_name,
            "market",
            {"类型": "有限责任公司", "法定代表人": person_name or "—", "登记机关": "成都市市场监督管理局"},
            valid_from=today - dt.timedelta(days=400),
        ),
        _issue(
            session,
            settings,
            "road_transport_permit",
            HolderKind.ENTERPRISE,
            uscc,
            enterprise_name,
            "transport",
            {"经营范围": "道路普通货物运输", "许可证号": "川交运管许可成字510100000123号"},
            valid_from=dt.date(today.year - 5, 1, 1),
        ),
    ]
    if id_number and person_name:
        issued.append(
            _issue(
                session,
                settings,
                "social_security_card",
                HolderKind.PERSON,
                id_number,
                person_name,
                "hrss",
                {"社会保障号码": "（同公民身份号码）", "卡号": "S51010012345", "发卡日期": today.isoformat()},
                valid_from=today - dt.timedelta(days=30),
            )
        )
        driver = _issue(
            session,
            settings,
            "ride_hailing_driver_licence",
            HolderKind.PERSON,
            id_number,
            person_name,
            "transport",
            {"准驾车型": "C1", "服务平台": "（演示）"},
            valid_from=today - dt.timedelta(days=60),
        )
        services.revoke(
            session,
            actor=DEMO_ACTOR,
            certificate_id=driver,
            reason="演示：告知承诺核查发现驾驶员背景不符合条件",
            settings=settings,
        )
        issued.append(driver)
    return f"电子证照：签名密钥 {key.kid[:8]}…，签发演示证照 {len(issued)} 份 / e-certificates issued"


def _issue(  # noqa: PLR0917 - one demo certificate per call
    session: Session,
    settings: Settings,
    cert_type: str,
    holder_kind: HolderKind,
    holder_id: str,
    holder_name: str,
    department: str,
    data: dict[str, str],
    *,
    valid_from: dt.date,
) -> int:
    item = services.issue_certificate(
        session,
        actor=DEMO_ACTOR,
        data=CertificateIssue(
            cert_type=cert_type,
            holder_kind=holder_kind,
            holder_id=holder_id,
            holder_name=holder_name,
            issuing_department=department,
            district_code="510107",
            data=data,
            valid_from=valid_from,
            source_ref="demo",
            idempotency_key=f"{DEMO_KEY_PREFIX}{cert_type}:{holder_id}",
        ),
        settings=settings,
    )
    return item.id


def _holders(session: Session) -> tuple[str, str, str | None, str | None] | None:
    """The first enterprise (``agent.demo``'s) and its legal representative (``citizen.demo``), clear text."""
    from yiwang.registry import services as registry_services  # noqa: PLC0415 - heavy, demo only

    enterprises = registry_services.search_enterprises(session, page_size=1).items
    if not enterprises:
        return None
    enterprise = enterprises[0]
    persons = registry_services.search_persons(session, q=enterprise.legal_representative, page_size=1).items
    if not persons:
        return enterprise.uscc, enterprise.name, None, None
    profile = registry_services.get_person_profile_by_ref(
        session,
        actor=DEMO_ACTOR,
        ref=persons[0].ref,
        purpose="签发演示电子证照",
        unmask=True,
        unmask_purpose="签发演示电子证照：持证人身份号码和姓名",
    )
    return enterprise.uscc, enterprise.name, profile.person.id_number, profile.person.name
