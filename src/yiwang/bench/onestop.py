"""The ``onestop`` benchmark: 秒批 and 一件事 submissions over HTTP, and sustained application throughput.

Keys printed: ``instant_approval_p95_ms`` (POST ``/api/onestop/applications/{id}/submit`` of a 网约车驾驶员证
application: form check, fresh facts through the audited registry, every 秒批 rule traced, the workflow case
started, distributed and decided, the e-certificate signed and issued, the application closed — one request,
measured from request to the answer carrying the certificate), ``bundle_submit_p95_ms`` (submitting 开办餐饮店:
seven items, five departments, one case with seven parallel branches) and ``applications_per_s`` (start + submit
of 秒批 applications by ``CLIENTS`` concurrent applicants for ``seconds``). Latencies are measured one request at a
time on a live server over loopback, on a scratch database of the configured backend holding the real geo master
data, departments, catalogue and a signing key; the applicants are registry persons with a driving licence on
record and an enterprise, logging in with bearer tokens.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
import time
from decimal import Decimal
from typing import Any

import httpx

from yiwang.bench.harness import live_server, percentile, scratch_database
from yiwang.config import Settings

RIDE_HAILING = "510100-01-transport-002"
RESTAURANT = "yjs-restaurant"
USCC = "91510107MA6CAB1262"
DISTRICT, STREET = "510107", "510107001"
CLIENTS = 4
WARM_UP = 5
"""Requests not measured: the first ones warm imports, caches and the connection pool."""
RIDE_FORM = {"applicant_phone": "13900001111", "platform_company": "蓉城出行", "exam_passed": True}
BUNDLE_FORM: dict[str, Any] = {
    "agent_name": "张经办",
    "agent_phone": "13900003333",
    "enterprise_type": "有限责任公司",
    "registered_capital": 50,
    "business_scope": "餐饮服务；食品销售",
    "business_category": "热食类食品制售",
    "main_format": "餐饮服务经营者",
    "food_safety_manager": "刘食安",
    "business_area_m2": 120,
    "seal_types": ["单位公章", "发票专用章"],
    "accounting_method": "独立核算",
    "taxpayer_type": "小规模纳税人",
    "invoice_types": ["数电发票（普通发票）"],
    "bank_name": "成都银行武侯支行",
    "bank_account": "6228480402564890018",
    "first_month_employees": 6,
}


def run(
    settings: Settings, *, seconds: int = 60, instant: int = 100, bundles: int = 40, clients: int = CLIENTS
) -> dict[str, Any]:
    """Run on a scratch database of the configured backend; print nothing, return the result object."""
    with scratch_database(settings) as scratch:
        started = time.perf_counter()
        tokens = _prepare(scratch, drivers=clients + 1)
        setup_s = time.perf_counter() - started
        with live_server(scratch) as base:
            driver = _client(base, tokens["driver.0"])
            instant_ms = [
                latency
                for position in range(instant + WARM_UP)
                if (latency := _instant_once(driver)) is not None and position >= WARM_UP
            ]
            agent = _client(base, tokens["agent"])
            bundle_ms = [_bundle_once(agent, tokens["representative"]) for _ in range(bundles + WARM_UP)][WARM_UP:]
            driver.close()
            agent.close()
            completed, elapsed, errors = _sustained(base, [tokens[f"driver.{i + 1}"] for i in range(clients)], seconds)
    backend = "postgresql" if settings.database_url.startswith("postgresql") else "sqlite"
    return {
        "area": "onestop",
        "database": backend,
        "setup_s": round(setup_s, 1),
        "instant_approvals": len(instant_ms),
        "instant_approval_p50_ms": round(percentile(instant_ms, 50), 1),
        "instant_approval_p95_ms": round(percentile(instant_ms, 95), 1),
        "bundle_submits": len(bundle_ms),
        "bundle_submit_p50_ms": round(percentile(bundle_ms, 50), 1),
        "bundle_submit_p95_ms": round(percentile(bundle_ms, 95), 1),
        "sustained_clients": clients,
        "sustained_s": round(elapsed, 1),
        "applications_completed": completed,
        "applications_per_s": round(completed / elapsed, 2) if elapsed else None,
        "sustained_errors": errors,
    }


def _client(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"})


def _start(client: httpx.Client, **body: str) -> dict[str, Any]:
    response = client.post("/api/onestop/applications", json=body)
    response.raise_for_status()
    started: dict[str, Any] = response.json()
    return started


def _instant_once(client: httpx.Client) -> float | None:
    """Start (not measured) and submit a 秒批 application; the submit's latency, checked to carry a certificate."""
    draft = _start(client, item_code=RIDE_HAILING)
    t0 = time.perf_counter()
    response = client.post(f"/api/onestop/applications/{draft['id']}/submit", json={"form_data": RIDE_FORM})
    elapsed = (time.perf_counter() - t0) * 1000
    response.raise_for_status()
    done = response.json()
    if done["status"] != "completed" or not done["certificates"]:
        msg = f"秒批未办结：{done['status']} {done['item_rows'][0]['decision_reason']}"
        raise RuntimeError(msg)
    return elapsed


def _bundle_once(client: httpx.Client, representative: str) -> float:
    draft = _start(client, bundle_code=RESTAURANT)
    form = {**BUNDLE_FORM, "legal_representative": _name(0), "legal_rep_id_number": representative}
    form |= draft["form_data"]
    t0 = time.perf_counter()
    response = client.post(f"/api/onestop/applications/{draft['id']}/submit", json={"form_data": form})
    elapsed = (time.perf_counter() - t0) * 1000
    if response.status_code != httpx.codes.OK:
        raise RuntimeError(f"一件事提交失败（{response.status_code}）：{response.text[:500]}")
    if response.json()["status"] != "submitted":
        raise RuntimeError(f"一件事提交失败：{response.json()['status']}")
    return elapsed


