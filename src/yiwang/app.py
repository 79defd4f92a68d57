"""``create_app()``: builds the FastAPI application from settings (no globals built at import)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from sqlalchemy import text

from yiwang import __version__
from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.kernel.errors import YiwangError
from yiwang.kernel.validation_messages import chinese_message
from yiwang.logs import configure_logging, get_logger
from yiwang.web import assets
from yiwang.web.templating import make_templates

WEB_DIR = Path(__file__).resolve().parent / "web"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Assemble the application: database, templates, every context's API and pages, health and metrics."""
    settings = settings or Settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    from yiwang.hotline.triage.services import TriageSettings  # noqa: PLC0415 - composition root

    # Triage reads its own YIWANG_TRIAGE_* settings lazily; read them once here so a bad value stops the start-up
    # with its Chinese message instead of failing the first appeal.
    TriageSettings()
    app = FastAPI(
        title="一网 yiwang",
        version=__version__,
        description="城市数字政府与城市运行平台 API（一网通办 · 一网统管）",
        docs_url="/docs",
    )
    engine = make_engine(settings.database_url, echo=settings.sql_echo)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.templates = make_templates(settings)

    _install_metrics(app)
    _install_error_handlers(app)
    _install_routes(app, settings)
    from yiwang.identity import deps as identity_deps  # noqa: PLC0415 - composition root

    identity_deps.install(app, settings)
    from yiwang import subscriptions  # noqa: PLC0415

    subscriptions.install()
    return app


def _install_routes(app: FastAPI, settings: Settings) -> None:
    # Contexts are wired here, at the composition root, so importing yiwang.app stays cheap.
    from yiwang.catalogue import api as catalogue_api  # noqa: PLC0415
    from yiwang.catalogue import web as catalogue_web  # noqa: PLC0415
    from yiwang.certs import api as certs_api  # noqa: PLC0415
    from yiwang.certs import web as certs_web  # noqa: PLC0415
    from yiwang.geo import api as geo_api  # noqa: PLC0415
    from yiwang.geo import web as geo_web  # noqa: PLC0415
    from yiwang.grants import api as grants_api  # noqa: PLC0415
    from yiwang.grants import web as grants_web  # noqa: PLC0415
    from yiwang.hotline import api as hotline_api  # noqa: PLC0415
    from yiwang.hotline import web as hotline_web  # noqa: PLC0415
    from yiwang.identity import api as identity_api  # noqa: PLC0415
    from yiwang.identity import web as identity_web  # noqa: PLC0415
    from yiwang.notify import api as notify_api  # noqa: PLC0415
    from yiwang.notify import web as notify_web  # noqa: PLC0415
    from yiwang.onestop import api as onestop_api  # noqa: PLC0415
    from yiwang.onestop import web as onestop_web  # noqa: PLC0415
    from yiwang.policies import api as policies_api  # noqa: PLC0415
    from yiwang.policies import web as policies_web  # noqa: PLC0415
    from yiwang.ratings import api as ratings_api  # noqa: PLC0415
    from yiwang.ratings import web as ratings_web  # noqa: PLC0415
    from yiwang.registry import api as registry_api  # noqa: PLC0415
    from yiwang.registry import web as registry_web  # noqa: PLC0415
    from yiwang.sharing import api as sharing_api  # noqa: PLC0415
    from yiwang.sharing import web as sharing_web  # noqa: PLC0415
    from yiwang.web import pages  # noqa: PLC0415
    from yiwang.workflow import api as workflow_api  # noqa: PLC0415
    from yiwang.workflow import web as workflow_web  # noqa: PLC0415

    for module in (
        geo_api,
        registry_api,
        sharing_api,
        identity_api,
        workflow_api,
        notify_api,
        ratings_api,
        hotline_api,
        certs_api,
        catalogue_api,
        onestop_api,
        policies_api,
        grants_api,
    ):
        app.include_router(module.router)
    for module in (
        pages,
        geo_web,
        registry_web,
        sharing_web,
        identity_web,
        workflow_web,
        notify_web,
        ratings_web,
        hotline_web,
        certs_web,
        catalogue_web,
        onestop_web,
        policies_web,
        grants_web,
    ):
        app.include_router(module.router)
    from yiwang.workflow import subjects  # noqa: PLC0415

    # The work queue links a case to its record's page; the contexts owning the records say where those are.
    subjects.register(*hotline_web.SUBJECT_KINDS, *onestop_web.SUBJECT_KINDS)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    app.include_router(assets.make_router(settings.frontend_dir))

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """Liveness and database reachability."""
        with app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}


def _install_metrics(app: FastAPI) -> None:
    registry = CollectorRegistry()
    requests = Counter("yiwang_http_requests", "HTTP requests", ["method", "route", "status"], registry=registry)
    latency = Histogram("yiwang_http_request_seconds", "HTTP request latency", ["method", "route"], registry=registry)
    app.state.metrics_registry = registry

    @app.middleware("http")
    async def _measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        latency.labels(request.method, path).observe(time.perf_counter() - started)
        requests.labels(request.method, path, str(response.status_code)).inc()
        return response

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    def metrics() -> PlainTextResponse:
        """Prometheus exposition."""
        return PlainTextResponse(generate_latest(registry).decode(), media_type=CONTENT_TYPE_LATEST)


def _install_error_handlers(app: FastAPI) -> None:
    from fastapi.exception_handlers import http_exception_handler  # noqa: PLC0415 - only the error handlers use it
    from starlette.exceptions import HTTPException as StarletteHTTPException  # noqa: PLC0415

    log = get_logger("yiwang.http")
    # Status → (heading, English heading, hint) of the HTML error pages.
    error_pages = {
        403: ("无权访问", "Forbidden", "如需此权限，请联系本单位管理员或平台管理员。"),
        404: ("页面或数据不存在", "Not found", "可能已被删除、编号有误，或不在您的数据权限范围内。"),
    }

    def wants_page(request: Request, status_code: int) -> bool:
        # People browsing (the browser asks for HTML) get a page; the API, assets, htmx fragment requests, scripts
        # and other statuses keep the JSON body.
        path = request.url.path
        return (
            status_code in error_pages
            and "text/html" in request.headers.get("accept", "")
            and not path.startswith(("/api/", "/vendor/", "/static/"))
            and path != "/api"
            and not request.headers.get("hx-request")
        )

    def error_page(request: Request, status_code: int, message: str) -> Response:
        heading, heading_en, hint = error_pages[status_code]
        templates = request.app.state.templates
        context = {"status_code": status_code, "heading": heading, "heading_en": heading_en, "message": message}
        response: Response = templates.TemplateResponse(
            request, "errors/error.html", {**context, "hint": hint}, status_code=status_code
        )
        return response

    @app.exception_handler(YiwangError)
    async def _domain_error(request: Request, exc: YiwangError) -> Response:
        if wants_page(request, exc.status_code):
            return error_page(request, exc.status_code, exc.message)
        return JSONResponse(status_code=exc.status_code, content={"detail": [exc.to_dict()]})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and wants_page(request, exc.status_code):  # noqa: PLR2004 - unknown page
            return error_page(request, 404, f"找不到页面 {request.url.path}，请检查地址是否正确。")
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {
                "code": "invalid",
                "field": ".".join(str(part) for part in err.get("loc", ()) if part != "body"),
                "message": chinese_message(err),
            }
            for err in exc.errors()
        ]
        log.info("request_invalid", errors=len(details))
        return JSONResponse(status_code=422, content={"detail": details})
