"""Sharing commands: a holder makes one of their badge awards or certificates, or their
team's result in a finished challenge, public, or withdraws it. One transaction each;
``actor_id`` is the holder (nobody shares for someone else); each writes the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from portal.accounts.audit import record_audit
from portal.accounts.models import User
from portal.certificates.models import Certificate
from portal.clock import local_today, utcnow
from portal.db import session, transaction
from portal.errors import NotAllowed, NotFound
from portal.gamification.models import BadgeAward
from portal.gamification.rules import LEVELS
from portal.sharing.models import ShareKind, ShareLink
from portal.sharing.rules import may_share, new_share_code
from portal.teams.pk.queries import lock_challenge
from portal.teams.pk.results import shareable_entry_id


def _holder(actor_id: int) -> User:
    user = session().get(User, actor_id)
    if user is None or not may_share(user, local_today()):
        raise NotAllowed(_l("This account may not share pages publicly."))
    return user


def _live(column: InstrumentedAttribute[int | None], subject_id: int) -> ShareLink | None:
    return (
        session()
        .scalars(select(ShareLink).where(column == subject_id, ShareLink.withdrawn_at.is_(None)))
        .first()
    )


def _create(user: User, kind: str, **subject: int) -> ShareLink:
    link = ShareLink(code=new_share_code(), user_id=user.id, kind=kind, **subject)
    session().add(link)
    session().flush()
    record_audit(
        "share.create",
        actor_id=user.id,
        subject_type="share_link",
        subject_id=link.id,
        details={"kind": kind, **subject},
    )
    return link


def share_badge(*, actor_id: int, badge_key: str) -> ShareLink:
    """Make the actor's highest tier of ``badge_key`` public; the live share of that award if
    there is one already (sharing twice gives one link). NotFound when they hold no tier of
    it, NotAllowed when ``may_share`` refuses the account."""
    with transaction() as db:
        user = _holder(actor_id)
        awards = list(
            db.scalars(
                select(BadgeAward)
                .where(BadgeAward.user_id == actor_id, BadgeAward.badge_key == badge_key)
                .with_for_update()
            )
        )
        if not awards:
            raise NotFound(_l("You have not earned this badge yet."))
        top = max(awards, key=lambda a: LEVELS.index(a.tier) if a.tier in LEVELS else -1)
        return _live(ShareLink.badge_award_id, top.id) or _create(
            user, ShareKind.BADGE, badge_award_id=top.id
        )


def share_certificate(*, actor_id: int, certificate_code: str) -> ShareLink:
    """Make one of the actor's certificates public (the live share if there is one). NotFound
    for a certificate that is not theirs (the same answer as for none) or is revoked,
    NotAllowed when ``may_share`` refuses the account."""
    with transaction() as db:
        user = _holder(actor_id)
        cert = db.scalars(
            select(Certificate).where(Certificate.code == certificate_code).with_for_update()
        ).first()
        if cert is None or cert.subject_id != actor_id or cert.is_revoked:
            raise NotFound(_l("No such certificate."))
        return _live(ShareLink.certificate_id, cert.id) or _create(
            user, ShareKind.CERTIFICATE, certificate_id=cert.id
        )


def share_team_result(*, actor_id: int, challenge_id: int) -> ShareLink:
    """Make the final result of the actor's team in a finished challenge public (the live
    share if there is one): a member of the team at its end, or its captain. NotFound before
    the challenge is final or for someone whose team was not in it, NotAllowed when
    ``may_share`` refuses the account."""
    with transaction() as db:
        user = _holder(actor_id)
        lock_challenge(challenge_id)  # one share at a time of the same result
        entry_id = shareable_entry_id(challenge_id, actor_id)
        if entry_id is None:
            raise NotFound(_l("Your team has no final result in this challenge."))
        live = db.scalars(
            select(ShareLink).where(
                ShareLink.challenge_entry_id == entry_id,
                ShareLink.user_id == actor_id,
                ShareLink.withdrawn_at.is_(None),
            )
        ).first()
        return live or _create(user, ShareKind.TEAM_RESULT, challenge_entry_id=entry_id)


def withdraw_share(*, actor_id: int, share_code: str) -> ShareLink:
    """The holder takes a share down: its page and poster are 404 from now on (withdrawing
    again changes nothing). NotFound for a share that is not theirs."""
    with transaction() as db:
        link = db.scalars(
            select(ShareLink).where(ShareLink.code == share_code).with_for_update()
        ).first()
        if link is None or link.user_id != actor_id:
            raise NotFound(_l("No such shared page."))
        if link.withdrawn_at is None:
            link.withdrawn_at = utcnow()
            record_audit(
                "share.withdraw",
                actor_id=actor_id,
                subject_type="share_link",
                subject_id=link.id,
            )
        return link
