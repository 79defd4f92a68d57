"""Pages of the identity context: login (password and the city's identity provider), logout, my account, admin."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from starlette.concurrency import run_in_threadpool

from yiwang.identity import deps, oidc, services
from yiwang.identity.deps import CurrentActorDep, RequiredActorDep
from yiwang.identity.schemas import AccountCreate, AccountUpdate
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import NotFoundError, ValidationError, YiwangError
from yiwang.web.deps import SessionDep, TemplatesDep

router = APIRouter(tags=["pages"], include_in_schema=False)

FormText = Annotated[str, Form()]
OptionalText = Annotated[str, Form()]


def _render(
    templates: TemplatesDep,
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "csrf_token": deps.csrf_token(request),
        "flash": deps.pop_flash(request),
        "role_labels": {role.value: role.label for role in Role},
        **context,
    }
    return templates.TemplateResponse(request, f"identity/{name}", context, status_code=status_code)


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- login and logout ----------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(
    *,
    request: Request,
    templates: TemplatesDep,
    actor: CurrentActorDep,
    next_path: Annotated[str, Query(alias="next")] = "/",
    logged_out: bool = False,
) -> Response:
    """The login page: username and password, or the city's identity provider."""
    target = deps.safe_next(next_path)
    if actor is not None:
        return _redirect(target)
    notice = "您已安全退出。" if logged_out else None
    return _login(templates, request, next_path=target, notice=notice)


def _login(
    templates: TemplatesDep,
    request: Request,
    *,
    next_path: str,
    error: str | None = None,
    notice: str | None = None,
    username: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    config = deps.get_identity_config(request)
    return _render(
        templates,
        request,
        "login.html",
        {
            "next_path": next_path,
            "error": error,
            "notice": notice,
            "username": username,
            "oidc_name": config.oidc.display_name if config.oidc is not None else None,
        },
        status_code=status_code,
    )


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    username: FormText = "",
    password: FormText = "",
    next_path: Annotated[str, Form(alias="next")] = "/",
    csrf_token: FormText = "",
) -> Response:
    """Check the password and start a login session."""
    target = deps.safe_next(next_path)
    try:
        deps.verify_csrf(request, csrf_token)
        grant = services.authenticate(session, username=username, password=password)
    except YiwangError as exc:
        return _login(
            templates, request, next_path=target, error=exc.message, username=username, status_code=exc.status_code
        )
    deps.start_session(request, grant)
    return _redirect(target)


@router.get("/login/oidc")
async def oidc_start(request: Request, next_path: Annotated[str, Query(alias="next")] = "/") -> Response:
    """Go to the city's identity provider."""
    config = deps.get_identity_config(request)
    client = getattr(request.app.state, "identity_oidc_client", None)
    if config.oidc is None or client is None:
        raise NotFoundError("本平台未配置统一身份认证", field="oidc")
    request.session["oidc_next"] = deps.safe_next(next_path)
    redirect_uri = config.oidc.redirect_uri or str(request.url_for("oidc_callback"))
    return await oidc.start_login(request, client=client, redirect_uri=redirect_uri)


