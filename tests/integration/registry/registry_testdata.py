"""Registry test data: a template database with Chengdu's divisions, the departments and a small synthetic city.

``prepare_registry`` builds the template the registry conftest clones for every test. The sample files
shipped in ``registry/data/samples`` register the enterprises and
persons (through the real importer), then a few records of every kind are added for one enterprise and one
person so profiles have something to group.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.geo import services as geo_services
from yiwang.registry import models, rules, services

SAMPLES = Path(services.SAMPLES_DIR)
RICH_USCC = "91510107MA6DEMA184"  # 成都蓉城示例餐饮管理有限公司
OTHER_USCC = "91510104MA6DEMB22W"  # 成都锦江示例信息科技有限公司
PERSON_ID = "510107198506120314"  # 张示例
TODAY = rules.city_today()


def _records(session: Session) -> None:
    base = {"subject_kind": "enterprise", "subject_code": RICH_USCC, "synthetic": True}
    session.execute(
        insert(models.Licence),
        [
            {
                **base,
                "owner_department": "market",
                "source_system": "市场监管综合业务系统",
                "licence_type": "食品经营许可证",
                "licence_number": "JY-TEST-EXPIRING",
                "issuing_authority": "成都市武侯区市场监督管理局",
                "issued_on": TODAY - dt.timedelta(days=1800),
                "valid_from": TODAY - dt.timedelta(days=1800),
                "valid_to": TODAY + dt.timedelta(days=10),
            },
            {
                **base,
                "owner_department": "health",
                "source_system": "卫生监督信息系统",
                "licence_type": "公共场所卫生许可证",
                "licence_number": "WS-TEST-EXPIRED",
                "issuing_authority": "成都市武侯区卫生健康局",
                "issued_on": TODAY - dt.timedelta(days=1500),
                "valid_from": TODAY - dt.timedelta(days=1500),
                "valid_to": TODAY - dt.timedelta(days=5),
            },
        ],
    )
    session.execute(
        insert(models.TaxRecord),
        [
            {
                **base,
                "owner_department": "tax",
                "source_system": "金税系统",
                "year": TODAY.year - offset,
                "revenue": Decimal(3_000_000 + 500_000 * offset),
                "tax_paid": Decimal(120_000),
                "arrears": Decimal(0),
                "credit_grade": "A",
            }
            for offset in (1, 2, 3)
        ],
    )
    first = TODAY.replace(day=1)
    periods = [(first - dt.timedelta(days=31 * n)).replace(day=1) for n in range(1, 7)]
    session.execute(
        insert(models.SocialInsuranceRecord),
        [
            {**base, "owner_department": "hrss", "source_system": "社保系统", "period": p, "insured_employees": 30 + i}
            for i, p in enumerate(periods)
        ],
    )
    session.execute(
        insert(models.HousingFundRecord),
        [
            {
                **base,
                "owner_department": "hfund",
                "source_system": "公积金系统",
                "period": p,
                "depositing_employees": 20 + i,
                "amount": Decimal(15000),
            }
            for i, p in enumerate(periods)
        ],
    )
    session.execute(
        insert(models.AbnormalOperation),
        [
            {
                **base,
                "owner_department": "market",
                "source_system": "国家企业信用信息公示系统（四川）",
                "listed_on": TODAY - dt.timedelta(days=200),
                "reason": "未按规定期限公示年度报告",
                "listing_authority": "成都市武侯区市场监督管理局",
            }
        ],
    )
    session.execute(
        insert(models.Certificate),
        [
            {
                "subject_kind": "person",
                "subject_code": PERSON_ID,
                "synthetic": True,
                "owner_department": "police",
                "source_system": "人口信息系统",
                "cert_type": "居民身份证",
                "cert_number": PERSON_ID,
                "holder_name": "张示例",
                "issuing_authority": "成都市公安局武侯区分局",
                "issued_on": dt.date(2015, 6, 1),
                "valid_to": dt.date(2035, 6, 1),
            }
        ],
    )
    session.commit()


def prepare_registry(url: str) -> None:
    """Load divisions, departments, the sample enterprises/persons/penalties/licences and extra records."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            geo_services.load_master_data(session, settings=Settings(database_url=url, grid_cell_m=20000))
            services.load_departments(session)
            for kind, name in (
                ("enterprise", "enterprises_sample.csv"),
                ("person", "persons_sample.csv"),
                ("penalty", "penalties_valid.csv"),
                ("licence", "licences_valid.xlsx"),
            ):
                report = services.import_records(session, kind=kind, data=SAMPLES / name)
                assert report.valid, report.errors
            _records(session)
    finally:
        engine.dispose()
