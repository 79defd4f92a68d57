"""Payment instruction files for the finance system (CSV, XML) and the bank's result file (CSV).

The instruction CSV has three parts the finance system checks before paying anything::

    #BATCH,<batch no>,<funding department>,<sealed at>
    idempotency_key,attempt,payee_name,payee_account,payee_bank,amount,policy_id,purpose
    <one line per instruction>
    #CONTROL,<count>,<total amount>,<sha256>

The checksum is :func:`yiwang.grants.ledger.checksum` over the instructions in file order. The result file has
the columns ``idempotency_key,attempt,status,amount,reference,paid_on,reason`` (status ``paid``/``failed`` or
成功/失败).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree as ET

from pydantic import ValidationError as PydanticValidationError

from yiwang.grants.schemas import InstructionFile, PaymentResult
from yiwang.kernel.errors import ValidationError

COLUMNS = ("idempotency_key", "attempt", "payee_name", "payee_account", "payee_bank", "amount", "policy_id", "purpose")
RESULT_COLUMNS = ("idempotency_key", "attempt", "status", "amount", "reference", "paid_on", "reason")
STATUS_WORDS = {"paid": "paid", "成功": "paid", "已到账": "paid", "failed": "failed", "失败": "failed"}


def instructions_csv(data: InstructionFile) -> str:
    """The batch as the finance system's CSV with batch header and control trailer."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    sealed = data.batch.sealed_at.isoformat() if data.batch.sealed_at else ""
    writer.writerow(["#BATCH", data.batch.batch_no, data.batch.funding_department, sealed])
    writer.writerow(COLUMNS)
    for item in data.instructions:
        writer.writerow(
            [
                item.idempotency_key,
                item.attempt,
                item.payee_name,
                item.payee_account,
                item.payee_bank,
                f"{item.amount:.2f}",
                item.policy_id,
                item.purpose,
            ]
        )
    writer.writerow(["#CONTROL", data.count, f"{data.total_amount:.2f}", data.checksum])
    return buffer.getvalue()


def instructions_xml(data: InstructionFile) -> str:
    """The batch as XML (``<PaymentBatch>`` with one ``<Instruction>`` each and the control totals)."""
    root = ET.Element(
        "PaymentBatch",
        {
            "batchNo": data.batch.batch_no,
            "department": data.batch.funding_department,
            "count": str(data.count),
            "total": f"{data.total_amount:.2f}",
            "checksum": data.checksum,
        },
    )
    for item in data.instructions:
        node = ET.SubElement(root, "Instruction", {"key": item.idempotency_key, "attempt": str(item.attempt)})
        for name, value in (
            ("PayeeName", item.payee_name),
            ("PayeeAccount", item.payee_account),
            ("PayeeBank", item.payee_bank),
            ("Amount", f"{item.amount:.2f}"),
            ("Policy", item.policy_id),
            ("Purpose", item.purpose),
        ):
            ET.SubElement(node, name).text = value
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def parse_instructions_csv(text: str) -> tuple[list[dict[str, str]], int, Decimal, str]:
    """Read an instruction CSV back (rows, control count, control total, checksum); for checks and tests."""
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) < 3 or rows[0][:1] != ["#BATCH"] or rows[-1][:1] != ["#CONTROL"]:  # noqa: PLR2004
        raise ValidationError("支付指令文件缺少批次头或控制行", field="file")
    body = [dict(zip(rows[1], row, strict=True)) for row in rows[2:-1]]
    control = rows[-1]
    return body, int(control[1]), Decimal(control[2]), control[3]


def parse_results_csv(text: str) -> list[PaymentResult]:
    """The bank's result file as results; a bad line raises a Chinese error naming the line."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"idempotency_key", "status"} - set(reader.fieldnames or ())
    if missing:
        raise ValidationError(f"回单文件缺少列：{'、'.join(sorted(missing))}", field="file")
    results: list[PaymentResult] = []
    for number, row in enumerate(reader, start=2):
        status = STATUS_WORDS.get((row.get("status") or "").strip())
        if status is None:
            raise ValidationError(f"第 {number} 行：状态应为 paid/成功 或 failed/失败", field="status")
        try:
            results.append(
                PaymentResult(
                    idempotency_key=(row.get("idempotency_key") or "").strip(),
                    attempt=int(row["attempt"]) if (row.get("attempt") or "").strip() else None,
                    status=status,
                    amount=Decimal(row["amount"]) if (row.get("amount") or "").strip() else None,
                    reference=(row.get("reference") or "").strip(),
                    paid_on=dt.date.fromisoformat(row["paid_on"]) if (row.get("paid_on") or "").strip() else None,
                    reason=(row.get("reason") or "").strip(),
                )
            )
        except (ValueError, InvalidOperation, PydanticValidationError) as exc:
            raise ValidationError(f"第 {number} 行格式不正确：{exc}", field="file") from None
    if not results:
        raise ValidationError("回单文件中没有任何记录", field="file")
    return results
