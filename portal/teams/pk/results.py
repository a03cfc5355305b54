"""Reads of finished challenges' results: a team's final place among the others (what its
public share page shows: team names, never a person), whose result a member may share, and
a member's team-result certificate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, union

from portal.certificates.models import Certificate
from portal.db import session
from portal.teams.models import Team
from portal.teams.pk import rules
from portal.teams.pk.models import ChallengeEntry, ChallengeResult, ChallengeWinner, TeamChallenge


@dataclass(frozen=True)
class TeamResult:
    """One team's final result in a finished challenge: ``place`` among ``teams`` ranked,
    ``value`` in the challenge's metric, the other teams' names in final order."""

    entry_id: int
    challenge_id: int
    kind: str
    metric: str
    scenario_code: str | None
    starts_at: datetime
    ends_at: datetime
    finalised_at: datetime
    team_name: str
    place: int
    teams: int
    value: int
    opponents: tuple[str, ...]


def count_ranked(challenge_id: int) -> int:
    """How many teams the final snapshot ranked."""
    return int(
        session().scalar(
            select(func.count())
            .select_from(ChallengeEntry)
            .where(
                ChallengeEntry.challenge_id == challenge_id, ChallengeEntry.final_rank.is_not(None)
            )
        )
        or 0
    )


def get_team_result(entry_id: int) -> TeamResult | None:
    """The final result of the entry's team, None unless its challenge is final and ranked it."""
    found = (
        session()
        .execute(
            select(ChallengeEntry, TeamChallenge)
            .join(TeamChallenge, TeamChallenge.id == ChallengeEntry.challenge_id)
            .where(ChallengeEntry.id == entry_id, TeamChallenge.status == rules.FINAL)
        )
        .first()
    )
    if found is None:
        return None
    entry, challenge = found
    if entry.final_rank is None or challenge.finalised_at is None:
        return None
    ranked = session().execute(
        select(ChallengeEntry.id, Team.name)
        .join(Team, Team.id == ChallengeEntry.team_id)
        .where(ChallengeEntry.challenge_id == challenge.id, ChallengeEntry.final_rank.is_not(None))
        .order_by(ChallengeEntry.final_rank, Team.name)
    )
    names = {row_id: name for row_id, name in ranked}
    return TeamResult(
        entry_id=entry.id,
        challenge_id=challenge.id,
        kind=challenge.kind,
        metric=challenge.metric,
        scenario_code=challenge.scenario_code,
        starts_at=challenge.starts_at,
        ends_at=challenge.ends_at,
        finalised_at=challenge.finalised_at,
        team_name=names[entry.id],
        place=entry.final_rank,
        teams=len(names),
        value=entry.final_value or 0,
        opponents=tuple(name for row_id, name in names.items() if row_id != entry.id),
    )


def shareable_entry_id(challenge_id: int, user_id: int) -> int | None:
    """The entry whose final result ``user_id`` may share: their team's, as a member at the
    end (a winner or a result row) or as its captain; None before the challenge is final."""
    members = union(
        select(ChallengeWinner.team_id).where(
            ChallengeWinner.challenge_id == challenge_id, ChallengeWinner.user_id == user_id
        ),
        select(ChallengeResult.team_id).where(
            ChallengeResult.challenge_id == challenge_id, ChallengeResult.user_id == user_id
        ),
        select(Team.id).where(Team.captain_id == user_id),
    ).subquery()
    return session().scalar(
        select(ChallengeEntry.id)
        .join(TeamChallenge, TeamChallenge.id == ChallengeEntry.challenge_id)
        .where(
            ChallengeEntry.challenge_id == challenge_id,
            ChallengeEntry.team_id.in_(select(members.c[0])),
            ChallengeEntry.final_rank.is_not(None),
            TeamChallenge.status == rules.FINAL,
        )
        .order_by(ChallengeEntry.final_rank, ChallengeEntry.id)
        .limit(1)
    )


def get_result_certificate_code(challenge_id: int, user_id: int) -> str | None:
    """The code of the team-result certificate ``user_id`` received in the challenge."""
    return session().scalar(
        select(Certificate.code)
        .join(ChallengeResult, ChallengeResult.certificate_id == Certificate.id)
        .where(ChallengeResult.challenge_id == challenge_id, ChallengeResult.user_id == user_id)
    )


def challenge_id_of(entry_id: int) -> int | None:
    return session().scalar(
        select(ChallengeEntry.challenge_id).where(ChallengeEntry.id == entry_id)
    )
