"""Who is acting: the identity every service receives and the audit log records."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Actor:
    """An account or system identity acting for a department (or for itself) in one or more roles.

    The scope fields say what the actor may see: a department, a district, a street, a grid, or only itself
    (``person_id_number`` for a citizen, ``enterprise_uscc`` for an enterprise agent). ``roles`` lists every role
    held; ``role`` is the primary one (what the audit log records).
    """

    id: str
    department: str | None
    role: str
    display_name: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    district_code: str | None = None
    street_code: str | None = None
    grid_code: str | None = None
    person_id_number: str | None = None
    enterprise_uscc: str | None = None

    def has_role(self, *names: str) -> bool:
        """Whether the actor holds any of the given roles."""
        return self.role in names or bool(self.roles.intersection(names))


CONSOLE_ACTOR = Actor(
    id="console", department="cityops", role="platform", display_name="城运平台控制台", roles=frozenset({"platform"})
)
"""The identity of the platform console until accounts exist (Foundation II replaces it with logins)."""

SYSTEM_ACTOR = Actor(
    id="system", department="cityops", role="system", display_name="系统任务", roles=frozenset({"system"})
)
"""Background jobs and CLI commands run by the platform team."""
