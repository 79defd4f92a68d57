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
    # leaflet.css refers to its images relative to itself, i.e. /vendor/images/…
    "images/layers.png": "leaflet/dist/images/layers.png",
    "images/layers-2x.png": "leaflet/dist/images/layers-2x.png",
    "images/marker-icon.png": "leaflet/dist/images/marker-icon.png",
    "images/marker-icon-2x.png": "leaflet/dist/images/marker-icon-2x.png",
    "images/marker-shadow.png": "leaflet/dist/images/marker-shadow.png",
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
}
"""Public name → path inside ``node_modules``."""

REQUIRED_FOR_PAGES = ("echarts.min.js", "leaflet.js", "leaflet.css", "htmx.min.js")
"""The files pages load; when any is missing, pages say so and show their tables without charts or maps."""


def vendor_ready(frontend_dir: Path) -> bool:
    """Whether the npm packages the pages load are installed in ``frontend_dir``."""
    return all((frontend_dir / VENDOR_FILES[name]).is_file() for name in REQUIRED_FOR_PAGES)


def make_router(frontend_dir: Path) -> APIRouter:
    """Routes ``/vendor/<name>`` to the allow-listed file in ``frontend_dir``."""
    router = APIRouter(include_in_schema=False)

    @router.get("/vendor/{name:path}")
    def vendor(name: str) -> FileResponse:
        relative = VENDOR_FILES.get(name)
        if relative is None:
            raise NotFoundError(f"前端资源 {name} 不存在（/vendor 只提供允许列表中的文件）", field="name")
        path = frontend_dir / relative
        if not path.is_file():
            raise NotFoundError(f"前端资源 {name} 未安装（请在项目根目录运行 npm ci）", field="name")
        return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})

    return router
