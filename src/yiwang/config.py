"""The one typed settings object; the only place that reads ``YIWANG_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""The checkout this package runs from (``src/yiwang`` → two levels up)."""


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set as ``YIWANG_<FIELD>`` (e.g. ``YIWANG_DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="YIWANG_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///yiwang.db",
        description="SQLAlchemy URL. SQLite file in the working directory by default; "
        "postgresql+psycopg://user@host/db in production.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = Field(default=False, description="Emit logs as JSON lines (production).")
    city_code: str = Field(default="510100", description="GB/T 2260 code of the city served.")
    seed: int = Field(default=20261128, description="Default seed of the synthetic city.")
    frontend_dir: Path = Field(
        default=PROJECT_ROOT / "node_modules",
        description="Where the npm front-end packages (package-lock.json) are installed.",
    )
    grid_cell_m: int = Field(
        default=2000,
        ge=100,
        le=20000,
        description="Edge length in metres of the synthetic unit grids generated inside each district.",
    )
    sql_echo: bool = False
