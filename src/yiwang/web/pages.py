"""Platform-wide pages: the home page (what yiwang is, key counts, charts and the district map)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from yiwang.registry import services as registry_services
from yiwang.web.deps import SessionDep, TemplatesDep

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, session: SessionDep, templates: TemplatesDep) -> HTMLResponse:
    """首页: 一网通办 · 一网统管 at a glance, or how to seed the demo city when the database is empty."""
    overview = registry_services.overview(session)
    return templates.TemplateResponse(request, "home.html", {"overview": overview})
