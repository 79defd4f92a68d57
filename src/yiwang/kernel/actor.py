"""Who is acting: the identity every service receives and the audit log records."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    """An account or system identity acting on behalf of a department in a role."""

    id: str
    department: str | None
    role: str
    display_name: str = ""


CONSOLE_ACTOR = Actor(id="console", department="cityops", role="platform", display_name="城运平台控制台")
"""The identity of the platform console until accounts exist (Foundation II replaces it with logins)."""

SYSTEM_ACTOR = Actor(id="system", department="cityops", role="system", display_name="系统任务")
"""Background jobs and CLI commands run by the platform team."""
