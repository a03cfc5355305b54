"""Share reads: what a public share page shows (alias only; for a team result, team names),
and a holder's live shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.accounts.models import User
from portal.certificates.models import Certificate
from portal.clock import local_today
from portal.db import session
from portal.gamification.models import BadgeAward
from portal.sharing.models import ShareKind, ShareLink
from portal.sharing.rules import is_share_code, may_share
from portal.teams.pk.results import TeamResult, get_team_result


@dataclass(frozen=True)
class Shared:
    """What a public share page shows: the holder's alias (never a phone, an email, a real
    name or a district), what was earned and when. ``badge_key`` and ``tier`` for a badge;
    ``title_zh`` / ``title_en`` and ``certificate_code`` (for its verification page) for a
    certificate."""

    code: str
    kind: str
    alias: str
    earned_at: datetime
    badge_key: str | None = None
    tier: str | None = None
    title_zh: str | None = None
    title_en: str | None = None
    certificate_code: str | None = None
    team_result: TeamResult | None = None


def get_shared(code: str) -> Shared | None:
    """The live share with ``code``, or None: unknown or malformed code, withdrawn share,
    holder who may not share (``may_share``, asked on every read), revoked certificate."""
    if not is_share_code(code):
        return None
    row = (
        session()
        .execute(
            select(ShareLink, User, BadgeAward, Certificate)
            .join(User, User.id == ShareLink.user_id)
            .outerjoin(BadgeAward, BadgeAward.id == ShareLink.badge_award_id)
            .outerjoin(Certificate, Certificate.id == ShareLink.certificate_id)
            .where(ShareLink.code == code, ShareLink.withdrawn_at.is_(None))
        )
        .first()
    )
    if row is None:
        return None
    link, user, award, cert = row
    if not may_share(user, local_today()):
        return None
    if link.kind == ShareKind.BADGE and award is not None:
        return Shared(
            code, link.kind, user.display_name, award.awarded_at, award.badge_key, award.tier
        )
    if link.kind == ShareKind.CERTIFICATE and cert is not None and not cert.is_revoked:
        return Shared(
            code,
            link.kind,
            user.display_name,
            cert.issued_at,
            title_zh=cert.title_zh,
            title_en=cert.title_en,
            certificate_code=cert.code,
        )
    if link.kind == ShareKind.TEAM_RESULT and link.challenge_entry_id is not None:
        result = get_team_result(link.challenge_entry_id)
        if result is not None:
            return Shared(
                code, link.kind, user.display_name, result.finalised_at, team_result=result
            )
    return None


def list_live_shares(user_id: int) -> dict[tuple[str, str], str]:
    """The holder's live share codes: ``("badge", "<key>:<tier>")``,
    ``("certificate", "<certificate code>")`` and ``("team_result", "<entry id>")`` → share
    code."""
    rows = session().execute(
        select(
            ShareLink.code,
            ShareLink.kind,
            BadgeAward.badge_key,
            BadgeAward.tier,
            Certificate.code,
            ShareLink.challenge_entry_id,
        )
        .outerjoin(BadgeAward, BadgeAward.id == ShareLink.badge_award_id)
        .outerjoin(Certificate, Certificate.id == ShareLink.certificate_id)
        .where(ShareLink.user_id == user_id, ShareLink.withdrawn_at.is_(None))
    )
    shares = {}
    for code, kind, key, tier, cert_code, entry_id in rows:
        subject = {ShareKind.BADGE: f"{key}:{tier}", ShareKind.TEAM_RESULT: str(entry_id)}
        shares[(kind, subject.get(kind, str(cert_code)))] = code
    return shares
