"""The ``backbone`` benchmark: seeding the demo city, enterprise-profile lookups over HTTP, audit-chain verification.

Keys printed: ``seed_demo_s`` (seed_demo into a fresh database of the configured kind, master data included),
``registry_lookup_p95_ms`` (GET ``/api/registry/enterprises/{uscc}``: the 一企一档 profile with every department's
records, read through the audited access layer, over real HTTP on loopback), ``audit_verify_s`` (one full
verification of the hash chain holding ``audit_rows`` entries).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from yiwang.bench.harness import bearer_token, live_server, percentile, scratch_database
from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory, transaction
from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.registry.models import Enterprise
from yiwang.seed import services as seed_services
from yiwang.sharing import services as sharing_services


@dataclass(frozen=True, slots=True)
class BackboneOptions:
    """Sizes of one run."""

    seed: int = 20261128
    persons: int = 50_000
    enterprises: int = 10_000
    lookups: int = 300
    audit_rows: int = 100_000


def run(settings: Settings, options: BackboneOptions) -> dict[str, Any]:
    """Run the benchmark on a scratch database of the configured backend; return the result object."""
    with scratch_database(settings) as scratch:
        started = time.perf_counter()
        seed_services.seed_demo(
            scratch, seed=options.seed, persons=options.persons, enterprises=options.enterprises, progress=False
        )
        seed_demo_s = time.perf_counter() - started

        engine = make_engine(scratch.database_url)
        factory = make_session_factory(engine)
        with transaction(factory) as session:
            codes = list(session.scalars(select(Enterprise.uscc).order_by(Enterprise.id)))
        rng = random.Random(options.seed)
        sample = [rng.choice(codes) for _ in range(options.lookups)]

        # A market-regulation officer reading 一企一档: a realistic cross-department reader (audited per department).
        token = bearer_token(scratch, username="bench.market", role="department_staff", department_code="market")
        latencies: list[float] = []
        headers = {"Authorization": f"Bearer {token}"}
        with live_server(scratch) as base, httpx.Client(base_url=base, timeout=30, headers=headers) as client:
            for uscc in sample[:20]:  # warm-up: imports, caches, connection pool
                client.get(f"/api/registry/enterprises/{uscc}").raise_for_status()
            for uscc in sample:
                t0 = time.perf_counter()
                client.get(f"/api/registry/enterprises/{uscc}").raise_for_status()
                latencies.append((time.perf_counter() - t0) * 1000)

        _fill_audit_log(factory, codes, options.audit_rows, rng)
        with transaction(factory) as session:
            t0 = time.perf_counter()
            result = sharing_services.verify_chain(session)
            audit_verify_s = time.perf_counter() - t0
        engine.dispose()
        if not result.ok:
            raise RuntimeError(f"审计哈希链校验失败：{result.reason}")

    backend = "postgresql" if settings.database_url.startswith("postgresql") else "sqlite"
    return {
        "area": "backbone",
        "database": backend,
        "persons": options.persons,
        "enterprises": options.enterprises,
        "seed_demo_s": round(seed_demo_s, 2),
        "lookups": len(latencies),
        "registry_lookup_p50_ms": round(percentile(latencies, 50), 2),
        "registry_lookup_p95_ms": round(percentile(latencies, 95), 2),
        "audit_rows": result.checked,
        "audit_verify_s": round(audit_verify_s, 3),
    }


def _fill_audit_log(factory: Any, codes: list[str], target: int, rng: random.Random) -> None:
    """Append audit entries through the real access layer until the chain holds ``target`` rows."""
    departments = ["tax", "hrss", "market", "hfund", "ecoenv", "police", "ndrc", "housing"]
    with transaction(factory) as session:
        existing = sharing_services.list_entries(session, page=1, page_size=1).total
    remaining = max(0, target - existing)
    batch = 2_000
    while remaining > 0:
        size = min(batch, remaining)
        requests = [
            sharing_services.AccessRequest(
                source_department=rng.choice(departments),
                subject_kind="enterprise",
                subject_code=rng.choice(codes),
                record_kind="tax",
                fields=("year", "revenue", "tax_paid"),
            )
            for _ in range(size)
        ]
        with transaction(factory) as session:
            sharing_services.record_access(
                session,
                actor=SYSTEM_ACTOR,
                requests=requests,
                purpose="基准测试：批量核验",
                legal_basis="《政务数据共享管理办法》",
            )
        remaining -= size
