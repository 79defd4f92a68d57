"""The Jinja2 environment shared by every context's pages (templates live in ``yiwang/web/templates``).

Filters every template may use: ``format_date`` (``2024年3月7日``; ``"short"`` → ISO), ``format_datetime``
(北京时间 to the minute), ``format_money`` (``unit="万元"``, ``compact=True``), ``format_number``, ``mask``
(``"id_number"``/``"phone"``/``"name"``/``"address"``), ``days_until`` and ``chart_rows`` (counts → chart rows),
``role_label`` (a role code in Chinese);
``tojson`` accepts pydantic models, dates and decimals. Globals: ``page_window`` and ``page_link(request)`` for
the pagination macro in ``_macros.html``, ``frontend_ready`` (the npm packages are installed, so charts and maps
can load), ``map_tile_url`` and ``map_tile_attribution``, ``signed_in(request)`` (who is logged in, for the
top bar), ``role_text(actor)`` (an actor's roles in Chinese).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from pydantic_core import to_jsonable_python
from starlette.requests import Request

from yiwang import __version__
from yiwang.config import Settings
from yiwang.kernel.actor import Actor
from yiwang.logs import get_logger
from yiwang.web import formatting
from yiwang.web.assets import vendor_ready
from yiwang.web.charts import chart_rows

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
_log = get_logger("yiwang.web")


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The logged-in account as the top bar shows it."""

    username: str
    display_name: str
    role_label: str
    unread: int
    shortcuts: tuple[tuple[str, str], ...] = ()
    """(path, label) of the pages this role works in every day, shown beside the name."""


def signed_in(request: Request | None) -> SignedIn | None:
    """Who is logged in on this request (from the session cookie), with their unread message count; None if nobody.

    Computed once per request (kept on ``request.state``): two indexed queries, on pages that render the top bar.
    """
    if request is None or "session" not in request.scope:
        return None
    cached: SignedIn | bool | None = getattr(request.state, "signed_in", False)
    if cached is not False:
        return cached if isinstance(cached, SignedIn) else None
    result = _resolve_signed_in(request)
    request.state.signed_in = result
    return result


def _resolve_signed_in(request: Request) -> SignedIn | None:
    # Imported here: identity and notify render pages with these templates, so they import this module.
    from yiwang.identity import deps as identity_deps  # noqa: PLC0415
    from yiwang.identity import services as identity_services  # noqa: PLC0415
    from yiwang.identity.scopes import ROLE_LABELS, Role  # noqa: PLC0415
    from yiwang.notify import services as notify_services  # noqa: PLC0415

    account_id = request.session.get(identity_deps.SESSION_ACCOUNT)
    version = request.session.get(identity_deps.SESSION_VERSION)
    if not isinstance(account_id, int) or not isinstance(version, int):
        return None
    factory = getattr(request.app.state, "session_factory", None)
    if factory is None:
        return None
    try:
        with factory() as session:
            actor: Actor | None = identity_services.actor_for_session(
                session, account_id=account_id, credentials_version=version
            )
            if actor is None:
                return None
            unread = notify_services.unread_count(session, actor=actor)
    except Exception as exc:  # noqa: BLE001 - the top bar must never break a page (e.g. an error page)
        _log.warning("top_bar_identity_failed", error=f"{type(exc).__name__}: {exc}"[:500])
        return None
    label = ROLE_LABELS[Role(actor.role)] if actor.role in Role._value2member_map_ else actor.role
    return SignedIn(
        username=actor.id,
        display_name=actor.display_name or actor.id,
        role_label=label,
        unread=unread,
        shortcuts=ROLE_SHORTCUTS.get(actor.role, ()),
    )


ROLE_SHORTCUTS: dict[str, tuple[tuple[str, str], ...]] = {
    "citizen": (("/me/applications", "我的办件"), ("/me/certificates", "我的证照"), ("/me/policies", "我的政策")),
    "enterprise_agent": (
        ("/me/applications", "我的办件"),
        ("/me/certificates", "我的证照"),
        ("/me/policies", "我的政策"),
    ),
    "department_staff": (("/onestop/queue", "办件审批"), ("/hotline/queue", "诉求办理")),
    "hotline_operator": (("/hotline/console", "话务受理"),),
    "dispatcher": (("/hotline/dispatch", "派单"),),
    "leader": (("/hotline/dashboard", "12345 看板"), ("/grants", "惠企资金")),
    "platform_admin": (("/admin/catalogue", "事项目录"), ("/hotline/dashboard", "12345 看板")),
}
"""Each role's everyday pages, one click from every page (keys: ``identity.scopes.Role`` values)."""


def page_link(request: Request, param: str = "page") -> Callable[[int], str]:
    """A function giving the current page's URL with ``param`` set to a page number (other query kept)."""

    def url_for_page(number: int) -> str:
        url = request.url.include_query_params(**{param: number})
        return f"{url.path}?{url.query}"

    return url_for_page


def json_dumps(value: Any, **kwargs: Any) -> str:
    """``tojson`` for pages: pydantic models, dates and decimals become JSON (decimals as numbers, for charts)."""
    return json.dumps(value, default=_jsonable, **kwargs)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return to_jsonable_python(value)


PROCESS_ROLE_LABELS = {
    "operator": "话务员",
    "acceptor": "受理员",
    "dispatcher": "派单员",
    "handler": "承办单位",
    "approver": "审批人员",
    "window": "综合窗口",
    "supervisor": "督办员",
    "collector": "监督员",
    "platform": "城运平台",
    "system": "系统任务",
}
"""Chinese names of the roles process definitions use (account roles are named by the identity context)."""


def role_label(role: str) -> str:
    """One role in Chinese (account or process role); unknown names are shown as they are."""
    from yiwang.identity.scopes import ROLE_LABELS, Role  # noqa: PLC0415 - identity imports this module

    if role in Role._value2member_map_:
        return ROLE_LABELS[Role(role)]
    return PROCESS_ROLE_LABELS.get(role, role)


def role_text(actor: Actor) -> str:
    """An actor's roles in Chinese: account roles first, the process roles they play in brackets."""
    from yiwang.identity.scopes import ROLE_LABELS, Role  # noqa: PLC0415 - identity imports this module

    held = sorted({actor.role, *actor.roles})
    account = [ROLE_LABELS[Role(r)] for r in held if r in Role._value2member_map_]
    process = [PROCESS_ROLE_LABELS.get(r, r) for r in held if r not in Role._value2member_map_]
    text = "、".join(account) or "、".join(process)
    return f"{text}（{'、'.join(process)}）" if account and process else text


def make_templates(settings: Settings) -> Jinja2Templates:
    """Build the template environment with the globals and filters every page uses."""
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    env = templates.env
    env.policies["json.dumps_function"] = json_dumps
    env.globals["version"] = __version__
    env.globals["city_code"] = settings.city_code
    env.globals["frontend_ready"] = vendor_ready(settings.frontend_dir)
    env.globals["map_tile_url"] = settings.map_tile_url
    env.globals["map_tile_attribution"] = settings.map_tile_attribution
    env.globals["page_window"] = formatting.page_window
    env.globals["page_link"] = page_link
    env.globals["signed_in"] = signed_in
    env.globals["role_text"] = role_text
    env.filters["role_label"] = role_label
    env.filters["format_date"] = formatting.format_date
    env.filters["format_datetime"] = formatting.format_datetime
    env.filters["format_money"] = formatting.format_money
    env.filters["format_number"] = formatting.format_number
    env.filters["mask"] = formatting.mask
    env.filters["days_until"] = formatting.days_until
    env.filters["chart_rows"] = chart_rows
    return templates
