"""Identity and access: accounts, roles and data scopes, logins (password, tokens, OIDC), the access choke point.

Other contexts call :mod:`yiwang.identity.access` (``authorize``, ``access_person``, ``access_enterprise``,
``unmask``) and describe what they protect with :class:`~yiwang.identity.scopes.ResourceRef`.
"""

from yiwang.identity.scopes import ResourceKind, ResourceRef, Role

__all__ = ["ResourceKind", "ResourceRef", "Role"]
