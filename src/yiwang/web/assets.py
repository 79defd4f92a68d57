"""Serves the npm front-end packages (installed from package-lock.json) under ``/vendor``.

Only an allow-list of files is exposed, so ``node_modules`` never leaks wholesale onto the web.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from yiwang.kernel.errors import NotFoundError

VENDOR_FILES: dict[str, str] = {
    "echarts.min.js": "echarts/dist/echarts.min.js",
    "leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet.css": "leaflet/dist/leaflet.css",
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
}
"""Public name → path inside ``node_modules``."""


def make_router(frontend_dir: Path) -> APIRouter:
    """Routes ``/vendor/<name>`` to the allow-listed file in ``frontend_dir``."""
    router = APIRouter(include_in_schema=False)

    @router.get("/vendor/{name}")
    def vendor(name: str) -> FileResponse:
        relative = VENDOR_FILES.get(name)
        path = frontend_dir / relative if relative else None
        if path is None or not path.is_file():
            raise NotFoundError(f"前端资源 {name} 未安装（请在项目根目录运行 npm ci）", field="name")
        return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})

    return router
