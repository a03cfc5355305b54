"""Team challenge commands, one transaction each, audited: a captain proposes a duel to another
team of the bracket (whose captain accepts or declines) or opens a league that other captains
enter before it starts. Finalising is in ``finalisation.py``.

Proposing, answering and entering lock the teams' rows (in id order), so two commands never
put one team into two overlapping challenges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.audit import record_audit
from portal.accounts.models import User
from portal.clock import local_date, local_today, utcnow
from portal.db import session, transaction
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.notifications import kinds
from portal.notifications.services import post
from portal.teams.models import Team
from portal.teams.pk import queries, rules
from portal.teams.pk.models import ChallengeEntry, TeamChallenge


@dataclass(frozen=True)
class Terms:
    """What a captain chooses: the metric (and scenario for ``SCENARIO``) and the Shanghai
    days from ``starts_on`` to ``ends_on``; ``review_hours`` is the platform's review window
    (the ``TEAM_PK_REVIEW_HOURS`` setting, passed by the page)."""

    metric: str | None
    scenario: str | None
    starts_on: date | None
    ends_on: date | None
    review_hours: int = rules.DEFAULT_REVIEW_HOURS


def propose_duel(
    *, actor: User, team_id: int, rival_id: int, terms: Terms, ip: str | None = None
) -> TeamChallenge:
    """Challenge another team of the bracket; its captain is notified to accept or decline."""
    with transaction():
        team, rival = _lock_teams(team_id, rival_id)
        _check_captain(actor, team)
        if rival.id == team.id or rival.parent_id == team.id or team.parent_id == rival.id:
            raise InvalidInput(_l("Choose another team to challenge."), field="rival_id")
        if rival.bracket != team.bracket or rival.closed_at is not None:
            raise InvalidInput(
                _l("Challenge an open team of the same bracket as yours."), field="rival_id"
            )
        challenge = _new_challenge(actor, team, rules.DUEL, terms)
        _check_free([team, rival], challenge)
        session().add(
            ChallengeEntry(challenge_id=challenge.id, team_id=rival.id, joined_by_id=actor.id)
        )
        session().flush()
        post(
            rival.captain_id,
            kinds.CHALLENGE_PROPOSED,
            _params(challenge, team, rival),
            f"/teams/challenges/{challenge.id}",
            key=f"pk-proposed:{challenge.id}",
        )
        _audit("team_challenge.proposed", actor, challenge, ip, team_id=team.id, rival_id=rival.id)
    return challenge


def open_league(*, actor: User, team_id: int, terms: Terms, ip: str | None = None) -> TeamChallenge:
    """Open a league of the team's bracket, the team its first entrant."""
    with transaction():
        (team,) = _lock_teams(team_id)
        _check_captain(actor, team)
        challenge = _new_challenge(actor, team, rules.LEAGUE, terms)
        _check_free([team], challenge)
        _audit("team_challenge.league_opened", actor, challenge, ip, team_id=team.id)
    return challenge


def answer_duel(
    *, actor: User, challenge_id: int, accept: bool, ip: str | None = None
) -> TeamChallenge:
    """The challenged captain accepts or declines, before the start; both captains are told."""
    with transaction():
        challenge = queries.lock_challenge(challenge_id)
        entry = queries.awaiting_entry(challenge.id, actor.id)
        if challenge.kind != rules.DUEL or entry is None:
            raise NotAllowed(_l("Only the challenged team's captain may answer."))
        now = utcnow()
        if queries.phase_of(challenge, now) != rules.PROPOSED:
            raise Conflict(_l("This challenge can no longer be answered."))
        guest_entry, rival = entry
        (host,) = [
            t for e, t in queries.list_entries(challenge.id) if t.id == challenge.host_team_id
        ]
        _lock_teams(host.id, rival.id)
        if accept:
            _check_free([host, rival], challenge)
            guest_entry.accepted_at = now
            challenge.status = rules.SCHEDULED
        else:
            challenge.status = rules.DECLINED
        challenge.decided_at = now
        params = {**_params(challenge, host, rival), "is_accepted": accept}
        for captain in {host.captain_id, rival.captain_id}:
            post(
                captain,
                kinds.CHALLENGE_ANSWERED,
                params,
                f"/teams/challenges/{challenge.id}",
                key=f"pk-answered:{challenge.id}:{captain}",
            )
        _audit("team_challenge.answered", actor, challenge, ip, accepted=accept)
    return challenge


