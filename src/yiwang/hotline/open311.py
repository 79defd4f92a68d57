"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2/) over the hotline's appeals, at ``/open311/v2``.

Services are the leaves of the hotline taxonomy (小类); a service request is an appeal taken in through the
``open311`` channel; ``service_request_id`` is the appeal number. Writes need ``api_key``, an identity API token
(the appeal is recorded for that account). Reads are public as the specification intends, so they list only
requests that came in through Open311 and never show personal data. Responses are JSON or XML by the path's
extension; errors are the standard list of ``{"code", "description"}`` with the matching HTTP status.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from yiwang.db import as_utc
from yiwang.hotline import services
from yiwang.hotline.models import Appeal
from yiwang.hotline.schemas import APPEAL_TYPES, URGENCIES, AppealCreate
from yiwang.identity import services as identity_services
from yiwang.kernel.errors import YiwangError

router = APIRouter(prefix="/open311/v2", tags=["open311"])

JURISDICTION = "510100"
"""The jurisdiction this endpoint serves (成都市, GB/T 2260)."""
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
MAX_DESCRIPTION = 4000


class Open311Error(Exception):
    """An error answered in the GeoReport v2 error format."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


@functools.cache
def service_list() -> tuple[dict[str, Any], ...]:
    """The services: one per leaf of the hotline taxonomy (code, name, group, keywords)."""
    from yiwang.hotline.triage import taxonomy  # noqa: PLC0415 - the taxonomy belongs to triage

    tax = taxonomy.load_taxonomy()
    return tuple(
        {
            "service_code": leaf.code,
            "service_name": leaf.name,
            "description": " / ".join(leaf.path),
            "metadata": True,
            "type": "realtime",
            "keywords": ",".join(leaf.path[1:]),
            "group": leaf.path[0],
        }
        for leaf in sorted(tax.leaves.values(), key=lambda c: c.code)
    )


def _leaf(code: str) -> Any:
    from yiwang.hotline.triage import taxonomy  # noqa: PLC0415

    leaf = taxonomy.load_taxonomy().leaves.get(code)
    if leaf is None:
        raise Open311Error(404, f"service_code {code} 不存在（未知的服务类型）")
    return leaf


def _definition(code: str) -> dict[str, Any]:
    _leaf(code)
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": "appeal_type",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "诉求类型，不填由系统判断",
                "order": 1,
                "description": "诉求类型",
                "values": [{"key": t, "name": t} for t in APPEAL_TYPES],
            },
            {
                "variable": True,
                "code": "urgency",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "紧急程度，默认一般",
                "order": 2,
                "description": "紧急程度",
                "values": [{"key": u, "name": u} for u in URGENCIES],
            },
        ],
    }


# ---- formats ------------------------------------------------------------------------------------------------------


def _xml_value(parent: ET.Element, key: str, value: Any) -> None:
    child = ET.SubElement(parent, key)
    if isinstance(value, bool):
        child.text = "true" if value else "false"
    elif isinstance(value, list):
        item_tag = "value" if key == "values" else "attribute"
        for item in value:
            node = ET.SubElement(child, item_tag)
            for k, v in item.items():
                _xml_value(node, k, v)
    elif value is not None:
        child.text = str(value)


def _xml(root_tag: str, item_tag: str | None, payload: Any) -> bytes:
    root = ET.Element(root_tag)
    items = payload if isinstance(payload, list) else [payload]
    for item in items:
        node = ET.SubElement(root, item_tag) if item_tag else root
        for key, value in item.items():
            _xml_value(node, key, value)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def _respond(fmt: str, payload: Any, *, root: str, item: str | None, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(_xml(root, item, payload), status_code=status, media_type="text/xml; charset=utf-8")
    return JSONResponse(payload, status_code=status)


def _error(fmt: str, status: int, description: str) -> Response:
    return _respond(fmt, [{"code": status, "description": description}], root="errors", item="error", status=status)


def _format(ext: str) -> str:
    if ext not in {"json", "xml"}:
        raise Open311Error(404, f"不支持的格式 .{ext}，应为 .json 或 .xml")
    return ext


def _check_jurisdiction(params: Mapping[str, Any]) -> None:
    value = params.get("jurisdiction_id")
    if value not in (None, "", JURISDICTION):
        raise Open311Error(404, f"jurisdiction_id {value} 不在本端点服务范围（{JURISDICTION}）")


def _guard(fmt_ext: str, call: Any) -> Response:
    try:
        fmt = _format(fmt_ext)
    except Open311Error as exc:
        return _error("json", exc.status, exc.description)
    try:
        response: Response = call(fmt)
    except Open311Error as exc:
        return _error(fmt, exc.status, exc.description)
    except YiwangError as exc:
        status = exc.status_code if exc.status_code in {400, 403, 404, 409} else 400
        where = f"（{exc.field}）" if exc.field else ""
        return _error(fmt, status, f"{exc.message}{where}")
    return response


# ---- service discovery ---------------------------------------------------------------------------------------------


@router.get("/services.{fmt}", summary="Open311：服务列表")
def get_services(fmt: str, request: Request) -> Response:
    """GET Service List."""

    def run(f: str) -> Response:
        _check_jurisdiction(request.query_params)
        return _respond(f, list(service_list()), root="services", item="service")

    return _guard(fmt, run)


@router.get("/services/{service_code}.{fmt}", summary="Open311：服务定义")
def get_service_definition(service_code: str, fmt: str, request: Request) -> Response:
    """GET Service Definition (attributes of a service)."""

    def run(f: str) -> Response:
        _check_jurisdiction(request.query_params)
        return _respond(f, _definition(service_code), root="service_definition", item=None)

    return _guard(fmt, run)


# ---- requests ------------------------------------------------------------------------------------------------------


def _float(form: Mapping[str, Any], name: str) -> float | None:
    raw = form.get(name)
    if raw in (None, ""):
        return None
    try:
        return float(str(raw))
    except ValueError:
        raise Open311Error(400, f"{name} 应为数字：{raw}") from None


def _attributes(form: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in form.multi_items():
        if key.startswith("attribute[") and key.endswith("]"):
            found[key[len("attribute[") : -1].removesuffix("][").rstrip("]")] = str(value)
    return found


def _create(session: Session, form: Any, fmt: str) -> Response:  # noqa: C901 - one check per form field
    api_key = str(form.get("api_key") or "")
    if not api_key:
        raise Open311Error(403, "api_key 缺失：提交服务请求需要 API 密钥")
    try:
        actor = identity_services.actor_for_token(session, token=api_key)
    except YiwangError:
        raise Open311Error(403, "api_key 无效、已过期或已吊销") from None
    _check_jurisdiction(form)
    code = str(form.get("service_code") or "")
    if not code:
        raise Open311Error(400, "service_code 缺失")
    leaf = _leaf(code)
    lat, lon = _float(form, "lat"), _float(form, "long")
    address = str(form.get("address_string") or "").strip()
    if (lat is None) != (lon is None):
        raise Open311Error(400, "lat 和 long 须同时提供")
    if lat is not None and not -90 <= lat <= 90:  # noqa: PLR2004 - WGS-84 bounds
        raise Open311Error(400, f"lat 应在 -90 到 90 之间：{lat}")
    if lon is not None and not -180 <= lon <= 180:  # noqa: PLR2004
        raise Open311Error(400, f"long 应在 -180 到 180 之间：{lon}")
    if lat is None and not address and not form.get("address_id"):
        raise Open311Error(400, "须提供位置：lat/long 或 address_string")
    description = str(form.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description 不能超过 {MAX_DESCRIPTION} 字")
    if len(description) < 2:  # noqa: PLR2004 - a two-character minimum, as for every channel
        description = f"{leaf.name}（{address or '地图定位'}）"
    attributes = _attributes(form)
    appeal_type = attributes.get("appeal_type") or None
    urgency = attributes.get("urgency") or None
    if appeal_type is not None and appeal_type not in APPEAL_TYPES:
        raise Open311Error(400, f"attribute[appeal_type] 应为 {'、'.join(APPEAL_TYPES)} 之一")
    if urgency is not None and urgency not in URGENCIES:
        raise Open311Error(400, f"attribute[urgency] 应为 {'、'.join(URGENCIES)} 之一")
    name = " ".join(str(form.get(k) or "").strip() for k in ("last_name", "first_name")).strip() or None
    media_url = str(form.get("media_url") or "").strip()
    try:
        data = AppealCreate(
            channel="open311",
            content=description,
            address=address,
            lon=lon,
            lat=lat,
            reporter_name=name,
            reporter_phone=str(form.get("phone") or "").strip() or None,
            reporter_email=str(form.get("email") or "").strip() or None,
            appeal_type=appeal_type,
            urgency=urgency,
            category=leaf.code,
            department=leaf.department,
            assist_units=list(leaf.also),
            media_urls=[media_url] if media_url else [],
            idempotency_key=str(form.get("device_id") or "").strip() or None,
            service_code=leaf.code,
        )
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "request"
        raise Open311Error(400, f"请求参数不正确（{where}）：{first['msg'].removeprefix('Value error, ')}") from None
    created = services.create_appeal(session, actor=actor, data=data)
    appeal = session.get(Appeal, created.id)
    token = appeal.open311_token if appeal is not None else None
    payload = [
        {
            "service_request_id": created.number,
            "token": token,
            "service_notice": f"已受理，办理时限至 {services._format_time(created.due_at)}",  # noqa: SLF001
            "account_id": None,
        }
    ]
    return _respond(fmt, payload, root="service_requests", item="request", status=201)


@router.post("/requests.{fmt}", summary="Open311：提交服务请求")
async def post_request(fmt: str, request: Request) -> Response:
    """POST Service Request (form-encoded; ``api_key`` required)."""
    form = await request.form()
    with request.app.state.session_factory() as session:
        return _guard(fmt, lambda f: _create(session, form, f))


def _status(appeal: Appeal) -> str:
    return "closed" if appeal.status == "closed" or appeal.master_id is not None else "open"


def _stamp(value: dt.datetime | None) -> str | None:
    return as_utc(value).isoformat().replace("+00:00", "Z") if value else None


def _request_view(appeal: Appeal, media: Mapping[int, str]) -> dict[str, Any]:
    notes = appeal.reply_text or services.STATE_LABELS.get(appeal.state, appeal.state)
    if appeal.master_id is not None:
        notes = "已与同一问题的诉求合并办理"
    return {
        "service_request_id": appeal.number,
        "status": _status(appeal),
        "status_notes": notes,
        "service_name": (appeal.category_path[-1] if appeal.category_path else None) or appeal.category,
        "service_code": appeal.service_code or appeal.category,
        "description": appeal.content,
        "agency_responsible": appeal.department,
        "service_notice": "",
        "requested_datetime": _stamp(appeal.created_at),
        "updated_datetime": _stamp(appeal.updated_at),
        "expected_datetime": _stamp(appeal.due_at),
        "address": appeal.address,
        "address_id": None,
        "zipcode": None,
        "lat": appeal.lat,
        "long": appeal.lon,
        "media_url": media.get(appeal.id),
    }


def _media_urls(session: Session, ids: Sequence[int]) -> dict[int, str]:
    from yiwang.hotline.models import AppealMedia  # noqa: PLC0415 - the same context's table

    if not ids:
        return {}
    rows = session.execute(
        select(AppealMedia.appeal_id, AppealMedia.url).where(
            AppealMedia.appeal_id.in_(ids), AppealMedia.url.is_not(None)
        )
    )
    return {appeal_id: url for appeal_id, url in rows if url}


def _date(value: str | None, name: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise Open311Error(400, f"{name} 应为 W3C 日期时间，例如 2026-11-28T00:00:00Z") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _int(value: str | None, name: str, default: int, *, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(str(value))
    except ValueError:
        raise Open311Error(400, f"{name} 应为整数") from None
    if not low <= number <= high:
        raise Open311Error(400, f"{name} 应在 {low} 到 {high} 之间")
    return number


def _list(session: Session, params: Mapping[str, str], fmt: str) -> Response:
    _check_jurisdiction(params)
    query = select(Appeal).where(Appeal.channel == "open311")
    ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        query = query.where(Appeal.number.in_(ids))
    else:
        codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
        if codes:
            query = query.where(Appeal.service_code.in_(codes))
        start, end = _date(params.get("start_date"), "start_date"), _date(params.get("end_date"), "end_date")
        if start and end and end < start:
            raise Open311Error(400, "end_date 不能早于 start_date")
        if start:
            query = query.where(Appeal.created_at >= start)
        if end:
            query = query.where(Appeal.created_at <= end)
        statuses = {s.strip() for s in (params.get("status") or "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status 应为 open 或 closed")
        if statuses == {"open"}:
            query = query.where(Appeal.status == "open", Appeal.master_id.is_(None))
        elif statuses == {"closed"}:
            query = query.where((Appeal.status == "closed") | Appeal.master_id.is_not(None))
    page = _int(params.get("page"), "page", 1, low=1, high=100_000)
    size = _int(params.get("page_size"), "page_size", DEFAULT_PAGE_SIZE, low=1, high=MAX_PAGE_SIZE)
    rows = list(
        session.scalars(
            query.order_by(Appeal.created_at.desc(), Appeal.id.desc()).offset((page - 1) * size).limit(size)
        )
    )
    media = _media_urls(session, [r.id for r in rows])
    return _respond(fmt, [_request_view(r, media) for r in rows], root="service_requests", item="request")


@router.get("/requests.{fmt}", summary="Open311：查询服务请求")
def get_requests(fmt: str, request: Request) -> Response:
    """GET Service Requests (filters: service_request_id, service_code, start_date, end_date, status; page)."""
    with request.app.state.session_factory() as session:
        return _guard(fmt, lambda f: _list(session, request.query_params, f))


def _one(session: Session, number: str, fmt: str) -> Response:
    appeal = session.scalars(select(Appeal).where(Appeal.number == number, Appeal.channel == "open311")).first()
    if appeal is None:
        raise Open311Error(404, f"服务请求 {number} 不存在")
    media = _media_urls(session, [appeal.id])
    return _respond(fmt, [_request_view(appeal, media)], root="service_requests", item="request")


@router.get("/requests/{service_request_id}.{fmt}", summary="Open311：服务请求状态")
def get_request(service_request_id: str, fmt: str, request: Request) -> Response:
    """GET Service Request (one, by id)."""
    with request.app.state.session_factory() as session:
        return _guard(fmt, lambda f: _one(session, service_request_id, f))


def _token(session: Session, token: str, fmt: str) -> Response:
    number = session.scalar(select(Appeal.number).where(Appeal.open311_token == token))
    if number is None:
        raise Open311Error(404, f"token {token} 不存在")
    return _respond(fmt, [{"service_request_id": number, "token": token}], root="service_requests", item="request")


@router.get("/tokens/{token}.{fmt}", summary="Open311：由 token 查询服务请求编号")
def get_token(token: str, fmt: str, request: Request) -> Response:
    """GET service_request_id from a token."""
    with request.app.state.session_factory() as session:
        return _guard(fmt, lambda f: _token(session, token, f))
