"""Every context's ORM models, imported once so Alembic and ``create_all`` see the whole schema."""

from __future__ import annotations

from yiwang.db import Base
from yiwang.geo import models as geo_models
from yiwang.identity import models as identity_models
from yiwang.notify import models as notify_models
from yiwang.ratings import models as ratings_models
from yiwang.registry import models as registry_models
from yiwang.sharing import models as sharing_models
from yiwang.workflow import models as workflow_models

metadata = Base.metadata

__all__ = [
    "geo_models",
    "identity_models",
    "metadata",
    "notify_models",
    "ratings_models",
    "registry_models",
    "sharing_models",
    "workflow_models",
]
