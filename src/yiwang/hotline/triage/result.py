"""The triage result: what the model says about one appeal text (the contract between triage and intake)."""

from __future__ import annotations

from dataclasses import dataclass, field

APPEAL_TYPES = ("咨询", "求助", "投诉", "举报", "建议", "表扬")
"""诉求类型 (北京接诉即办条例 plus the local 表扬)."""

URGENCIES = ("一般", "紧急", "特急")
"""Urgency of an appeal, as operators record it."""

EMERGENCY_NUMBERS = ("110", "119", "120", "122")
"""Emergencies the 12345 line does not handle: police, fire, ambulance, traffic accidents."""


@dataclass(frozen=True)
class TriageResult:
    """One appeal's triage: type, category, lead and assisting departments, jurisdiction, urgency, redirect."""

    type: str
    category: str
    """Leaf code of the hotline taxonomy (``yiwang/hotline/data``)."""
    category_path: tuple[str, ...]
    """Names of the category's levels, top first."""
    department: str
    """Lead department: a code of ``departments.yaml``."""
    also: tuple[str, ...]
    """Assisting departments (协办), codes of ``departments.yaml``."""
    district_code: str | None
    street_code: str | None
    urgency: str
    redirect: str | None
    """``None`` or the emergency number the caller must be transferred to."""
    redirect_reason: str | None
    confidence: float
    """0..1; below the configured threshold the appeal goes to a person (``needs_review``)."""
    needs_review: bool
    model_version: str
    explanations: dict[str, str] = field(default_factory=dict)
    """Why, per field (e.g. which words or which pin decided the district), shown to the operator."""
    limit_class: str | None = None
    """Time-limit class of the category (``hotline/data/taxonomy.yaml``: hours24, fast, normal, complex)."""
