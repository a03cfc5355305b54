"""Reads for the methodology library, the officials' queue and the quantify job."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from portal.db import session
from portal.methodology.categories import CATEGORIES
from portal.methodology.models import (
    Methodology,
    MethodologyEvent,
    MethodologyVersion,
)
from portal.methodology.permissions import PUBLIC_STATUSES
from portal.methodology.versions import VersionSpec, spec_from_definition


def list_public_methodologies() -> list[Methodology]:
    """Filed, suspended and retired methodologies, by category order then code."""
    order = {c.code: i for i, c in enumerate(CATEGORIES)}
    rows = session().scalars(select(Methodology).where(Methodology.status.in_(PUBLIC_STATUSES)))
    return sorted(rows, key=lambda m: (order.get(m.category, 99), m.code))


def get_methodology_by_code(code: str) -> Methodology | None:
    return session().scalar(select(Methodology).where(Methodology.code == code.upper()))


def get_methodology(methodology_id: int) -> Methodology | None:
    return session().get(Methodology, methodology_id)


def list_history(methodology_id: int) -> list[MethodologyEvent]:
    return list(
        session().scalars(
            select(MethodologyEvent)
            .where(MethodologyEvent.methodology_id == methodology_id)
            .order_by(MethodologyEvent.id)
        )
    )


def count_by_status() -> dict[str, int]:
    """How many methodologies stand in each status (statuses with none are left out)."""
    rows = session().execute(select(Methodology.status, func.count()).group_by(Methodology.status))
    return {status: count for status, count in rows}


def list_by_status(statuses: Iterable[str]) -> list[Methodology]:
    """The officials' queue: methodologies in the given statuses, oldest change first."""
    return list(
        session().scalars(
            select(Methodology)
            .where(Methodology.status.in_(list(statuses)))
            .order_by(Methodology.updated_at)
        )
    )


def list_for_organisation(organisation_id: int) -> list[Methodology]:
    return list(
        session().scalars(
            select(Methodology)
            .where(Methodology.developer_org_id == organisation_id)
            .order_by(Methodology.updated_at.desc())
        )
    )


def get_version_in_force(methodology_id: int, at: datetime) -> MethodologyVersion | None:
    """The filed version whose ``[effective_from, effective_to)`` contains ``at``."""
    return session().scalar(
        select(MethodologyVersion).where(
            MethodologyVersion.methodology_id == methodology_id,
            MethodologyVersion.is_filed.is_(True),
            MethodologyVersion.effective_from <= at,
            or_(MethodologyVersion.effective_to.is_(None), MethodologyVersion.effective_to > at),
        )
    )


def list_filed_versions(methodology_ids: Iterable[int]) -> list[MethodologyVersion]:
    """Every filed version of these methodologies (the quantify job picks per record)."""
    ids = list(set(methodology_ids))
    if not ids:
        return []
    return list(
        session().scalars(
            select(MethodologyVersion).where(
                and_(
                    MethodologyVersion.methodology_id.in_(ids),
                    MethodologyVersion.is_filed.is_(True),
                )
            )
        )
    )


def get_methodologies_by_code(codes: Iterable[str]) -> dict[str, Methodology]:
    wanted = {c.upper() for c in codes}
    if not wanted:
        return {}
    rows = session().scalars(select(Methodology).where(Methodology.code.in_(wanted)))
    return {m.code: m for m in rows}


class FiledVersions:
    """Filed versions per methodology, each definition parsed once, for choosing the version in
    force at a record's time (intake and the quantify job). Filed versions never change, so a
    cache lives as long as the caller needs it."""

    def __init__(self) -> None:
        self._by_methodology: dict[int, list[tuple[MethodologyVersion, VersionSpec]]] = {}

    def load(self, methodology_ids: Iterable[int]) -> None:
        missing = [m for m in set(methodology_ids) if m not in self._by_methodology]
        for methodology_id in missing:
            self._by_methodology[methodology_id] = []
        for version in list_filed_versions(missing):
            self._by_methodology[version.methodology_id].append(
                (version, spec_from_definition(version.definition))
            )

    def of(self, methodology_id: int) -> list[tuple[MethodologyVersion, VersionSpec]]:
        """The filed versions of a loaded methodology, with their parsed definitions."""
        return self._by_methodology[methodology_id]

    def in_force(
        self, methodology_id: int, at: datetime
    ) -> tuple[MethodologyVersion, VersionSpec] | None:
        for version, spec in self._by_methodology.get(methodology_id, []):
            if version.effective_from <= at and (
                version.effective_to is None or at < version.effective_to
            ):
                return version, spec
        return None
