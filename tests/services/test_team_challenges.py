"""Team challenges: proposing (not one's own team, another bracket or overlapping days), the
other captain's answer with both notified, leagues joined before the start, membership frozen
while a challenge runs, live standings, and the finalisation job: late data inside the review
window counts, a snapshot is written once, winners get the champion badge and a certificate,
everyone a notification, and a rerun or a run killed before the certificates changes nothing
twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import func, select

from portal.certificates.models import Certificate
from portal.clock import local_today, utcnow
from portal.errors import Conflict, InvalidInput, NotAllowed
from portal.gamification.models import BadgeAward
from portal.notifications.models import Notification
from portal.privacy.export import SECTIONS
from portal.teams import services as team_services
from portal.teams.models import Team
from portal.teams.pk import finalisation, queries, rules, services
from portal.teams.pk.models import ChallengeResult, ChallengeWinner, TeamChallenge
from tests import factories

DAY = timedelta(days=1)


def _count(model: Any, *where: Any) -> int:
    return int(
        factories.session().scalar(select(func.count()).select_from(model).where(*where)) or 0
    )


def _captain(team: Team) -> factories.User:
    user = factories.session().get(factories.User, team.captain_id)
    assert user is not None
    return user


def _terms(**changes: Any) -> services.Terms:
    first = local_today() + DAY
    values: dict[str, Any] = {
        "metric": rules.PER_CAPITA,
        "scenario": None,
        "starts_on": first,
        "ends_on": first + 6 * DAY,
    }
    values.update(changes)
    return services.Terms(**values)


def _reduce(user: factories.User, grams: int, at: Any, recorded: Any = None) -> None:
    row = factories.add_reduction(user, grams)
    row.occurred_at = at
    row.created_at = recorded or at
    factories.session().flush()


def _kinds(user_id: int) -> list[str]:
    return list(
        factories.session().scalars(
            select(Notification.kind)
            .where(Notification.user_id == user_id)
            .order_by(Notification.id)
        )
    )


def test_a_duel_is_proposed_and_accepted_with_both_captains_told(db: Any) -> None:
    host, rival = factories.make_team(), factories.make_team()
    challenge = factories.make_duel(host, rival, accept=False)
    assert challenge.status == rules.PROPOSED
    assert _kinds(rival.captain_id) == ["challenge_proposed"]
    services.answer_duel(actor=_captain(rival), challenge_id=challenge.id, accept=True)
    assert challenge.status == rules.SCHEDULED
    assert queries.phase_of(challenge) == rules.UPCOMING
    assert _kinds(host.captain_id) == ["challenge_answered"]
    assert _kinds(rival.captain_id) == ["challenge_proposed", "challenge_answered"]
    assert [s.team_id for s in queries.get_standings(challenge)] == sorted([host.id, rival.id])


def test_only_the_challenged_captain_answers_and_a_declined_duel_frees_the_days(db: Any) -> None:
    host, rival = factories.make_team(), factories.make_team()
    challenge = factories.make_duel(host, rival, accept=False)
    with pytest.raises(NotAllowed):
        services.answer_duel(actor=_captain(host), challenge_id=challenge.id, accept=True)
    services.answer_duel(actor=_captain(rival), challenge_id=challenge.id, accept=False)
    assert challenge.status == rules.DECLINED
    with pytest.raises(Conflict):
        services.answer_duel(actor=_captain(rival), challenge_id=challenge.id, accept=True)
    assert factories.make_duel(host, rival).status == rules.SCHEDULED  # same days again


def _message(app: Flask, error: pytest.ExceptionInfo[Any], locale: str) -> str:
    with app.app_context(), force_locale(locale):
        return str(error.value.message)


def test_bad_challenges_are_refused_and_write_nothing(app: Flask, db: Any) -> None:
    host, rival = factories.make_team(), factories.make_team()
    school = factories.make_team(kind="school")
    factories.make_duel(host, rival)
    before = _count(TeamChallenge)
    cases = [
        (host.id, {}, InvalidInput),  # itself
        (school.id, {}, InvalidInput),  # another bracket
        (factories.make_team().id, {}, Conflict),  # the host's days are taken
        (factories.make_team().id, {"ends_on": local_today()}, InvalidInput),  # reversed
        (factories.make_team().id, {"metric": "points"}, InvalidInput),
        (factories.make_team().id, {"metric": rules.SCENARIO, "scenario": "nope"}, InvalidInput),
    ]
    for rival_id, changes, error in cases:
        with pytest.raises(error) as refused:
            services.propose_duel(
                actor=_captain(host), team_id=host.id, rival_id=rival_id, terms=_terms(**changes)
            )
        assert refused.value.field is not None
    with pytest.raises(NotAllowed):
        services.propose_duel(
            actor=_captain(rival), team_id=host.id, rival_id=rival.id, terms=_terms()
        )
    assert _count(TeamChallenge) == before
    with pytest.raises(Conflict) as overlap:
        services.propose_duel(
            actor=_captain(host),
            team_id=host.id,
            rival_id=factories.make_team().id,
            terms=_terms(starts_on=local_today() + 7 * DAY, ends_on=local_today() + 9 * DAY),
        )
    assert "已在" in _message(app, overlap, "zh_Hans_CN")
    assert "already in a challenge" in _message(app, overlap, "en")


def test_a_class_challenges_a_class_of_another_school_not_its_own_school(db: Any) -> None:
    school = factories.make_team(kind="school")
    teacher = _captain(school)
    one = factories.make_team(teacher, kind="class", parent=school)
    other_school = factories.make_team(kind="school")
    other = factories.make_team(_captain(other_school), kind="class", parent=other_school)
    with pytest.raises(InvalidInput):
        services.propose_duel(actor=teacher, team_id=one.id, rival_id=school.id, terms=_terms())
    assert other.id in [t.id for t in queries.list_rivals(one)]
    assert school.id not in [t.id for t in queries.list_rivals(one)]
    assert factories.make_duel(one, other).status == rules.SCHEDULED


def test_a_league_is_joined_before_it_starts_only(db: Any) -> None:
    host, second, third = factories.make_team(), factories.make_team(), factories.make_team()
    league = services.open_league(actor=_captain(host), team_id=host.id, terms=_terms())
    assert league in queries.list_open_leagues(host.bracket)
    services.join_league(actor=_captain(second), challenge_id=league.id, team_id=second.id)
    with pytest.raises(Conflict):
        services.join_league(actor=_captain(second), challenge_id=league.id, team_id=second.id)
    with pytest.raises(InvalidInput):
        school = factories.make_team(kind="school")
        services.join_league(actor=_captain(school), challenge_id=league.id, team_id=school.id)
    factories.shift(league, DAY)  # started yesterday
    with pytest.raises(Conflict):
        services.join_league(actor=_captain(third), challenge_id=league.id, team_id=third.id)
    assert len(queries.get_standings(league)) == 2


def test_nobody_joins_leaves_or_is_removed_while_a_challenge_runs(app: Flask, db: Any) -> None:
    host, rival = factories.make_team(), factories.make_team()
    member = factories.join(host)
    challenge = factories.shift(factories.make_duel(host, rival), 2 * DAY)
    assert queries.phase_of(challenge) == rules.RUNNING
    with pytest.raises(Conflict) as joining:
        factories.join(host)
    assert "不能加入或退出" in _message(app, joining, "zh_Hans_CN")
    assert "neither join nor leave" in _message(app, joining, "en")
    with pytest.raises(Conflict):
        team_services.leave_team(actor=member, team_id=host.id)
    with pytest.raises(Conflict):
        team_services.remove_member(actor=_captain(host), team_id=host.id, user_id=member.id)
    factories.shift(challenge, 8 * DAY)  # ended: free again
    team_services.leave_team(actor=member, team_id=host.id)


def test_a_class_in_a_running_challenge_freezes_its_school_joins_too(db: Any) -> None:
    school = factories.make_team(kind="school")
    klass = factories.make_team(_captain(school), kind="class", parent=school)
    other_school = factories.make_team(kind="school")
    factories.shift(factories.make_duel(school, other_school), 2 * DAY)
    with pytest.raises(Conflict):
        factories.join(klass)  # the class's members count for the school


def _running_duel() -> tuple[Team, Team, TeamChallenge, list[factories.User]]:
    host, rival = factories.make_team(), factories.make_team()
    people = [factories.join(host), factories.join(rival)]
    challenge = factories.shift(factories.make_duel(host, rival), 3 * DAY)
    return host, rival, challenge, people


def test_live_standings_move_with_reductions_in_the_period(db: Any) -> None:
    host, rival, challenge, (a, b) = _running_duel()
    _reduce(a, 900, challenge.starts_at + DAY)
    _reduce(b, 300, challenge.starts_at + DAY)
    _reduce(b, 5000, challenge.starts_at - DAY)  # before the start
    first, second = queries.get_standings(challenge)
    assert (first.team_id, first.value, first.rank) == (host.id, 450, 1)  # 900 g / 2 members
    assert (second.team_id, second.value) == (rival.id, 150)


def test_finalisation_counts_late_data_in_the_window_and_awards_once(db: Any) -> None:
    host, rival, challenge, (a, b) = _running_duel()
    factories.shift(challenge, 10 * DAY)  # ended 3 days ago: the 48 h window has passed
    end = challenge.ends_at
    _reduce(a, 100, end - DAY)
    _reduce(b, 500, end - DAY, recorded=end + timedelta(hours=47))  # late but in the window
    _reduce(a, 9000, end - DAY, recorded=end + timedelta(hours=49))  # too late
    _reduce(a, 7000, end + timedelta(hours=1))  # after the end
    run = finalisation.finalise_due()
    assert (run.challenges, run.winners, run.certificates) == (1, 2, 4)  # 2 wins, 2 results
    assert challenge.status == rules.FINAL
    standings = queries.get_standings(challenge)
    assert [(s.team_id, s.value, s.rank) for s in standings] == [
        (rival.id, 250, 1),
        (host.id, 50, 2),
    ]
    winners = {w.user_id for w in queries.list_winners(challenge.id)}
    assert winners == {rival.captain_id, b.id}
    assert _count(BadgeAward, BadgeAward.user_id == b.id, BadgeAward.badge_key == "champion") == 1
    certificate = factories.session().scalar(
        select(Certificate).where(Certificate.subject_id == b.id)
    )
    assert certificate is not None and certificate.kind == "team_challenge"
    assert certificate.title_zh == "组队PK冠军" and "Team challenge" in certificate.title_en
    result = factories.session().scalar(select(Certificate).where(Certificate.subject_id == a.id))
    assert result is not None and result.title_zh == "组队PK成绩"
    assert "获得第2名（共2队）" in result.description_zh
    assert "came 2nd of 2 teams" in result.description_en and host.name in result.description_en
    results = factories.session().scalars(select(ChallengeResult)).all()
    assert {(r.user_id, r.team_id, r.rank) for r in results} == {
        (a.id, host.id, 2),
        (host.captain_id, host.id, 2),
    }
    for user in (a, b, _captain(host), _captain(rival)):
        assert _kinds(user.id).count("challenge_finished") == 1
    again = finalisation.finalise_due()
    assert (again.challenges, again.certificates) == (0, 0)
    assert _count(Certificate, Certificate.kind == "team_challenge") == 4
    assert _count(Notification, Notification.kind == "challenge_finished") == 4


def test_no_snapshot_before_the_window_ends(db: Any) -> None:
    _host, _rival, challenge, _people = _running_duel()
    factories.shift(challenge, 7 * DAY + timedelta(hours=23))  # ended 23 hours ago
    assert queries.phase_of(challenge) == rules.REVIEW
    assert finalisation.finalise_due().challenges == 0
    assert challenge.status == rules.SCHEDULED


def test_a_run_killed_before_the_certificates_issues_them_next_time(db: Any) -> None:
    _host, _rival, challenge, (a, b) = _running_duel()
    factories.shift(challenge, 10 * DAY)
    _reduce(a, 100, challenge.ends_at - DAY)
    _reduce(b, 40, challenge.ends_at - DAY)  # second, with something: certified too
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(finalisation, "_issue_missing_certificates", lambda: 0)
        assert finalisation.finalise_due().certificates == 0
    assert _count(ChallengeWinner, ChallengeWinner.certificate_id.is_(None)) == 2
    assert _count(ChallengeResult, ChallengeResult.certificate_id.is_(None)) == 2
    assert finalisation.finalise_due().certificates == 4
    assert _count(ChallengeWinner, ChallengeWinner.certificate_id.is_(None)) == 0
    assert _count(ChallengeResult, ChallengeResult.certificate_id.is_(None)) == 0
    assert finalisation.finalise_due().certificates == 0


def test_a_team_that_reduced_nothing_gets_no_result_certificate(db: Any) -> None:
    _host, rival, challenge, (a, b) = _running_duel()
    factories.shift(challenge, 10 * DAY)
    _reduce(a, 100, challenge.ends_at - DAY)
    assert finalisation.finalise_due().certificates == 2  # the winners' only
    assert _count(ChallengeResult) == 2  # the other team's members, placed second
    assert finalisation.finalise_due().certificates == 0
    exported = list(dict(SECTIONS)["team_results"](b.id))  # the data export
    assert [(e["team"], e["rank"]) for e in exported] == [(rival.name, 2)]


def test_a_tie_on_zero_has_no_winner_and_an_unanswered_duel_expires(db: Any) -> None:
    _host, _rival, challenge, _people = _running_duel()
    factories.shift(challenge, 10 * DAY)
    lonely = factories.shift(
        factories.make_duel(factories.make_team(), factories.make_team(), accept=False), DAY
    )
    run = finalisation.finalise_due(utcnow())
    assert (run.challenges, run.winners, run.expired) == (1, 0, 1)
    assert lonely.status == rules.EXPIRED
    assert not queries.list_winners(challenge.id)


def test_a_school_captain_pits_two_of_their_classes_against_each_other(db: Any) -> None:
    school = factories.make_team(kind="school")
    teacher = _captain(school)
    one, two = (factories.make_team(teacher, kind="class", parent=school) for _ in range(2))
    challenge = factories.make_duel(one, two)  # the teacher answers for the second class
    assert challenge.status == rules.SCHEDULED
