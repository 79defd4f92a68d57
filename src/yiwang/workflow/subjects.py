"""From a case's ``subject_ref`` to the page of the record it is about (诉求, 办事申请, …).

A case names its record as ``<kind>:<key>`` (``appeal:12345-20261130-000042``, ``onestop:17``). The workflow owns
no records and imports no other context, so it cannot know where they live: each context that starts cases
declares a ``SubjectKind`` beside its own pages (its prefix, the link text and a resolver from key to page path,
which may ask its own services), and the composition root registers them when the app is built. A prefix nobody
registered, or a key its resolver does not find, stays plain text.

A link grants nothing: the case page is shown only to those who may see the case, and the record's page checks
the viewer's scope again itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

Resolver = Callable[[Session, str], str | None]
"""``(session, key) -> page path`` of the record, or ``None`` when there is no such record."""


@dataclass(frozen=True, slots=True)
class SubjectKind:
    """One kind of record a case can be about, as its owning context declares it."""

    prefix: str
    """The part of ``subject_ref`` before the first colon (``appeal``)."""
    label: str
    """The link text (``查看诉求``)."""
    resolve: Resolver


@dataclass(frozen=True, slots=True)
class SubjectLink:
    """Where a case's record is and what the link says."""

    href: str
    label: str


_KINDS: dict[str, SubjectKind] = {}


def register(*kinds: SubjectKind) -> None:
    """Make the case pages link records of these kinds (idempotent: a prefix registered again is replaced)."""
    for kind in kinds:
        _KINDS[kind.prefix] = kind


def _split(subject_ref: str) -> tuple[SubjectKind | None, str]:
    prefix, colon, key = subject_ref.partition(":")
    if not colon or not key:
        return None, ""
    return _KINDS.get(prefix), key


def link_label(subject_ref: str) -> str | None:
    """The link text for a case's record if its kind is registered, without looking the record up."""
    kind, _key = _split(subject_ref)
    return kind.label if kind else None


def link_for(session: Session, subject_ref: str) -> SubjectLink | None:
    """The link to a case's record, or ``None`` (unknown kind, or no such record): the caller shows plain text."""
    kind, key = _split(subject_ref)
    if kind is None:
        return None
    href = kind.resolve(session, key)
    return SubjectLink(href=href, label=kind.label) if href else None
