"""Team challenge reads: challenges, their entries, the one running for a team, the teams a
captain may challenge, and the standings (live while running and in review, the final
snapshot afterwards)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from portal.certificates.models import Certificate
from portal.clock import utcnow
from portal.db import session
from portal.errors import NotFound
from portal.methodology.models import Methodology
from portal.teams import queries as team_queries
from portal.teams.models import Team
from portal.teams.pk import rules
from portal.teams.pk.models import ChallengeEntry, ChallengeWinner, TeamChallenge

LIVE_STATUSES = (rules.PROPOSED, rules.SCHEDULED)


def get_challenge(challenge_id: int) -> TeamChallenge | None:
    return session().get(TeamChallenge, challenge_id)


def period_of(challenge: TeamChallenge) -> rules.Period:
    return rules.Period(challenge.starts_at, challenge.ends_at)


def review_of(challenge: TeamChallenge) -> timedelta:
    return timedelta(hours=challenge.review_hours)


def phase_of(challenge: TeamChallenge, now: datetime | None = None) -> str:
    return rules.phase(
        challenge.status, period_of(challenge), review_of(challenge), now or utcnow()
    )


def list_entries(challenge_id: int) -> list[tuple[ChallengeEntry, Team]]:
    rows = session().execute(
        select(ChallengeEntry, Team)
        .join(Team, Team.id == ChallengeEntry.team_id)
        .where(ChallengeEntry.challenge_id == challenge_id)
        .order_by(ChallengeEntry.id)
    )
    return [(e, t) for e, t in rows]


def list_for_team(team_id: int) -> list[TeamChallenge]:
    """The team's challenges, newest period first."""
    entered = select(ChallengeEntry.challenge_id).where(ChallengeEntry.team_id == team_id)
    return list(
        session().scalars(
            select(TeamChallenge)
            .where(TeamChallenge.id.in_(entered))
            .order_by(TeamChallenge.starts_at.desc(), TeamChallenge.id.desc())
        )
    )


def list_open_leagues(bracket: str, now: datetime | None = None) -> list[TeamChallenge]:
    """Leagues of the bracket that teams may still join (not started)."""
    return list(
        session().scalars(
            select(TeamChallenge)
            .where(
                TeamChallenge.kind == rules.LEAGUE,
                TeamChallenge.bracket == bracket,
                TeamChallenge.status == rules.SCHEDULED,
                TeamChallenge.starts_at > (now or utcnow()),
            )
            .order_by(TeamChallenge.starts_at)
        )
    )


def running_challenge(team: Team, now: datetime | None = None) -> TeamChallenge | None:
    """A challenge running now for the team, or for its school (whose figures count the
    classes' members): membership is frozen while there is one."""
    now = now or utcnow()
    team_ids = [team.id] if team.parent_id is None else [team.id, team.parent_id]
    entered = select(ChallengeEntry.challenge_id).where(
        ChallengeEntry.team_id.in_(team_ids), ChallengeEntry.accepted_at.is_not(None)
    )
    return session().scalar(
        select(TeamChallenge)
        .where(
            TeamChallenge.id.in_(entered),
            TeamChallenge.status == rules.SCHEDULED,
            TeamChallenge.starts_at <= now,
            TeamChallenge.ends_at > now,
        )
        .limit(1)
    )


def overlapping(
    team_ids: list[int], when: rules.Period, *, besides: int | None = None
) -> Team | None:
    """A team of ``team_ids`` already in a live (proposed or scheduled) challenge whose period
    overlaps ``when``, or None."""
    clash = session().scalar(
        select(Team)
        .join(ChallengeEntry, ChallengeEntry.team_id == Team.id)
        .join(TeamChallenge, TeamChallenge.id == ChallengeEntry.challenge_id)
        .where(
            Team.id.in_(team_ids),
            TeamChallenge.status.in_(LIVE_STATUSES),
            TeamChallenge.starts_at < when.ends_at,
            TeamChallenge.ends_at > when.starts_at,
            *([TeamChallenge.id != besides] if besides is not None else []),
        )
        .limit(1)
    )
    return clash


def list_rivals(team: Team) -> list[Team]:
    """Open teams of the same bracket a captain may challenge: not the team itself, nor its
    school or its classes."""
    return list(
        session().scalars(
            select(Team)
            .where(
                Team.bracket == team.bracket,
                Team.closed_at.is_(None),
                Team.id != team.id,
                or_(Team.parent_id.is_(None), Team.parent_id != team.id),
                *([Team.id != team.parent_id] if team.parent_id is not None else []),
            )
            .order_by(Team.parent_id.is_not(None), Team.name)
        )
    )


