"""The one-stop context's view of the catalogue and e-certificate contexts: one place for every call it makes.

Applications need items and bundles (``catalogue.services``) and issue, find and revoke certificates
(``certs.services``). Keeping those calls here means the services read as the use case, and a unit test can swap
the two contexts for small fakes (``use_fakes``) while integration and end-to-end tests run the real ones. The
other contexts are imported when first called, so this module imports cleanly whatever their state.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from yiwang.catalogue.schemas import BundleOut, ItemOut
from yiwang.certs.schemas import CertificateIssue, CertificateRead
from yiwang.kernel.actor import Actor


class Catalogue(Protocol):
    """What applications read from the service catalogue."""

    def item(self, session: Session, code: str) -> ItemOut:
        """The published item (NotFoundError when absent or retired)."""
        ...

    def bundle(self, session: Session, code: str) -> BundleOut:
        """The published bundle with its merged form and materials."""
        ...


class Certificates(Protocol):
    """What applications do with e-certificates."""

    def issue(self, session: Session, *, actor: Actor, data: CertificateIssue) -> CertificateRead:
        """Issue (idempotent on ``data.idempotency_key``) in the caller's transaction."""
        ...

    def find_valid(self, session: Session, *, holder_id: str, cert_type: str) -> CertificateRead | None:
        """The holder's valid (issued, in force, authentic) certificate of a type, if any."""
        ...

    def revoke(self, session: Session, *, actor: Actor, number: str, reason: str) -> None:
        """Revoke a certificate by number (in the caller's transaction)."""
        ...


def _services(name: str) -> Any:
    return importlib.import_module(f"yiwang.{name}.services")


class RealCatalogue:
    """``yiwang.catalogue.services``."""

    def item(self, session: Session, code: str) -> ItemOut:
        """The published item."""
        found: ItemOut = _services("catalogue").get_item(session, code=code)
        return found

    def bundle(self, session: Session, code: str) -> BundleOut:
        """The published bundle."""
        found: BundleOut = _services("catalogue").get_bundle(session, code=code)
        return found


class RealCertificates:
    """``yiwang.certs.services``."""

    def issue(self, session: Session, *, actor: Actor, data: CertificateIssue) -> CertificateRead:
        """Issue through the certs context (it signs; the caller commits)."""
        issued: CertificateRead = _services("certs").issue_certificate(session, actor=actor, data=data, commit=False)
        return issued

    def find_valid(self, session: Session, *, holder_id: str, cert_type: str) -> CertificateRead | None:
        """The holder's valid certificate of the type."""
        found: CertificateRead | None = _services("certs").find_valid(session, holder_id=holder_id, cert_type=cert_type)
        return found

    def revoke(self, session: Session, *, actor: Actor, number: str, reason: str) -> None:
        """Revoke by number, in the caller's transaction."""
        _services("certs").revoke(session, actor=actor, certificate_id=number, reason=reason, commit=False)


@dataclass(slots=True)
class _Ports:
    catalogue: Catalogue
    certificates: Certificates


PORTS = _Ports(catalogue=RealCatalogue(), certificates=RealCertificates())
"""The contexts in use (the real ones, unless a unit test swapped them with :func:`use_fakes`)."""


@contextmanager
def use_fakes(*, catalogue: Catalogue | None = None, certificates: Certificates | None = None) -> Iterator[None]:
    """Unit tests only: run with fakes of the catalogue and/or certs, restoring the real ones afterwards."""
    saved = (PORTS.catalogue, PORTS.certificates)
    PORTS.catalogue = catalogue or PORTS.catalogue
    PORTS.certificates = certificates or PORTS.certificates
    try:
        yield
    finally:
        PORTS.catalogue, PORTS.certificates = saved
