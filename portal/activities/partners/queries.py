"""Reads about partner platforms: who runs them, what they sent, what they may send."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.accounts.models import Membership, Organisation, OrgKind, User
from portal.activities.models import BehaviorRecord, Partner
from portal.clock import utcnow
from portal.db import session
from portal.methodology.engine import RecordParameter
from portal.methodology.models import Methodology, MethodologyStatus
from portal.methodology.queries import get_version_in_force
from portal.methodology.versions import spec_from_definition


def get_partner_by_public_id(public_id: str) -> Partner | None:
    return session().scalar(select(Partner).where(Partner.public_id == public_id))


def is_partner_member(user: User, partner: Partner) -> bool:
    """Whether ``user`` is staff of the (partner-kind) organisation that runs ``partner``."""
    return partner.organisation_id is not None and any(
        m.organisation_id == partner.organisation_id
        and m.organisation.kind == OrgKind.PARTNER.value
        for m in user.memberships
    )


def list_partners_for_user(user_id: int) -> list[Partner]:
    """The partner platforms run by the user's partner organisations, by name."""
    return list(
        session().scalars(
            select(Partner)
            .join(Membership, Membership.organisation_id == Partner.organisation_id)
            .join(Organisation, Organisation.id == Partner.organisation_id)
            .where(Membership.user_id == user_id, Organisation.kind == OrgKind.PARTNER.value)
            .order_by(Partner.name)
        )
    )


def list_recent_records(
    partner_id: int, limit: int = 20
) -> list[tuple[BehaviorRecord, Methodology]]:
    """The partner's latest records, newest first, with their methodology."""
    return [
        (record, methodology)
        for record, methodology in session().execute(
            select(BehaviorRecord, Methodology)
            .join(Methodology, Methodology.id == BehaviorRecord.methodology_id)
            .where(BehaviorRecord.partner_id == partner_id)
            .order_by(BehaviorRecord.id.desc())
            .limit(limit)
        )
    ]


@dataclass(frozen=True)
class ScenarioGuide:
    """What a partner needs to send records for one authorised scenario."""

    methodology: Methodology
    unit: str | None  # the activity unit of the version in force; None if none is
    parameters: tuple[RecordParameter, ...] = ()


def list_scenario_guides(
    codes: Iterable[str], *, at: datetime | None = None
) -> list[ScenarioGuide]:
    """The methodologies behind a partner's authorised codes, by code, with the unit and the
    record parameters of the version in force at ``at`` (now by default)."""
    wanted = list(codes)
    if not wanted:
        return []
    at = at or utcnow()
    guides = []
    for methodology in session().scalars(
        select(Methodology).where(Methodology.code.in_(wanted)).order_by(Methodology.code)
    ):
        version = get_version_in_force(methodology.id, at)
        if version is None:
            guides.append(ScenarioGuide(methodology, None))
            continue
        spec = spec_from_definition(version.definition)
        guides.append(ScenarioGuide(methodology, spec.activity_unit, spec.parameters))
    return guides


@dataclass(frozen=True)
class PartnerName:
    """A partner platform as citizens see it: in Chinese its own name (the app they know), in
    English its operator organisation's English name (a partner has one name column, its
    organisation is bilingual); a partner without an organisation keeps its name in both."""

    name_zh: str
    name_en: str


def get_partner_names(partner_ids: Iterable[int]) -> dict[int, PartnerName]:
    """The citizen-facing names of these partners, by id (one query)."""
    wanted = set(partner_ids)
    if not wanted:
        return {}
    rows = session().execute(
        select(Partner.id, Partner.name, Organisation.name_en)
        .outerjoin(Organisation, Organisation.id == Partner.organisation_id)
        .where(Partner.id.in_(wanted))
    )
    return {pid: PartnerName(name, name_en or name) for pid, name, name_en in rows}


@dataclass(frozen=True)
class PartnerSource:
    """An active partner platform and the filed scenarios it reports for citizens."""

    partner_id: int
    name: PartnerName
    methodologies: tuple[Methodology, ...]


def list_partner_sources() -> list[PartnerSource]:
    """Every active partner with the filed methodologies it is authorised for, by name (two
    queries); partners authorised for nothing filed are left out."""
    partners = (
        session()
        .execute(
            select(Partner.id, Partner.name, Partner.methodology_codes, Organisation.name_en)
            .outerjoin(Organisation, Organisation.id == Partner.organisation_id)
            .where(Partner.is_active.is_(True))
            .order_by(Partner.name)
        )
        .all()
    )
    codes = {code for row in partners for code in row.methodology_codes}
    filed = {
        m.code: m
        for m in session().scalars(
            select(Methodology).where(
                Methodology.code.in_(codes), Methodology.status == MethodologyStatus.FILED.value
            )
        )
    }
    sources = []
    for pid, name, partner_codes, name_en in partners:
        methodologies = tuple(filed[c] for c in sorted(partner_codes) if c in filed)
        if methodologies:
            sources.append(PartnerSource(pid, PartnerName(name, name_en or name), methodologies))
    return sources