def list_scenarios() -> list[Methodology]:
    """The methodologies whose scenario a challenge may count, by code."""
    return list(session().scalars(select(Methodology).order_by(Methodology.scenario_code)))


def scenario_codes() -> set[str]:
    return set(session().scalars(select(Methodology.scenario_code)))


@dataclass(frozen=True)
class Standing:
    team_id: int
    name: str
    rank: int
    value: int
    score: rules.Score


def score_team(team: Team, challenge: TeamChallenge, now: datetime) -> rules.Score:
    """The team's figures in the challenge at ``now``: reductions in the period recorded before
    the cutoff (now, at most the end of the review window), over the members at the end (or
    now, while it runs)."""
    when = period_of(challenge)
    intervals = team_queries.family_intervals(team)
    grams, counted = team_queries.credited(
        intervals,
        when.starts_at,
        min(now, when.ends_at),
        recorded_before=rules.recorded_cutoff(when, review_of(challenge), now),
        scenario=challenge.scenario_code,
    )
    members = rules.members_at(
        ((i.user_id, i.start, i.end) for i in intervals), min(now, when.ends_at)
    )
    return rules.Score(
        team.id,
        grams=sum(grams[u] for u in grams),
        members=len(members),
        participants=sum(1 for u in members if counted.get(u, 0) > 0),
        records=sum(counted.values()),
    )


def get_standings(challenge: TeamChallenge, now: datetime | None = None) -> list[Standing]:
    """The accepted teams ranked on the metric: the snapshot once final, live otherwise (zero
    for all before the start)."""
    now = now or utcnow()
    entries = [(e, t) for e, t in list_entries(challenge.id) if e.accepted_at is not None]
    if challenge.status == rules.FINAL:
        scores = {
            t.id: rules.Score(
                t.id,
                e.final_grams or 0,
                e.final_members or 0,
                e.final_participants or 0,
                e.final_records or 0,
            )
            for e, t in entries
        }
    else:
        scores = {
            t.id: score_team(t, challenge, now)
            if now >= challenge.starts_at
            else rules.Score(t.id, 0, 0, 0, 0)
            for e, t in entries
        }
    values = {team_id: s.value(challenge.metric) for team_id, s in scores.items()}
    ranked = rules.ranks(values)
    names = {t.id: t.name for _, t in entries}
    return sorted(
        (Standing(tid, names[tid], ranked[tid], values[tid], scores[tid]) for tid in scores),
        key=lambda s: (s.rank, s.name),
    )


def list_winners(challenge_id: int) -> list[ChallengeWinner]:
    return list(
        session().scalars(
            select(ChallengeWinner)
            .where(ChallengeWinner.challenge_id == challenge_id)
            .order_by(ChallengeWinner.id)
        )
    )


def awaiting_entry(challenge_id: int, user_id: int) -> tuple[ChallengeEntry, Team] | None:
    """The entry awaiting an answer of a team that ``user_id`` captains, if any (a school's
    captain who runs both classes of a duel answers for the challenged one)."""
    for entry, team in list_entries(challenge_id):
        if team.captain_id == user_id and entry.accepted_at is None:
            return entry, team
    return None


def scenario_titles(code: str) -> tuple[str, str]:
    """The Chinese and English title of the scenario (of its first methodology), else the code."""
    found = session().scalar(
        select(Methodology).where(Methodology.scenario_code == code).order_by(Methodology.id)
    )
    return (found.title_zh, found.title_en) if found else (code, code)


def get_certificate_code(challenge_id: int, user_id: int) -> str | None:
    """The code of the certificate ``user_id`` won in the challenge, once issued."""
    return session().scalar(
        select(Certificate.code)
        .join(ChallengeWinner, ChallengeWinner.certificate_id == Certificate.id)
        .where(ChallengeWinner.challenge_id == challenge_id, ChallengeWinner.user_id == user_id)
    )


def lock_challenge(challenge_id: int) -> TeamChallenge:
    """The challenge, its row locked for the caller's transaction (NotFound if none)."""
    challenge = session().scalar(
        select(TeamChallenge)
        .where(TeamChallenge.id == challenge_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if challenge is None:
        raise NotFound(_l("No such challenge."))
    return challenge
