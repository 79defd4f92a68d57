"""What a seeding run reports: rows per table and the time it took."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SeedReport:
    """Rows written per table (registry table names), how long it took, and what defined the data."""

    scale: str  # "demo" (database) or "city" (Parquet)
    seed: int
    as_of: dt.date  # reference date of the synthetic city ("today" for ages, validity and recent records)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    target: str = ""  # database URL without password, or the output directory

    @property
    def total_rows(self) -> int:
        """Rows written over all tables."""
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary (benchmarks print it)."""
        return {
            "scale": self.scale,
            "seed": self.seed,
            "as_of": self.as_of.isoformat(),
            "counts": dict(self.counts),
            "total_rows": self.total_rows,
            "seconds": round(self.seconds, 2),
            "target": self.target,
        }
