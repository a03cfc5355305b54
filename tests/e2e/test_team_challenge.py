"""On a 375-px phone, in Chinese: the demo captain (who runs the demo school's classes)
challenges a class of another school, that class's captain accepts, and once the challenge
runs, the live standings move after a quantify run. Screenshots of the challenge pages at 375
and 1280 px, in Chinese and English, go to test-results/."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import insert, select

from portal.accounts.models import Role
from portal.activities.models import BehaviorRecord
from portal.activities.quantify import quantify_pending
from portal.clock import local_today, utcnow
from portal.db import session
from portal.teams.models import TeamMembership
from portal.teams.pk.models import TeamChallenge
from tests import factories
from tests.e2e.test_carbon_account import log_in
from tests.factories.activities import CYCLING, record_row
from tests.factories.methodology import methodology_id

WIDTH = 375
OTHER_CAPTAIN = "13911112222"
DEMO_PASSWORD = "Jilin2026demo"


def _other_school(app: Flask) -> tuple[int, int]:
    """Another junior high school with a class, its captain and one pupil; their ids."""
    with app.app_context():
        captain = factories.make_user_with_role(
            Role.TEAM_CAPTAIN, phone=OTHER_CAPTAIN, password=DEMO_PASSWORD, display_name="李老师"
        )
        school = factories.make_team(captain, kind="school", name="长春市第五中学")
        klass = factories.make_team(captain, kind="class", parent=school, name="初二（2）班")
        pupil = factories.join(klass)
        for membership in session().scalars(
            select(TeamMembership).where(TeamMembership.team_id == klass.id)
        ):
            membership.joined_at -= timedelta(days=1)  # joined before the challenge begins
        session().commit()
        return klass.id, pupil.id


def test_a_captain_challenges_another_class_and_the_standings_move(
    page: Page, live_server: str, live_app: Flask
) -> None:
    rival_id, pupil_id = _other_school(live_app)
    page.set_viewport_size({"width": WIDTH, "height": 812})
    log_in(page, live_server, "13900000002")
    page.goto(live_server + "/teams")
    page.locator("a", has_text="初二（1）班").first.click()
    page.locator("a", has_text="发起组队PK").click()
    expect(page.locator("h1")).to_have_text("发起组队PK")
    page.get_by_label("对手").select_option(str(rival_id))
    page.get_by_label("比拼指标").select_option("per_capita")
    # The demo class's running duel ends in three days: these days come after it.
    first = local_today() + timedelta(days=5)
    page.get_by_label("开始日期").fill(first.isoformat())
    page.get_by_label("结束日期").fill((first + timedelta(days=6)).isoformat())
    page.screenshot(path="test-results/pk-new-375-zh.png", full_page=True)
    page.locator("button", has_text="发出挑战").click()
    expect(page.locator(".flash-success")).to_contain_text("挑战已发出")
    expect(page.locator("main")).to_contain_text("等待回应")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    challenge_url = page.url

    page.context.clear_cookies()
    log_in(page, live_server, OTHER_CAPTAIN)
    page.goto(live_server + "/me/notifications")
    expect(page.locator("main")).to_contain_text("你的队伍收到挑战")
    page.goto(challenge_url)
    page.locator("button", has_text="接受挑战").click()
    expect(page.locator(".flash-success")).to_contain_text("已接受挑战")
    expect(page.locator("main")).to_contain_text("尚未开始")

    with live_app.app_context():  # the challenge starts: move it to have begun an hour ago
        challenge = session().scalar(
            select(TeamChallenge)
            .where(TeamChallenge.host_team_id != rival_id)
            .order_by(TeamChallenge.id.desc())
        )
        assert challenge is not None
        length = challenge.ends_at - challenge.starts_at
        challenge.starts_at = utcnow() - timedelta(hours=1)
        challenge.ends_at = challenge.starts_at + length
        session().commit()
    page.goto(challenge_url)
    standings = page.locator("#standings")
    expect(standings).to_have_attribute("hx-trigger", "every 30s")
    rival_row = standings.locator("li", has_text="初二（2）班")
    expect(rival_row.locator("strong").last).to_have_text("0 克")
    page.screenshot(path="test-results/pk-running-375-zh.png", full_page=True)

    with live_app.app_context():  # the pupil's ride arrives; the scheduler quantifies it
        session().execute(
            insert(BehaviorRecord),
            [record_row(pupil_id, methodology_id(CYCLING), utcnow() - timedelta(seconds=5))],
        )
        session().commit()
        assert quantify_pending(points_per_kg=1000).quantified >= 1
    page.reload()
    expect(standings.locator("li").first).to_contain_text("初二（2）班")
    expect(rival_row.locator("strong").last).not_to_have_text("0 克")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH

    for suffix in ("zh", "en"):
        if suffix == "en":
            page.get_by_role("button", name="English").first.click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
        for width in (WIDTH, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(challenge_url)
            page.screenshot(path=f"test-results/pk-{width}-{suffix}.png", full_page=True)
            page.locator("main a", has_text="初二（2）班").first.click()
            page.screenshot(path=f"test-results/pk-team-{width}-{suffix}.png", full_page=True)