@router.get("/login/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request, session: SessionDep, templates: TemplatesDep) -> Response:
    """Come back from the identity provider: validate the ID token, link or create the account, log in."""
    config = deps.get_identity_config(request)
    client = getattr(request.app.state, "identity_oidc_client", None)
    if config.oidc is None or client is None:
        raise NotFoundError("本平台未配置统一身份认证", field="oidc")
    target = deps.safe_next(request.session.pop("oidc_next", "/"))
    try:
        claims = await oidc.finish_login(request, client=client)
        identity = oidc.map_claims(config.oidc, claims)
        grant = await run_in_threadpool(
            services.login_with_identity_provider, session, identity=identity, auto_create=config.oidc.auto_create
        )
    except YiwangError as exc:
        return _login(templates, request, next_path=target, error=exc.message, status_code=exc.status_code)
    deps.start_session(request, grant)
    return _redirect(target)


@router.get("/logout", response_class=HTMLResponse)
def logout_page(request: Request, templates: TemplatesDep, actor: CurrentActorDep) -> Response:
    """Ask before logging out (a link or prefetch must not end the session)."""
    if actor is None:
        return _redirect(deps.LOGIN_PATH)
    return _render(templates, request, "logout.html", {"actor": actor})


@router.post("/logout")
def logout_submit(request: Request, csrf_token: FormText = "") -> Response:
    """End the login session."""
    deps.verify_csrf(request, csrf_token)
    deps.end_session(request)
    return _redirect(f"{deps.LOGIN_PATH}?logged_out=1")


# --- my account ----------------------------------------------------------------------------------------------


@router.get("/me", response_class=HTMLResponse)
def me_page(*, request: Request, session: SessionDep, templates: TemplatesDep, actor: RequiredActorDep) -> Response:
    """My account: roles, data scope, API tokens, password change."""
    account = services.get_account(session, actor=actor, username=actor.id)
    tokens = services.list_api_tokens(session, actor=actor, username=actor.id)
    return _render(templates, request, "me.html", {"actor": actor, "account": account, "tokens": tokens})


@router.post("/me/password", response_class=HTMLResponse)
def me_password(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: RequiredActorDep,
    current_password: FormText = "",
    new_password: FormText = "",
    confirm_password: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Change my password; this session stays logged in, every other one ends."""
    deps.verify_csrf(request, csrf_token)
    error: ValidationError | None = None
    if new_password != confirm_password:
        error = ValidationError("两次输入的新密码不一致", field="confirm_password")
    else:
        try:
            grant = services.change_password(
                session, actor=actor, current_password=current_password, new_password=new_password
            )
        except ValidationError as exc:
            error = exc
    if error is not None:
        account = services.get_account(session, actor=actor, username=actor.id)
        tokens = services.list_api_tokens(session, actor=actor, username=actor.id)
        context = {"actor": actor, "account": account, "tokens": tokens, "password_error": error.message}
        return _render(templates, request, "me.html", context, status_code=error.status_code)
    deps.start_session(request, grant)
    deps.flash(request, "密码已修改，其他设备上的登录已失效。")
    return _redirect("/me")


@router.post("/me/tokens/{token_id}/revoke")
def me_revoke_token(
    *, token_id: int, request: Request, session: SessionDep, actor: RequiredActorDep, csrf_token: FormText = ""
) -> Response:
    """Revoke one of my tokens."""
    deps.verify_csrf(request, csrf_token)
    services.revoke_api_token(session, actor=actor, token_id=token_id)
    deps.flash(request, "访问令牌已吊销。")
    return _redirect("/me")


# --- administration ------------------------------------------------------------------------------------------


def _forbidden(templates: TemplatesDep, request: Request, actor: Actor) -> HTMLResponse:
    return _render(templates, request, "forbidden.html", {"actor": actor}, status_code=403)


def _is_admin(actor: Actor) -> bool:
    return actor.has_role(Role.PLATFORM_ADMIN)


@router.get("/admin/accounts", response_class=HTMLResponse)
def accounts_page(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: RequiredActorDep,
    q: str = "",
    role: str = "",
    active: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """Account administration (platform admins): search, create, open an account."""
    if not _is_admin(actor):
        return _forbidden(templates, request, actor)
    return _accounts(templates, request, session, actor, q=q, role=role, active=active, page=page)


def _accounts(
    templates: TemplatesDep,
    request: Request,
    session: SessionDep,
    actor: Actor,
    *,
    q: str = "",
    role: str = "",
    active: str = "",
    page: int = 1,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    role_filter = Role(role) if role in Role._value2member_map_ else None
    active_filter = {"1": True, "0": False}.get(active)
    accounts = services.list_accounts(session, actor=actor, q=q, role=role_filter, active=active_filter, page=page)
    context = {
        "actor": actor,
        "accounts": accounts,
        "q": q,
        "role": role,
        "active": active,
        "roles": services.list_roles(),
        "departments": services.department_choices(session),
        "districts": services.district_choices(session),
        "error": error,
        "form": form or {},
    }
    return _render(templates, request, "accounts.html", context, status_code=status_code)


def _lifetime(days_text: str) -> dt.timedelta | None:
    """Token lifetime from the form: whole days between 1 and 3650, or empty for no expiry."""
    text = days_text.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 3650:  # noqa: PLR2004 - the API's bounds
        raise ValidationError("有效天数应为1到3650之间的整数", field="expires_in_days")
    return dt.timedelta(days=int(text))


def _form_error(exc: PydanticValidationError) -> ValidationError:
    """The first problem of a form that did not fit the schema, in Chinese."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ()))
    return ValidationError(f"字段 {field} 格式不正确：{first.get('msg', '')}", field=field)


def _blank_to_none(value: str) -> str | None:
    value = value.strip()
    return value or None


def _role(value: str, *, field: str) -> Role:
    if value not in Role._value2member_map_:
        raise ValidationError(f"角色 {value or '（空）'} 无效", field=field)
    return Role(value)


@router.post("/admin/accounts", response_class=HTMLResponse)
def accounts_create(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: RequiredActorDep,
    username: FormText = "",
    display_name: FormText = "",
    password: FormText = "",
    role: FormText = "",
    extra_roles: Annotated[list[str] | None, Form()] = None,
    department_code: OptionalText = "",
    district_code: OptionalText = "",
    street_code: OptionalText = "",
    grid_code: OptionalText = "",
    person_id_number: OptionalText = "",
    enterprise_uscc: OptionalText = "",
    phone: OptionalText = "",
    csrf_token: FormText = "",
) -> Response:
    """Create an account from the form; errors show above the form, which keeps its values."""
    if not _is_admin(actor):
        return _forbidden(templates, request, actor)
    deps.verify_csrf(request, csrf_token)
    form = {
        "username": username,
        "display_name": display_name,
        "role": role,
        "extra_roles": extra_roles or [],
        "department_code": department_code,
        "district_code": district_code,
        "street_code": street_code,
        "grid_code": grid_code,
        "person_id_number": person_id_number,
        "enterprise_uscc": enterprise_uscc,
        "phone": phone,
    }
    try:
        data = AccountCreate(
            username=username.strip() or "-",
            display_name=display_name.strip() or username.strip() or "-",
            password=password or None,
            role=_role(role, field="role"),
            extra_roles=[_role(item, field="extra_roles") for item in extra_roles or [] if item != role],
            department_code=_blank_to_none(department_code),
            district_code=_blank_to_none(district_code),
            street_code=_blank_to_none(street_code),
            grid_code=_blank_to_none(grid_code),
            person_id_number=_blank_to_none(person_id_number),
            enterprise_uscc=_blank_to_none(enterprise_uscc),
            phone=_blank_to_none(phone),
        )
        account = services.create_account(session, actor=actor, data=data)
    except PydanticValidationError as exc:
        error = _form_error(exc)
        return _accounts(templates, request, session, actor, error=error.message, form=form, status_code=422)
    except YiwangError as exc:
        return _accounts(templates, request, session, actor, error=exc.message, form=form, status_code=exc.status_code)
    deps.flash(request, f"已创建账户 {account.username}。")
    return _redirect(f"/admin/accounts/{account.username}")


@router.get("/admin/accounts/{username}", response_class=HTMLResponse)
def account_page(
    *, username: str, request: Request, session: SessionDep, templates: TemplatesDep, actor: RequiredActorDep
) -> Response:
    """One account (platform admins): roles and scope, password reset, status, tokens, history."""
    if not _is_admin(actor):
        return _forbidden(templates, request, actor)
    return _account(templates, request, session, actor, username=username)


def _account(
    templates: TemplatesDep,
    request: Request,
    session: SessionDep,
    actor: Actor,
    *,
    username: str,
    error: str | None = None,
    issued: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "actor": actor,
        "account": services.get_account(session, actor=actor, username=username),
        "tokens": services.list_api_tokens(session, actor=actor, username=username),
        "events": services.list_account_events(session, actor=actor, username=username),
        "roles": services.list_roles(),
        "departments": services.department_choices(session),
        "districts": services.district_choices(session),
        "error": error,
        "issued": issued,
    }
    return _render(templates, request, "account.html", context, status_code=status_code)


@router.post("/admin/accounts/{username}", response_class=HTMLResponse)
def account_update(
    *,
    username: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: RequiredActorDep,
    display_name: FormText = "",
    role: FormText = "",
    extra_roles: Annotated[list[str] | None, Form()] = None,
    department_code: OptionalText = "",
    district_code: OptionalText = "",
    street_code: OptionalText = "",
    grid_code: OptionalText = "",
    person_id_number: OptionalText = "",
    enterprise_uscc: OptionalText = "",
    phone: OptionalText = "",
    csrf_token: FormText = "",
) -> Response:
    """Save the edit form (an empty ID number or phone field keeps the stored, masked value)."""
    if not _is_admin(actor):
        return _forbidden(templates, request, actor)
    deps.verify_csrf(request, csrf_token)
    try:
        changes: dict[str, Any] = {
            "role": _role(role, field="role"),
            "extra_roles": [_role(item, field="extra_roles") for item in extra_roles or [] if item != role],
            "department_code": _blank_to_none(department_code),
            "district_code": _blank_to_none(district_code),
            "street_code": _blank_to_none(street_code),
            "grid_code": _blank_to_none(grid_code),
            "enterprise_uscc": _blank_to_none(enterprise_uscc),
        }
        if display_name.strip():
            changes["display_name"] = display_name.strip()
        # Masked values are never sent back to the browser, so an empty field means "unchanged".
        if person_id_number.strip():
            changes["person_id_number"] = person_id_number.strip()
        if phone.strip():
            changes["phone"] = phone.strip()
        services.update_account(session, actor=actor, username=username, data=AccountUpdate(**changes))
    except PydanticValidationError as exc:
        return _account(
            templates, request, session, actor, username=username, error=_form_error(exc).message, status_code=422
        )
    except YiwangError as exc:
        return _account(
            templates, request, session, actor, username=username, error=exc.message, status_code=exc.status_code
        )
    deps.flash(request, "账户已保存。")
    return _redirect(f"/admin/accounts/{username}")


@router.post("/admin/accounts/{username}/status", response_class=HTMLResponse)
def account_status(
    *,
    username: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: RequiredActorDep,
    active: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Deactivate (active=0) or activate (active=1) an account."""
    if not _is_admin(actor):
        return _forbidden(templates, request, actor)
    deps.verify_csrf(request, csrf_token)
    try:
        if active == "1":
            services.activate_account(session, actor=actor, username=username)
            deps.flash(request, "账户已启用。")
        else:
            services.deactivate_account(session, actor=actor, username=username)
            deps.flash(request, "账户已停用，其登录会话和访问令牌已失效。")
    except YiwangError as exc:
        return _account(
            templates, request, session, actor, username=username, error=exc.message, status_code=exc.status_code
        )
    return _redirect(f"/admin/accounts/{username}")


@router.post("/admin/accounts/{username}/password", response_class=HTMLResponse)
def account_password(
    *,
    username: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: RequiredActorDep,
    new_password: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Reset the password (and lift a lockout)."""
    if not _is_admin(actor):
        return _forbidden(templates, request, actor)
    deps.verify_csrf(request, csrf_token)
    try:
        services.reset_password(session, actor=actor, username=username, new_password=new_password)
    except YiwangError as exc:
        return _account(
            templates, request, session, actor, username=username, error=exc.message, status_code=exc.status_code
        )
    deps.flash(request, "密码已重置，该账户的登录会话已失效。")
    return _redirect(f"/admin/accounts/{username}")


@router.post("/admin/accounts/{username}/tokens", response_class=HTMLResponse)
def account_token_create(
    *,
    username: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: RequiredActorDep,
    name: FormText = "",
    expires_in_days: FormText = "90",
    csrf_token: FormText = "",
) -> Response:
    """Issue a token and show its secret once, on this response only."""
    if not _is_admin(actor):
        return _forbidden(templates, request, actor)
    deps.verify_csrf(request, csrf_token)
    try:
        issued = services.create_api_token(
            session, actor=actor, username=username, name=name, expires_in=_lifetime(expires_in_days)
        )
    except YiwangError as exc:
        return _account(
            templates, request, session, actor, username=username, error=exc.message, status_code=exc.status_code
        )
    return _account(templates, request, session, actor, username=username, issued=issued.access_token)


@router.post("/admin/accounts/{username}/tokens/{token_id}/revoke")
def account_token_revoke(
    *,
    username: str,
    token_id: int,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: RequiredActorDep,
    csrf_token: FormText = "",
) -> Response:
    """Revoke a token of the account."""
    if not _is_admin(actor):
        return _forbidden(templates, request, actor)
    deps.verify_csrf(request, csrf_token)
    services.revoke_api_token(session, actor=actor, token_id=token_id)
    deps.flash(request, "访问令牌已吊销。")
    return _redirect(f"/admin/accounts/{username}")
