"""Every context's ORM models, imported once so Alembic and ``create_all`` see the whole schema."""

from __future__ import annotations

from yiwang.catalogue import models as catalogue_models
from yiwang.certs import models as certs_models
from yiwang.db import Base
from yiwang.geo import models as geo_models
from yiwang.grants import models as grants_models
from yiwang.hotline import models as hotline_models
from yiwang.hotline.triage import models as hotline_triage_models  # noqa: F401 - registers the triage tables
from yiwang.identity import models as identity_models
from yiwang.notify import models as notify_models
from yiwang.onestop import models as onestop_models
from yiwang.policies import models as policies_models
from yiwang.ratings import models as ratings_models
from yiwang.registry import models as registry_models
from yiwang.sharing import models as sharing_models
from yiwang.workflow import models as workflow_models

metadata = Base.metadata

__all__ = [
    "catalogue_models",
    "certs_models",
    "geo_models",
    "grants_models",
    "hotline_models",
    "identity_models",
    "metadata",
    "notify_models",
    "onestop_models",
    "policies_models",
    "ratings_models",
    "registry_models",
    "sharing_models",
    "workflow_models",
]
