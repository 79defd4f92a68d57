"""Imports: every row checked against the database; all rows written in one transaction, or none."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook
from registry_testdata import OTHER_USCC, RICH_USCC, SAMPLES
from sqlalchemy import func, select

from yiwang.kernel.errors import ValidationError
from yiwang.registry import models, services
from yiwang.registry.models import RECORD_MODELS, Enterprise, Penalty, Person

HEADER = "行政相对人名称,统一社会信用代码,行政处罚决定书文号,违法行为类型,处罚类别,罚款金额（元）,处罚决定日期,处罚机关"


def counts(session):
    tables = [Person, Enterprise, *RECORD_MODELS.values()]
    return {model.__tablename__: session.scalar(select(func.count()).select_from(model)) for model in tables}


def csv_text(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def penalty_csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def test_failed_import_leaves_the_database_unchanged(session):
    before = counts(session)
    report = services.import_records(session, kind="penalty", data=SAMPLES / "penalties_with_errors.csv")
    assert not report.valid
    assert report.inserted == 0
    assert report.encoding == "gb18030"
    assert report.total_rows == 6
    assert report.valid_rows == 1
    assert counts(session) == before
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert messages[(4, "统一社会信用代码")] == "统一社会信用代码校验码错误：最后一位应为 W，实际为 X"
    assert messages[(6, "行政处罚决定书文号")] == "与第 3 行重复（行政处罚决定书文号相同）"
    assert "与该代码登记的名称“成都锦江示例信息科技有限公司”不一致" in messages[(7, "行政相对人名称")]
    assert messages[(8, "数据来源单位")] == "数据来源单位“市示例局”不在部门目录中"
    assert [e.row for e in report.errors] == sorted(e.row for e in report.errors)


def test_valid_csv_is_written_with_owner_and_provenance(session):
    report = services.import_records(
        session,
        kind="penalty",
        data=penalty_csv(
            f"成都蓉城示例餐饮管理有限公司,{RICH_USCC},成武市监罚〔2025〕301号,违法,罚款,3000,2025-05-01,成都市武侯区市场监督管理局",
            f"成都锦江示例信息科技有限公司,{OTHER_USCC},成锦市监罚〔2025〕302号,违法,警告,,2025-05-02,成都市锦江区市场监督管理局",
        ),
        filename="market_2025.csv",
        owner_department="market",
    )
    assert report.valid, report.errors
    assert (report.inserted, report.owner_department) == (2, "market")
    stored = session.scalar(select(Penalty).where(Penalty.decision_number == "成武市监罚〔2025〕301号"))
    assert stored.owner_department == "market"
    assert stored.subject_kind == "enterprise"
    assert stored.fine_amount == Decimal("3000.00")
    assert stored.source_system == "文件导入：market_2025.csv"
    assert stored.synthetic is False
    second = session.scalar(select(Penalty).where(Penalty.decision_number == "成锦市监罚〔2025〕302号"))
    assert second.fine_amount == Decimal(0)
    assert second.facts == ""


def test_duplicates_against_the_database_and_unknown_subjects(session):
    before = counts(session)
    report = services.import_records(
        session,
        kind="penalty",
        data=penalty_csv(
            f"成都蓉城示例餐饮管理有限公司,{RICH_USCC},成武市监罚〔2025〕101号,违法,罚款,1,2025-05-01,局",
            "某公司,91510107MA6CAB1262,新文号,违法,罚款,1,2025-05-01,局",
        ),
        owner_department="market",
    )
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert messages[(2, "行政处罚决定书文号")] == "行政处罚决定书文号已存在于数据库中，不能重复导入"
    assert messages[(3, "统一社会信用代码")] == "91510107MA6CAB1262 对应的市场主体不存在（请先登记或导入市场主体）"
    assert counts(session) == before


def test_department_is_required_for_kinds_without_a_default(session):
    report = services.import_records(
        session,
        kind="penalty",
        data=penalty_csv(f"成都蓉城示例餐饮管理有限公司,{RICH_USCC},新文号1,违法,罚款,1,2025-05-01,局"),
    )
    assert [e.message for e in report.errors] == [
        "未指定数据来源单位：请在导入时选择部门，或在文件中填写“数据来源单位”列"
    ]
    with pytest.raises(ValidationError, match="部门代码 nosuch 不在部门目录中"):
        services.import_records(session, kind="penalty", data=penalty_csv(), owner_department="nosuch")


def test_dry_run_checks_but_writes_nothing(session):
    before = counts(session)
    report = services.import_records(
        session,
        kind="penalty",
        data=penalty_csv(f"成都蓉城示例餐饮管理有限公司,{RICH_USCC},新文号2,违法,罚款,1,2025-05-01,局"),
        owner_department="market",
        dry_run=True,
    )
    assert report.valid
    assert report.dry_run
    assert report.inserted == 0
    assert counts(session) == before


def test_xlsx_import_of_tax_records_with_default_department(session):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["纳税人名称", "统一社会信用代码", "年度", "营业收入（万元）", "纳税额（元）", "纳税信用级别"])
    sheet.append(["成都锦江示例信息科技有限公司", OTHER_USCC, 2023, 1200.5, 88000, "B"])
    sheet.append(["成都锦江示例信息科技有限公司", OTHER_USCC, 2024, 1500, 99000, "A"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = services.import_records(session, kind="tax", data=buffer.getvalue(), filename="tax.xlsx")
    assert report.valid, report.errors
    assert report.file_type == "xlsx"
    rows = session.scalars(select(models.TaxRecord).where(models.TaxRecord.subject_code == OTHER_USCC)).all()
    assert {(r.year, r.revenue, r.owner_department) for r in rows} == {
        (2023, Decimal("12005000.00"), "tax"),
        (2024, Decimal("15000000.00"), "tax"),
    }
    again = services.import_records(session, kind="tax", data=buffer.getvalue(), filename="tax.xlsx")
    assert [e.message for e in again.errors] == ["该主体的年度已存在于数据库中，不能重复导入"] * 2


def test_base_data_imports_check_divisions_and_duplicates(session):
    text = csv_text(
        "姓名,公民身份号码,性别,户籍地址,户籍区县代码,户籍街道代码",
        "钱示例,510107199003071236,男,成都市武侯区示例路1号,510107,510104022",
        "孙示例,510107198506120314,男,成都市武侯区示例路2号,510107,",
        "周示例,510104199203040419,女,成都市锦江区示例路3号,510104,",
    )
    before = counts(session)
    report = services.import_records(session, kind="person", data=text.encode("utf-8"), filename="p.csv")
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert messages[(2, "户籍街道代码")] == "户籍街道代码 510104022 不属于户籍区县代码 510107（应以 510107 开头）"
    assert messages[(3, "公民身份号码")] == "公民身份号码已存在于数据库中，不能重复导入"
    assert "性别“女”与公民身份号码不一致" in messages[(4, "性别")]
    assert counts(session) == before
    with pytest.raises(ValidationError, match="不要指定部门"):
        services.import_records(session, kind="person", data=text.encode(), owner_department="police")


def test_file_level_errors(session):
    with pytest.raises(ValidationError, match="未知的数据类别"):
        services.import_records(session, kind="weather", data=b"x", filename="x.csv")
    with pytest.raises(ValidationError, match="文件为空"):
        services.import_records(session, kind="penalty", data=b"", filename="x.csv", owner_department="market")
    with pytest.raises(ValidationError, match="缺少必填列"):
        services.import_records(
            session, kind="penalty", data="统一社会信用代码\nx\n".encode(), filename="x.csv", owner_department="market"
        )


def test_department_by_name_in_file(session):
    text = csv_text(
        "统一社会信用代码,列入日期,列入原因,作出决定机关,数据来源单位",
        f"{OTHER_USCC},2024-03-01,通过登记的住所或者经营场所无法联系,成都市锦江区市场监督管理局,成都市市场监督管理局",
    )
    report = services.import_records(session, kind="abnormal_operation", data=text.encode(), filename="a.csv")
    assert report.valid, report.errors
    row = session.scalar(select(models.AbnormalOperation).where(models.AbnormalOperation.subject_code == OTHER_USCC))
    assert row.owner_department == "market"


def test_person_penalty_with_masked_name(session):
    text = csv_text(
        "行政相对人名称,公民身份号码,行政处罚决定书文号,违法行为类型,处罚类别,处罚决定日期,处罚机关",
        "张**,510107198506120314,成武公(治)罚〔2025〕9号,违反治安管理,警告,2025-02-01,成都市公安局武侯区分局",
        "李*,510107198506120314,成武公(治)罚〔2025〕10号,违反治安管理,警告,2025-02-02,成都市公安局武侯区分局",
    )
    report = services.import_records(
        session, kind="penalty", data=text.encode(), filename="p.csv", owner_department="police", dry_run=True
    )
    assert [(e.row, e.message) for e in report.errors] == [(3, "名称“李*”与该代码登记的名称“张**”不一致")]
