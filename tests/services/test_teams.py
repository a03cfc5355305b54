"""Team services and queries: creating (who may, bad input writes nothing), invites (expired,
rotated, typed), the size limit, one team per bracket (a school and its own class together),
leaving and rejoining, captaincy, removal, and team totals that follow the intervals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import func, select

from portal.accounts.models import AuditEvent, Role
from portal.clock import utcnow
from portal.errors import Conflict, InvalidInput, NotAllowed
from portal.teams import queries, services
from portal.teams.models import Team, TeamInvite, TeamMembership
from tests import factories


def _count(model: Any) -> int:
    return int(factories.session().scalar(select(func.count()).select_from(model)) or 0)


def _message(app: Flask, error: pytest.ExceptionInfo[Any], locale: str) -> str:
    with app.app_context(), force_locale(locale):
        return str(error.value.message)


def test_creating_makes_the_captain_the_first_member_with_an_invite(db: Any) -> None:
    captain = factories.make_user()
    team = factories.make_team(captain, name=" 净月志愿队 ")
    assert (team.name, team.bracket, team.captain_id) == ("净月志愿队", "volunteer", captain.id)
    assert [m.user_id for m in queries.list_members(team)] == [captain.id]
    assert queries.get_current_invite(team.id) is not None
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.subject_id == str(team.id)))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "队" * 41}, "name"),
        ({"size_limit": -3}, "size_limit"),
        ({"size_limit": 10**7}, "size_limit"),
    ],
)
def test_bad_input_writes_nothing(db: Any, fields: dict[str, Any], field: str) -> None:
    before = (_count(Team), _count(TeamMembership), _count(TeamInvite))
    with pytest.raises(InvalidInput) as refused:
        factories.make_team(factories.make_user(), **fields)
    assert refused.value.field == field
    assert (_count(Team), _count(TeamMembership), _count(TeamInvite)) == before


def test_a_school_needs_the_team_captain_role_and_a_class_its_school(db: Any) -> None:
    with pytest.raises(NotAllowed):
        factories.make_team(factories.make_user(), kind="school")
    school = factories.make_team(kind="school", bracket="junior")
    klass = factories.make_team(
        factories.session().get(factories.User, school.captain_id), kind="class", parent=school
    )
    assert (klass.bracket, klass.parent_id) == ("junior", school.id)
    stranger = factories.make_user_with_role(Role.TEAM_CAPTAIN)
    with pytest.raises(NotAllowed):
        factories.make_team(stranger, kind="class", parent=school)
    with pytest.raises(InvalidInput):
        factories.make_team(stranger, kind="class")


def test_joining_by_code_or_link_and_the_bracket_rule(app: Flask, db: Any) -> None:
    team = factories.make_team()
    invite = queries.get_current_invite(team.id)
    assert invite is not None
    member = factories.make_user()
    services.join_team(actor=member, token=queries.invite_token(invite))
    with pytest.raises(Conflict) as again:
        services.join_team(actor=member, code=invite.code.lower())
    assert _message(app, again, "en") == "You are already a member of this team."
    other = factories.make_team()  # another volunteer group: the same bracket
    with pytest.raises(Conflict) as second:
        factories.join(other, member)
    assert "Leave it first" in _message(app, second, "en")
    assert "请先退出" in _message(app, second, "zh_Hans_CN")
    factories.join(factories.make_team(kind="company"), member)  # another bracket is fine


def test_a_school_and_its_own_class_together_but_not_another_schools(db: Any) -> None:
    school = factories.make_team(kind="school")
    captain = factories.session().get(factories.User, school.captain_id)
    klass = factories.make_team(captain, kind="class", parent=school)
    assert queries.get_open_membership(klass.id, captain.id) is None  # runs it, not in it
    pupil = factories.join(klass)
    factories.join(school, pupil)
    other_school = factories.make_team(kind="school")
    with pytest.raises(Conflict):
        factories.join(other_school, pupil)
    with pytest.raises(Conflict):  # a second class of the same school
        factories.join(factories.make_team(captain, kind="class", parent=school), pupil)


def test_a_full_team_refuses_and_writes_nothing(app: Flask, db: Any) -> None:
    team = factories.make_team(size_limit=2)
    factories.join(team)
    before = _count(TeamMembership)
    with pytest.raises(Conflict) as full:
        factories.join(team)
    assert _message(app, full, "en") == "This team is full (2 members)."
    assert _message(app, full, "zh_Hans_CN") != _message(app, full, "en")
    assert _count(TeamMembership) == before


def test_rotated_and_expired_invites_are_refused(app: Flask, db: Any) -> None:
    team = factories.make_team()
    captain = factories.session().get(factories.User, team.captain_id)
    old = queries.get_current_invite(team.id)
    assert old is not None
    token, code = queries.invite_token(old), old.code
    new = services.rotate_invite(actor=captain, team_id=team.id)
    for kwargs in ({"token": token}, {"code": code}):
        with pytest.raises(Conflict):
            services.join_team(actor=factories.make_user(), **kwargs)
    with pytest.raises(Conflict) as replaced:
        services.join_team(actor=factories.make_user(), code=code)
    assert "replaced" in _message(app, replaced, "en")
    new.expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    with pytest.raises(Conflict) as expired:
        services.join_team(actor=factories.make_user(), code=new.code)
    assert "expired" in _message(app, expired, "en")
    with pytest.raises(NotAllowed):
        services.rotate_invite(actor=factories.make_user(), team_id=team.id)


def test_leaving_keeps_history_and_rejoining_opens_a_new_interval(db: Any) -> None:
    team = factories.make_team()
    member = factories.join(team)
    services.leave_team(actor=member, team_id=team.id)
    factories.join(team, member)
    rows = db.session.scalars(
        select(TeamMembership)
        .where(TeamMembership.user_id == member.id)
        .order_by(TeamMembership.id)
    ).all()
    assert [r.left_reason for r in rows] == ["left", None]
    assert rows[0].left_at is not None and rows[1].left_at is None


def test_captaincy_hand_over_and_removal(db: Any) -> None:
    team = factories.make_team()
    captain = factories.session().get(factories.User, team.captain_id)
    member = factories.join(team)
    with pytest.raises(Conflict):
        services.leave_team(actor=captain, team_id=team.id)  # hand over first
    with pytest.raises(NotAllowed):
        services.remove_member(actor=member, team_id=team.id, user_id=captain.id)
    services.hand_over(actor=captain, team_id=team.id, to_user_id=member.id)
    assert team.captain_id == member.id
    old_code = queries.get_current_invite(team.id).code  # type: ignore[union-attr]
    services.remove_member(actor=member, team_id=team.id, user_id=captain.id)
    assert queries.get_open_membership(team.id, captain.id) is None
    with pytest.raises(Conflict):  # the code they joined with is gone
        services.join_team(actor=captain, code=old_code)
    with pytest.raises(InvalidInput):
        services.hand_over(actor=member, team_id=team.id, to_user_id=captain.id)
    services.leave_team(actor=member, team_id=team.id)  # the last member: the team closes
    assert team.closed_at is not None
    actions = set(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "team"))
    )
    assert {"team.captain_handed_over", "team.member_removed", "team.left"} <= actions


def _reduction(user: factories.User, grams: int, at: Any) -> None:
    row = factories.add_reduction(user, grams)
    row.occurred_at = at
    factories.session().flush()


def test_totals_count_reductions_only_while_a_member(db: Any) -> None:
    now = utcnow()
    team = factories.make_team()
    captain = factories.session().get(factories.User, team.captain_id)
    past, current = factories.make_user(), factories.make_user()
    factories.add_interval(team, past, now - timedelta(days=10), now - timedelta(days=5))
    factories.add_interval(team, current, now - timedelta(days=3), None)
    _reduction(past, 100, now - timedelta(days=7))  # while a member: counts
    _reduction(past, 1000, now - timedelta(days=1))  # after leaving: not
    _reduction(current, 10, now - timedelta(days=4))  # before joining: not
    _reduction(current, 20, now - timedelta(days=2))
    reversed_ = factories.add_reduction(current, 5000, reversed_=True)
    reversed_.occurred_at = now - timedelta(days=1)
    _reduction(captain, 7, utcnow())  # the captain joined when creating the team
    figures = queries.get_figures(team, None)
    assert figures.grams == 127
    assert (figures.members, figures.participants) == (2, 2)
    assert figures.per_capita_grams == 63
    recent = queries.get_figures(team, now - timedelta(days=2, hours=1))
    assert recent.grams == 27


def test_a_school_counts_its_classes_members_once(db: Any) -> None:
    school = factories.make_team(kind="school")
    captain = factories.session().get(factories.User, school.captain_id)
    klass = factories.make_team(captain, kind="class", parent=school)
    pupil = factories.join(klass)
    factories.join(school, pupil)  # in the school and in its class at once
    now = utcnow()
    _reduction(captain, 30, now)
    _reduction(pupil, 40, now)
    figures = queries.get_figures(school, None, now + timedelta(seconds=1))
    assert (figures.grams, figures.members, figures.participants) == (70, 2, 2)
    assert queries.get_figures(klass, None, now + timedelta(seconds=1)).grams == 40


def test_members_are_listed_to_members_and_the_schools_captain_only(db: Any) -> None:
    school = factories.make_team(kind="school")
    captain = factories.session().get(factories.User, school.captain_id)
    klass = factories.make_team(factories.make_user_with_role(Role.TEAM_CAPTAIN), kind="volunteer")
    class_team = factories.make_team(captain, kind="class", parent=school)
    pupil = factories.join(class_team)
    assert queries.may_see_members(class_team, pupil.id)
    assert queries.may_see_members(class_team, captain.id)
    assert not queries.may_see_members(class_team, factories.make_user().id)
    assert not queries.may_see_members(class_team, None)
    assert not queries.may_see_members(klass, pupil.id)
