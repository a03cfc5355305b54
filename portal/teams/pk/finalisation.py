"""Finalising team challenges (the ``team_challenges`` job): the final snapshot of each
challenge whose review window has passed, the winning teams' members recorded (the ``champion``
badge counts them) and those of the other teams with their team's place, everyone notified, and
certificates issued: a winner's to each winning member, a team result (stating the place) to
each member of the other teams that reduced something (nobody is certified for zero).

Finalising locks the challenge row and skips a challenge already final: a rerun, or two runs at
once, write one snapshot; notifications are keyed and certificates issued under an idempotency
key, so a run killed between the snapshot and the certificates issues the missing ones next
time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.accounts.audit import record_audit
from portal.accounts.models import User
from portal.certificates.models import CertificateKind
from portal.certificates.services import CertificateText, issue_certificate
from portal.clock import local_date, utcnow
from portal.db import session, transaction
from portal.gamification.services import award_due_badges
from portal.notifications import kinds
from portal.notifications.services import Notice, post_many
from portal.teams import queries as team_queries
from portal.teams.models import Team
from portal.teams.pk import queries, rules
from portal.teams.pk.models import (
    ChallengeEntry,
    ChallengeResult,
    ChallengeWinner,
    TeamChallenge,
)
from portal.teams.pk.results import count_ranked


@dataclass(frozen=True)
class Finalisation:
    challenges: int
    expired: int
    winners: int
    certificates: int


def finalise_due(now: datetime | None = None) -> Finalisation:
    """Finalise every scheduled challenge whose review window has passed (one transaction
    each), expire proposals left unanswered past their start, and issue the certificates
    still missing. Idempotent and safe to kill at any point."""
    now = now or utcnow()
    finalised = winners = 0
    due = (
        session()
        .scalars(
            select(TeamChallenge.id)
            .where(TeamChallenge.status == rules.SCHEDULED, TeamChallenge.ends_at <= now)
            .order_by(TeamChallenge.id)
        )
        .all()
    )
    for challenge_id in due:
        with transaction():
            challenge = queries.lock_challenge(challenge_id)
            if challenge.status != rules.SCHEDULED or not rules.is_final_due(
                queries.period_of(challenge), queries.review_of(challenge), now
            ):
                continue
            winners += _finalise(challenge, now)
            finalised += 1
    with transaction():
        expired = (
            session()
            .scalars(
                select(TeamChallenge)
                .where(TeamChallenge.status == rules.PROPOSED, TeamChallenge.starts_at <= now)
                .with_for_update()
            )
            .all()
        )
        for challenge in expired:
            challenge.status = rules.EXPIRED
    return Finalisation(finalised, len(expired), winners, _issue_missing_certificates())


def _finalise(challenge: TeamChallenge, now: datetime) -> int:
    standings = queries.get_standings(challenge, now)
    values = {s.team_id: s.value for s in standings}
    won = rules.winners(values)
    by_team = {s.team_id: s for s in standings}
    notices: list[Notice] = []
    winner_ids: list[int] = []
    placed: set[int] = set()
    for entry, team in queries.list_entries(challenge.id):
        standing = by_team.get(team.id)
        if standing is None:
            continue
        entry.final_value = standing.value
        entry.final_rank = standing.rank
        entry.final_grams = standing.score.grams
        entry.final_members = standing.score.members
        entry.final_participants = standing.score.participants
        entry.final_records = standing.score.records
        intervals = team_queries.family_intervals(team)
        members = rules.members_at(
            ((i.user_id, i.start, i.end) for i in intervals), challenge.ends_at
        )
        for user_id in sorted(members | {team.captain_id}):
            if team.id in won and user_id in members:
                session().add(
                    ChallengeWinner(challenge_id=challenge.id, team_id=team.id, user_id=user_id)
                )
                winner_ids.append(user_id)
            elif user_id in members and user_id not in placed:
                session().add(
                    ChallengeResult(
                        challenge_id=challenge.id,
                        team_id=team.id,
                        user_id=user_id,
                        rank=standing.rank,
                    )
                )
            placed.add(user_id)
            notices.append(
                Notice(
                    user_id,
                    kinds.CHALLENGE_FINISHED,
                    {
                        "challenge_id": challenge.id,
                        "team": team.name,
                        "rank": standing.rank,
                        "teams": len(standings),
                        "is_winner": team.id in won,
                    },
                    key=f"pk-finished:{challenge.id}:{user_id}",
                    link=f"/teams/challenges/{challenge.id}",
                )
            )
    challenge.status = rules.FINAL
    challenge.finalised_at = now
    session().flush()
    post_many(_one_per_person(notices))
    award_due_badges(set(winner_ids))
    record_audit(
        "team_challenge.finalised",
        actor_id=None,
        subject_type="team_challenge",
        subject_id=challenge.id,
        details={"winners": sorted(won)},
    )
    return len(winner_ids)


def _one_per_person(notices: list[Notice]) -> list[Notice]:
    """A person in two entered teams (a school and its class) hears once, of the first."""
    seen: set[str] = set()
    kept = []
    for notice in notices:
        if notice.key not in seen:
            seen.add(notice.key)
            kept.append(notice)
    return kept


def _issue_missing_certificates() -> int:
    return _issue_missing(ChallengeWinner) + _issue_missing(ChallengeResult)


def _issue_missing(model: type[ChallengeWinner] | type[ChallengeResult]) -> int:
    """Issue the certificates ``model``'s rows still lack, one transaction each."""
    issued = 0
    stmt = select(model.id).where(model.certificate_id.is_(None)).order_by(model.id)
    if model is ChallengeResult:  # a team that reduced nothing gets no certificate of it
        stmt = stmt.join(
            ChallengeEntry,
            (ChallengeEntry.challenge_id == model.challenge_id)
            & (ChallengeEntry.team_id == model.team_id),
        ).where(ChallengeEntry.final_value > 0)
    missing = session().scalars(stmt).all()
    for row_id in missing:
        with transaction():
            row = session().get(model, row_id, with_for_update=True, populate_existing=True)
            if not isinstance(row, ChallengeWinner | ChallengeResult) or row.certificate_id:
                continue
            challenge = session().get(TeamChallenge, row.challenge_id)
            team = session().get(Team, row.team_id)
            user = session().get(User, row.user_id)
            assert challenge is not None and team is not None and user is not None
            rank = row.rank if isinstance(row, ChallengeResult) else None
            is_result = rank is not None
            cert = issue_certificate(
                CertificateKind.TEAM_CHALLENGE,
                user,
                _certificate_text(challenge, team, rank),
                achievement_key="team-challenge-result" if is_result else "team-challenge-winner",
                idempotency_key=(
                    f"team-challenge{'-result' if is_result else ''}:{challenge.id}:{user.id}"
                ),
                details={"challenge_id": challenge.id, "team_id": team.id},
            )
            row.certificate_id = cert.id
            issued += 1
    return issued


