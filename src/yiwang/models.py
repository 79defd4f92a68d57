"""Every context's ORM models, imported once so Alembic and ``create_all`` see the whole schema."""

from __future__ import annotations

from yiwang.db import Base
from yiwang.geo import models as geo_models
from yiwang.registry import models as registry_models
from yiwang.sharing import models as sharing_models

metadata = Base.metadata

__all__ = ["geo_models", "metadata", "registry_models", "sharing_models"]
