"""The Jinja2 environment shared by every context's pages (templates live in ``yiwang/web/templates``).

Filters every template may use: ``format_date`` (``2024年3月7日``; ``"short"`` → ISO), ``format_datetime``
(北京时间 to the minute), ``format_money`` (``unit="万元"``, ``compact=True``), ``format_number``, ``mask``
(``"id_number"``/``"phone"``/``"name"``/``"address"``), ``days_until`` and ``chart_rows`` (counts → chart rows);
``tojson`` accepts pydantic models, dates and decimals. Globals: ``page_window`` and ``page_link(request)`` for
the pagination macro in ``_macros.html``, ``frontend_ready`` (the npm packages are installed, so charts and maps
can load), ``map_tile_url`` and ``map_tile_attribution``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from pydantic_core import to_jsonable_python
from starlette.requests import Request

from yiwang import __version__
from yiwang.config import Settings
from yiwang.web import formatting
from yiwang.web.assets import vendor_ready
from yiwang.web.charts import chart_rows

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def page_link(request: Request, param: str = "page") -> Callable[[int], str]:
    """A function giving the current page's URL with ``param`` set to a page number (other query kept)."""

    def url_for_page(number: int) -> str:
        url = request.url.include_query_params(**{param: number})
        return f"{url.path}?{url.query}"

    return url_for_page


def json_dumps(value: Any, **kwargs: Any) -> str:
    """``tojson`` for pages: pydantic models, dates and decimals become JSON (decimals as numbers, for charts)."""
    return json.dumps(value, default=_jsonable, **kwargs)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return to_jsonable_python(value)


def make_templates(settings: Settings) -> Jinja2Templates:
    """Build the template environment with the globals and filters every page uses."""
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    env = templates.env
    env.policies["json.dumps_function"] = json_dumps
    env.globals["version"] = __version__
    env.globals["city_code"] = settings.city_code
    env.globals["frontend_ready"] = vendor_ready(settings.frontend_dir)
    env.globals["map_tile_url"] = settings.map_tile_url
    env.globals["map_tile_attribution"] = settings.map_tile_attribution
    env.globals["page_window"] = formatting.page_window
    env.globals["page_link"] = page_link
    env.filters["format_date"] = formatting.format_date
    env.filters["format_datetime"] = formatting.format_datetime
    env.filters["format_money"] = formatting.format_money
    env.filters["format_number"] = formatting.format_number
    env.filters["mask"] = formatting.mask
    env.filters["days_until"] = formatting.days_until
    env.filters["chart_rows"] = chart_rows
    return templates