def _certificate_text(challenge: TeamChallenge, team: Team, rank: int | None) -> CertificateText:
    """A winner's certificate text (``rank`` None), or a team result's stating the place."""
    first = local_date(challenge.starts_at).isoformat()
    last = local_date(challenge.ends_at - rules.LAST_INSTANT).isoformat()
    zh_title, en_title = queries.scenario_titles(challenge.scenario_code or "")
    zh_metric = {
        rules.PER_CAPITA: "人均减排量",
        rules.PARTICIPATION: "参与率",
        rules.SCENARIO: f"“{zh_title}”记录数",
    }[challenge.metric]
    en_metric = {
        rules.PER_CAPITA: "grams reduced per member",
        rules.PARTICIPATION: "participation rate",
        rules.SCENARIO: f"records of “{en_title}”",
    }[challenge.metric]
    if rank is not None:
        teams = count_ranked(challenge.id)
        return CertificateText(
            title_zh="组队PK成绩",
            title_en="Team challenge result",
            description_zh=(
                f"所在队伍“{team.name}”在 {first} 至 {last} 的组队PK中以{zh_metric}"
                f"获得第{rank}名（共{teams}队）。"
            ),
            description_en=(
                f"Member of “{team.name}”, which came {rules.ordinal_en(rank)} of {teams} teams "
                f"on {en_metric} in the team challenge from {first} to {last}."
            ),
        )
    return CertificateText(
        title_zh="组队PK冠军",
        title_en="Team challenge winner",
        description_zh=(
            f"所在队伍“{team.name}”在 {first} 至 {last} 的组队PK中以{zh_metric}夺得第一名。"
        ),
        description_en=(
            f"Member of “{team.name}”, which came first on {en_metric} in the team challenge "
            f"from {first} to {last}."
        ),
    )