def _sustained(base: str, tokens: list[str], seconds: int) -> tuple[int, float, int]:
    """``len(tokens)`` applicants start and submit 秒批 applications until ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    counts = [0] * len(tokens)
    errors = [0] * len(tokens)

    def work(position: int, token: str) -> None:
        with _client(base, token) as client:
            while time.monotonic() < deadline:
                try:
                    _instant_once(client)
                except (httpx.HTTPError, RuntimeError):
                    errors[position] += 1
                else:
                    counts[position] += 1

    threads = [threading.Thread(target=work, args=(i, t), daemon=True) for i, t in enumerate(tokens)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts), time.perf_counter() - started, sum(errors)


# --- the scratch city -----------------------------------------------------------------------------------------------


GIVEN_NAMES = "建国 建军 建华 建平 建新 建明 建伟 建林 建忠 建勇 建成 建波"


def _name(position: int) -> str:
    """A driver's name (the registry accepts only Chinese characters, letters, spaces and ·)."""
    names = GIVEN_NAMES.split()
    return (
        "王" + names[position % len(names)] + ("" if position < len(names) else "甲乙丙丁"[position // len(names) % 4])
    )


def _driver_id(position: int) -> str:
    from yiwang.kernel.identifiers import id_check_char  # noqa: PLC0415 - only the setup needs it

    body = f"51010719880512{position + 101:03d}"
    return body + id_check_char(body)


def _prepare(settings: Settings, *, drivers: int) -> dict[str, str]:
    """Master data, departments, catalogue, signing key; drivers with a licence on record, an enterprise; tokens."""
    from yiwang.catalogue import services as catalogue  # noqa: PLC0415 - imported when the benchmark runs
    from yiwang.certs import services as certs  # noqa: PLC0415
    from yiwang.db import make_engine, make_session_factory  # noqa: PLC0415
    from yiwang.geo import services as geo  # noqa: PLC0415
    from yiwang.identity import services as identity  # noqa: PLC0415
    from yiwang.identity.schemas import AccountCreate  # noqa: PLC0415
    from yiwang.identity.scopes import Role  # noqa: PLC0415
    from yiwang.kernel.actor import SYSTEM_ACTOR  # noqa: PLC0415
    from yiwang.registry import services as registry  # noqa: PLC0415
    from yiwang.registry.schemas import EnterpriseCreate, PersonCreate  # noqa: PLC0415

    engine = make_engine(settings.database_url)
    tokens: dict[str, str] = {}
    try:
        with make_session_factory(engine)() as session:
            geo.load_master_data(session, settings=settings)
            registry.load_departments(session)
            catalogue.load_catalogue(session, actor=SYSTEM_ACTOR)
            certs.ensure_signing_key(session, settings=settings)
            numbers = [_driver_id(i) for i in range(drivers)]
            for position, number in enumerate(numbers):
                registry.create_person(
                    session,
                    data=PersonCreate(
                        name=_name(position),
                        id_number=number,
                        household_address=f"成都市武侯区洗面桥街{position + 1}号",
                        household_district_code=DISTRICT,
                        household_street_code=STREET,
                        phone="13812345678",
                    ),
                )
            registry.create_enterprise(
                session,
                data=EnterpriseCreate(
                    uscc=USCC,
                    name="成都锦程餐饮管理有限公司",
                    entity_type="有限责任公司",
                    legal_representative=_name(0),
                    legal_representative_id=numbers[0],
                    industry_section="H",
                    industry_division="62",
                    registered_capital=Decimal(100),
                    founded_on=dt.date(2015, 6, 1),
                    district_code=DISTRICT,
                    street_code=STREET,
                    address="成都市武侯区浆洗街街道洗面桥街8号",
                ),
            )
            _licences(session, numbers)
            for position, number in enumerate(numbers):
                name = f"bench.driver{position}"
                identity.create_account(
                    session,
                    actor=SYSTEM_ACTOR,
                    data=AccountCreate(username=name, display_name=name, role=Role.CITIZEN, person_id_number=number),
                )
                token = identity.create_api_token(session, actor=SYSTEM_ACTOR, username=name, name="benchmark")
                tokens[f"driver.{position}"] = token.access_token
            identity.create_account(
                session,
                actor=SYSTEM_ACTOR,
                data=AccountCreate(
                    username="bench.agent", display_name="bench.agent", role=Role.ENTERPRISE_AGENT, enterprise_uscc=USCC
                ),
            )
            tokens["agent"] = identity.create_api_token(
                session, actor=SYSTEM_ACTOR, username="bench.agent", name="benchmark"
            ).access_token
            tokens["representative"] = numbers[0]
    finally:
        engine.dispose()
    return tokens


def _licences(session: Any, numbers: list[str]) -> None:
    """The police's records: every driver has held a driving licence since 2015."""
    from yiwang.kernel.actor import SYSTEM_ACTOR  # noqa: PLC0415
    from yiwang.registry import services as registry  # noqa: PLC0415

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["公民身份号码", "证照类型", "证照编号", "持证主体", "发证机关", "发证日期", "有效期至"])
    for position, number in enumerate(numbers):
        writer.writerow(
            [
                number,
                "机动车驾驶证",
                f"DL{number[-8:]}",
                _name(position),
                "成都市公安局交通管理局",
                "2015-03-01",
                "2031-03-01",
            ]
        )
    report = registry.import_records(
        session,
        kind="certificate",
        data=buffer.getvalue().encode("utf-8"),
        filename="bench-licences.csv",
        owner_department="police",
        actor=SYSTEM_ACTOR,
    )
    if report.inserted != len(numbers):
        raise RuntimeError(f"驾驶证记录导入失败：{report}")
