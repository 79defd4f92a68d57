"""The Jinja2 environment shared by every context's pages (templates live in ``yiwang/web/templates``)."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from yiwang import __version__
from yiwang.config import Settings

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def make_templates(settings: Settings) -> Jinja2Templates:
    """Build the template environment with the globals every page uses."""
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    templates.env.globals["version"] = __version__
    templates.env.globals["city_code"] = settings.city_code
    templates.env.globals["frontend_ready"] = (settings.frontend_dir / "echarts").is_dir()
    return templates