def join_league(
    *, actor: User, challenge_id: int, team_id: int, ip: str | None = None
) -> ChallengeEntry:
    """Enter a team the actor captains into a league of its bracket, before the league starts."""
    with transaction():
        challenge = queries.lock_challenge(challenge_id)
        (team,) = _lock_teams(team_id)
        _check_captain(actor, team)
        if challenge.kind != rules.LEAGUE or team.bracket != challenge.bracket:
            raise InvalidInput(_l("This league is for another bracket."), field="team_id")
        if queries.phase_of(challenge) != rules.UPCOMING:
            raise Conflict(_l("This league has started: teams join only before the start."))
        if any(t.id == team.id for _, t in queries.list_entries(challenge.id)):
            raise Conflict(_l("Your team is already in this league."))
        _check_free([team], challenge)
        entry = ChallengeEntry(
            challenge_id=challenge.id, team_id=team.id, joined_by_id=actor.id, accepted_at=utcnow()
        )
        session().add(entry)
        session().flush()
        _audit("team_challenge.league_joined", actor, challenge, ip, team_id=team.id)
    return entry


def _new_challenge(actor: User, team: Team, kind: str, terms: Terms) -> TeamChallenge:
    scenario = rules.metric(terms.metric, terms.scenario, queries.scenario_codes())
    when = rules.period(terms.starts_on, terms.ends_on, local_today())
    challenge = TeamChallenge(
        kind=kind,
        bracket=team.bracket,
        metric=terms.metric,
        scenario_code=scenario,
        starts_at=when.starts_at,
        ends_at=when.ends_at,
        review_hours=terms.review_hours,
        status=rules.PROPOSED if kind == rules.DUEL else rules.SCHEDULED,
        host_team_id=team.id,
        created_by_id=actor.id,
    )
    session().add(challenge)
    session().flush()
    session().add(
        ChallengeEntry(
            challenge_id=challenge.id, team_id=team.id, joined_by_id=actor.id, accepted_at=utcnow()
        )
    )
    session().flush()
    return challenge


def _check_free(teams: list[Team], challenge: TeamChallenge) -> None:
    clash = queries.overlapping(
        [t.id for t in teams], queries.period_of(challenge), besides=challenge.id
    )
    if clash is not None:
        raise Conflict(
            _l(
                "“%(name)s” is already in a challenge during these days. Choose other days.",
                name=clash.name,
            ),
            field="starts_on",
        )


def _check_captain(actor: User, team: Team) -> None:
    if team.captain_id != actor.id or team.closed_at is not None:
        raise NotAllowed(_l("Only the team's captain may do that."))


def _lock_teams(*team_ids: int) -> list[Team]:
    rows = {
        t.id: t
        for t in session().scalars(
            select(Team)
            .where(Team.id.in_(team_ids))
            .order_by(Team.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    if len(rows) != len(set(team_ids)):
        raise NotFound(_l("No such team."))
    return [rows[i] for i in team_ids]


def _params(challenge: TeamChallenge, team: Team, rival: Team) -> dict[str, object]:
    return {
        "challenge_id": challenge.id,
        "team": team.name,
        "rival": rival.name,
        "starts_on": local_date(challenge.starts_at).isoformat(),
        "ends_on": local_date(challenge.ends_at - rules.LAST_INSTANT).isoformat(),
        "metric": challenge.metric,
    }


def _audit(
    action: str, actor: User, challenge: TeamChallenge, ip: str | None, **details: object
) -> None:
    record_audit(
        action,
        actor_id=actor.id,
        subject_type="team_challenge",
        subject_id=challenge.id,
        ip=ip,
        details=details,
    )
