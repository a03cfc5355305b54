"""Team challenge commands, one transaction each, audited: a captain proposes a duel to another
team of the bracket (whose captain accepts or declines) or opens a league that other captains
enter before it starts; ``finalise_due`` (the ``team_challenges`` job) writes the final
snapshot of each challenge whose review window has passed, records the winning teams' members
(the ``champion`` badge counts them), notifies everyone and issues the winners' certificates.

Proposing, answering and entering lock the teams' rows (in id order), so two commands never
put one team into two overlapping challenges. Finalising locks the challenge row and skips a
challenge already final: a rerun, or two runs at once, write one snapshot; notifications are
keyed and certificates issued under an idempotency key, so a run killed between the snapshot
and the certificates issues the missing ones next time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.audit import record_audit
from portal.accounts.models import User
from portal.certificates.models import CertificateKind
from portal.certificates.services import CertificateText, issue_certificate
from portal.clock import local_date, local_today, utcnow
from portal.db import session, transaction
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.gamification.services import award_due_badges
from portal.notifications import kinds
from portal.notifications.services import Notice, post, post_many
from portal.teams import queries as team_queries
from portal.teams.models import Team
from portal.teams.pk import queries, rules
from portal.teams.pk.models import ChallengeEntry, ChallengeWinner, TeamChallenge


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
        challenge = _locked_challenge(challenge_id)
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
        challenge = _locked_challenge(challenge_id)
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
            challenge = _locked_challenge(challenge_id)
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
    issued = 0
    missing = (
        session()
        .scalars(
            select(ChallengeWinner.id)
            .where(ChallengeWinner.certificate_id.is_(None))
            .order_by(ChallengeWinner.id)
        )
        .all()
    )
    for winner_id in missing:
        with transaction():
            winner = session().get(
                ChallengeWinner, winner_id, with_for_update=True, populate_existing=True
            )
            if winner is None or winner.certificate_id is not None:
                continue
            challenge = session().get(TeamChallenge, winner.challenge_id)
            team = session().get(Team, winner.team_id)
            user = session().get(User, winner.user_id)
            assert challenge is not None and team is not None and user is not None
            cert = issue_certificate(
                CertificateKind.TEAM_CHALLENGE,
                user,
                _certificate_text(challenge, team),
                achievement_key="team-challenge-winner",
                idempotency_key=f"team-challenge:{challenge.id}:{user.id}",
                details={"challenge_id": challenge.id, "team_id": team.id},
            )
            winner.certificate_id = cert.id
            issued += 1
    return issued


def _certificate_text(challenge: TeamChallenge, team: Team) -> CertificateText:
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


def _locked_challenge(challenge_id: int) -> TeamChallenge:
    challenge = session().scalar(
        select(TeamChallenge)
        .where(TeamChallenge.id == challenge_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if challenge is None:
        raise NotFound(_l("No such challenge."))
    return challenge


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
