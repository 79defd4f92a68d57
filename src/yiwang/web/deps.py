"""FastAPI dependencies shared by every context's ``api.py`` and ``web.py``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from yiwang.config import Settings
from yiwang.kernel.actor import Actor


def get_session(request: Request) -> Iterator[Session]:
    """A database session for one request; services commit, this only closes."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.close()


def get_settings(request: Request) -> Settings:
    """The application's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_templates(request: Request) -> Jinja2Templates:
    """The shared Jinja2 environment."""
    templates: Jinja2Templates = request.app.state.templates
    return templates


SessionDep = Annotated[Session, Depends(get_session)]


def get_actor(request: Request, session: SessionDep) -> Actor:
    """The logged-in actor (session cookie or bearer token); pages redirect to /login, the API answers 401."""
    from yiwang.identity import deps as identity_deps  # noqa: PLC0415 - identity.deps imports this module

    return identity_deps.require_actor(request, identity_deps.current_actor(request, session))


def get_optional_actor(request: Request, session: SessionDep) -> Actor | None:
    """The logged-in actor, or None on public pages."""
    from yiwang.identity import deps as identity_deps  # noqa: PLC0415

    return identity_deps.current_actor(request, session)


SettingsDep = Annotated[Settings, Depends(get_settings)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
ActorDep = Annotated[Actor, Depends(get_actor)]
OptionalActorDep = Annotated[Actor | None, Depends(get_optional_actor)]
