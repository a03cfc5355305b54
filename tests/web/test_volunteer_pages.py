"""Volunteer activities on the team pages, in both languages: the captain creates one (bad input
named, nothing written) and shows the rotating code and QR; a member checks in with it (a wrong
code, a second time, a stranger refused); the team page shows the member's hours. And the
teacher's view of a class's quiz participation: counts and rates, never who answered what."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.clock import SHANGHAI, utcnow
from portal.gamification import services as gamification_services
from portal.gamification.quizbank import get_quiz, sample_answers
from portal.gamification.volunteering.models import VolunteerActivity, VolunteerCheckin
from tests import factories
from tests.web.test_merchant_pages import EN, ZH, english_sentences

ERRORS = re.compile(r'class="(?:error|flash[^"]*)"[^>]*>([^<]*)<')


def _count(model: Any) -> int:
    return int(factories.session().scalar(select(func.count()).select_from(model)) or 0)


def _local(delta: timedelta) -> str:
    return (utcnow() + delta).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def _form(**fields: str) -> dict[str, str]:
    data = {
        "title": "净月潭捡拾垃圾",
        "place": "净月潭东门",
        "description": "请带手套。\nBring gloves.",
        "starts_at": _local(timedelta(minutes=-5)),
        "ends_at": _local(timedelta(hours=2)),
        "minutes": "90",
    }
    data.update(fields)
    return data


def test_the_captain_creates_an_activity_and_shows_the_code(
    client: FlaskClient, login_as: Any
) -> None:
    captain = login_as("citizen")
    team = factories.make_team(captain)
    page = client.get(f"/teams/{team.id}", headers=ZH)
    assert "新建志愿活动" in page.text and not english_sentences(page.text)
    form = client.get(f"/teams/{team.id}/activities/new", headers=ZH)
    assert form.status_code == 200 and not english_sentences(form.text)
    made = client.post(f"/teams/{team.id}/activities/new", data=_form(), headers=ZH)
    assert made.status_code == 302
    activity = factories.session().scalar(select(VolunteerActivity))
    assert activity is not None and activity.credited_minutes == 90
    shown = client.get(made.headers["Location"], headers=ZH)
    # The captain's description is shown as written, in whatever language it was written.
    assert "净月潭东门" in shown.text and "Bring gloves." in shown.text and "1.5 小时" in shown.text
    code = factories.code_now(activity)
    for headers, words in ((ZH, "签到码"), (EN, "Check-in code")):
        screen = client.get(f"/teams/activities/{activity.id}/code", headers=headers)
        assert screen.status_code == 200 and words in screen.text
        assert f"{code[:3]} {code[3:]}" in screen.text and "<svg" in screen.text
        assert 'hx-trigger="every 5s"' in screen.text
    assert not english_sentences(client.get(f"/teams/activities/{activity.id}/code").text)
    polled = client.get(
        f"/teams/activities/{activity.id}/code", headers={**ZH, "HX-Request": "true"}
    )
    assert "<html" not in polled.text and code[:3] in polled.text


@pytest.mark.parametrize(
    ("fields", "zh", "en"),
    [
        ({"title": ""}, "活动名称", "Give the activity a title."),
        ({"ends_at": _local(timedelta(minutes=-10))}, "结束", "after the start"),
        ({"minutes": "abc"}, "", ""),
        ({"minutes": "0"}, "整数分钟", "whole number from 1"),
        ({"minutes": "600"}, "不能超过", "cannot exceed"),
    ],
)
def test_bad_activity_input_is_named_and_writes_nothing(
    client: FlaskClient, login_as: Any, fields: dict[str, str], zh: str, en: str
) -> None:
    team = factories.make_team(login_as("citizen"))
    for headers, expected in ((ZH, zh), (EN, en)):
        page = client.post(
            f"/teams/{team.id}/activities/new", data=_form(**fields), headers=headers
        )
        assert page.status_code == 422, page.text
        assert expected in page.text
        if headers is ZH:
            assert not english_sentences(page.text)
    assert _count(VolunteerActivity) == 0


def test_only_the_captain_reaches_the_captain_pages(client: FlaskClient, login_as: Any) -> None:
    team = factories.make_team()
    activity = factories.make_activity(team)
    member = factories.join(team)
    factories.log_in(client, member)
    assert client.get(f"/teams/{team.id}/activities/new").status_code == 404
    assert client.get(f"/teams/activities/{activity.id}/code").status_code == 404
    login_as("citizen")  # a stranger: the activity does not exist for them
    assert client.get(f"/teams/activities/{activity.id}").status_code == 404
    assert (
        client.post(f"/teams/activities/{activity.id}/checkin", data={"code": "1"}).status_code
        == 404
    )


def test_a_member_checks_in_with_the_code_once(client: FlaskClient) -> None:
    team = factories.make_team()
    activity = factories.make_activity(team, minutes=90)
    member = factories.join(team)
    factories.log_in(client, member)
    url = f"/teams/activities/{activity.id}"
    page = client.get(url, headers=ZH)
    assert "签到" in page.text and not english_sentences(page.text)
    # Scanning the QR opens the page with the code filled in.
    scanned = client.get(f"{url}?code=123456", headers=ZH)
    assert 'value="123456"' in scanned.text
    for headers, expected in ((ZH, "签到码错误或已过期"), (EN, "wrong or has expired")):
        wrong = client.post(f"{url}/checkin", data={"code": "000000x"}, headers=headers)
        assert wrong.status_code == 422 and expected in wrong.text
    assert _count(VolunteerCheckin) == 0
    done = client.post(f"{url}/checkin", data={"code": factories.code_now(activity)}, headers=ZH)
    assert done.status_code == 302
    after = client.get(url, headers=ZH)
    assert "签到成功" in after.text and "1.5 小时" in after.text
    assert 'data-testid="checked-in"' in after.text
    for headers, expected in ((ZH, "已经签到"), (EN, "already checked in")):
        again = client.post(
            f"{url}/checkin", data={"code": factories.code_now(activity)}, headers=headers
        )
        assert again.status_code == 422 and expected in again.text
    assert _count(VolunteerCheckin) == 1
    hours = client.get(f"/teams/{team.id}", headers=ZH)
    assert "你的志愿服务总时长：1.5 小时" in hours.text
    assert "Your volunteer time in all: 1.5 h" in client.get(f"/teams/{team.id}", headers=EN).text


def test_check_in_is_closed_before_and_after_the_activity(client: FlaskClient) -> None:
    team = factories.make_team()
    now = utcnow()
    activity = factories.make_activity(
        team, starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=2), minutes=30
    )
    member = factories.join(team)
    factories.log_in(client, member)
    url = f"/teams/activities/{activity.id}"
    assert "活动开始后才能签到" in client.get(url, headers=ZH).text
    refused = client.post(f"{url}/checkin", data={"code": factories.code_now(activity)}, headers=EN)
    assert refused.status_code == 422 and "opens when the activity starts" in refused.text
    factories.move_window(activity, now - timedelta(hours=3), now - timedelta(hours=1))
    assert "活动已结束" in client.get(url, headers=ZH).text
    assert _count(VolunteerCheckin) == 0


def _class_with_pupils() -> tuple[Any, Any, list[Any]]:
    teacher = factories.make_user_with_role(Role.TEAM_CAPTAIN, display_name="王老师")
    school = factories.make_team(teacher, kind="school")
    klass = factories.make_team(teacher, kind="class", parent=school)
    pupils = [factories.join(klass) for _ in range(4)]
    quiz = get_quiz("climate_basics")
    assert quiz is not None
    for pupil, right in zip(pupils[:3], (5, 4, 1), strict=True):
        gamification_services.start_quiz(pupil.id, quiz.key)
        gamification_services.submit_quiz(pupil.id, quiz.key, sample_answers(quiz, right))
    return teacher, klass, pupils


def test_a_teacher_sees_participation_counts_and_no_answers(client: FlaskClient) -> None:
    teacher, klass, pupils = _class_with_pupils()
    factories.log_in(client, teacher)
    zh = client.get(f"/teams/{klass.id}", headers=ZH)
    en = client.get(f"/teams/{klass.id}", headers=EN)
    assert "小测验参与情况" in zh.text and not english_sentences(zh.text)
    assert "参加：3 人（75.0%）" in zh.text and "通过：2 人（50.0%）" in zh.text
    assert "started: 3 (75.0%)" in en.text and "passed: 2 (50.0%)" in en.text
    quiz = get_quiz("climate_basics")
    assert quiz is not None
    section = re.search(r'data-testid="quiz-participation".*?</ul>', zh.text, re.S)
    assert section is not None
    for page in (zh.text, en.text, section.group(0)):
        # No option text, no explanation, no score: nothing of what anyone answered.
        for question in quiz.questions:
            assert question.explanation.zh not in page and question.explanation.en not in page
            for option in question.options:
                assert option.label.zh not in page and option.label.en not in page
        assert "答对" not in page and "correct" not in page.lower()
    assert not re.search(r"\d+ ?/ ?\d+", section.group(0))  # no score such as 4/5
    # Aliases are listed as members (as before), never beside a quiz result.
    for pupil in pupils:
        assert pupil.display_name not in section.group(0)


def test_a_pupil_does_not_see_the_class_participation(client: FlaskClient) -> None:
    _teacher, klass, pupils = _class_with_pupils()
    factories.log_in(client, pupils[0])
    page = client.get(f"/teams/{klass.id}", headers=ZH)
    assert page.status_code == 200 and "小测验参与情况" not in page.text


def test_guessing_is_limited_per_person_not_per_school_network(
    client: FlaskClient, rate_limits: None
) -> None:
    team = factories.make_team()
    activity = factories.make_activity(team)
    url = f"/teams/activities/{activity.id}/checkin"
    members = [factories.join(team) for _ in range(12)]
    for member in members[:11]:  # one address, as behind a school's network
        factories.log_in(client, member)
        done = client.post(url, data={"code": factories.code_now(activity)})
        assert done.status_code == 302
    factories.log_in(client, members[11])
    statuses = [client.post(url, data={"code": "000000x"}).status_code for _ in range(11)]
    assert statuses == [422] * 10 + [429]
    assert _count(VolunteerCheckin) == 11
