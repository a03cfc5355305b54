"""Campaign pages: the public list and campaign page in both languages (countdown, progress,
multipliers, the themed day's source, the citizen's own bonus, the budget used up), and the
operator's list, create, edit and fund forms with their bad input."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select

from portal.accounts.models import AuditEvent
from portal.activities.models import Reduction
from portal.clock import utcnow
from portal.gamification.campaigns.bonuses import pay_campaign_bonuses
from portal.gamification.campaigns.models import Campaign
from portal.ledger.queries import get_balance
from tests import factories
from tests.web.test_merchant_pages import EN, ZH, english_sentences

pytestmark = pytest.mark.usefixtures("methodologies")
TOKEN = re.compile(r'id="token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*id="token"')


def _running(db: Any, **kwargs: Any) -> Campaign:
    """A campaign that started an hour ago and runs a day, with citizens' rides paid."""
    return factories.make_campaign(
        starts_at=utcnow() - timedelta(hours=1), theme="low_carbon_day", **kwargs
    )


def test_list_and_campaign_page_in_both_languages(
    client: FlaskClient, login_as: Any, db: Any
) -> None:
    campaign = _running(db, title_zh="全国低碳日骑行", title_en="Low-Carbon Day rides")
    factories.fund(campaign, 500)
    citizen = login_as("citizen")
    db.session.execute(
        insert(Reduction),
        [
            factories.reduction_row(
                citizen.id, factories.CYCLING, utcnow() - timedelta(minutes=30), 4000, 40
            )
        ],
    )
    pay_campaign_bonuses()
    listing = client.get("/campaigns", headers=ZH)
    assert listing.status_code == 200 and "全国低碳日骑行" in listing.text
    assert "正在进行" in listing.text and not english_sentences(listing.text)
    page = client.get(f"/campaigns/{campaign.id}", headers=ZH)
    assert page.status_code == 200 and not english_sentences(page.text)
    assert "后结束" in page.text  # the countdown: ends in …
    assert "×2" in page.text and "骑行" in page.text
    assert "40" in page.text and "1 人参与" in page.text.replace("1人", "1 人")
    assert "http" in page.text and "全国低碳日" in page.text  # the themed day and its source
    en = client.get(f"/campaigns/{campaign.id}", headers=EN)
    assert "Ends in 23 h" in en.text and "Your bonus so far: 40 points for 1 record." in en.text
    assert "40 of 500 bonus points paid (8%)" in en.text


def test_the_page_says_when_the_budget_ran_out(client: FlaskClient, db: Any) -> None:
    campaign = _running(db)
    factories.fund(campaign, 10)
    rider = factories.make_user()
    db.session.execute(
        insert(Reduction),
        [
            factories.reduction_row(
                rider.id, factories.CYCLING, utcnow() - timedelta(minutes=m), 4000, 40
            )
            for m in (10, 20)
        ],
    )
    pay_campaign_bonuses()
    en = client.get(f"/campaigns/{campaign.id}", headers=EN)
    assert "The bonus budget is used up" in en.text
    zh = client.get(f"/campaigns/{campaign.id}", headers=ZH)
    assert "预算已用完" in zh.text


def test_empty_list_and_unknown_campaign(client: FlaskClient, db: Any) -> None:
    assert "No campaign is running now." in client.get("/campaigns", headers=EN).text
    assert client.get("/campaigns/999999", headers=EN).status_code == 404


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "theme": "earth_hour",
        "title_zh": "地球一小时",
        "title_en": "Earth Hour",
        "description_zh": "熄灯一小时。",
        "description_en": "Lights off for an hour.",
        "starts_at": "2027-03-27T20:30",
        "ends_at": "2027-03-27T21:30",
        "grace_hours": "24",
        "cap_points": "50",
        "m_household_energy_saving": "300",
    }
    data.update(overrides)
    return data


def test_operator_creates_edits_and_funds_a_campaign(
    client: FlaskClient, login_as: Any, db: Any
) -> None:
    login_as("admin")
    listing = client.get("/admin/campaigns", headers=ZH)
    assert listing.status_code == 200 and "地球一小时" in listing.text and "未公布" in listing.text
    prefilled = client.get("/admin/campaigns/new?theme=earth_hour&year=2027", headers=EN)
    assert 'value="2027-03-20T20:30"' in prefilled.text  # the 27th is Easter eve
    created = client.post("/admin/campaigns/new", data=_form(), headers=EN)
    assert created.status_code == 302
    campaign = db.session.scalar(select(Campaign).where(Campaign.title_en == "Earth Hour"))
    assert campaign is not None and campaign.percents == {"household_energy_saving": 300}
    assert campaign.starts_at.hour == 12 and campaign.starts_at.minute == 30  # 20:30 in Shanghai
    edited = client.post(
        f"/admin/campaigns/{campaign.id}", data=_form(title_en="Earth Hour 2027"), headers=EN
    )
    assert edited.status_code == 302 and campaign.title_en == "Earth Hour 2027"
    page = client.get(f"/admin/campaigns/{campaign.id}", headers=EN)
    match = TOKEN.search(page.text)
    assert match
    token = match.group(1) or match.group(2)
    unconfirmed = client.post(
        f"/admin/campaigns/{campaign.id}/fund", data={"points": "800", "token": token}, headers=EN
    )
    assert unconfirmed.status_code == 422 and "Tick the box to confirm" in unconfirmed.text
    fund = {"points": "800", "token": token, "confirm": "y"}
    assert client.post(f"/admin/campaigns/{campaign.id}/fund", data=fund).status_code == 302
    assert client.post(f"/admin/campaigns/{campaign.id}/fund", data=fund).status_code == 302
    page = client.get(f"/admin/campaigns/{campaign.id}", headers=EN)
    assert "800 points left in the budget." in page.text
    actions = set(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject_id == str(campaign.id))
        )
    )
    assert {"campaign.created", "campaign.edited", "campaign.funded"} <= actions
    funded = db.session.scalar(select(func.count()).where(AuditEvent.action == "campaign.funded"))
    assert funded == 1  # the replayed confirmation funded nothing more


@pytest.mark.parametrize(
    ("overrides", "zh", "en"),
    [
        ({"m_household_energy_saving": "0"}, "倍数", "A multiplier is 101% to 500%"),
        ({"m_household_energy_saving": "-200"}, "倍数", "A multiplier is 101% to 500%"),
        ({"m_household_energy_saving": "100000"}, "倍数", "A multiplier is 101% to 500%"),
        ({"m_household_energy_saving": ""}, "倍数", "Give at least one scenario a multiplier."),
        ({"ends_at": "2027-03-27T19:00"}, "结束", "The campaign must end after it starts."),
        (
            {"starts_at": "2020-03-27T19:00", "ends_at": "2020-03-28T19:00"},
            "未来",
            "A new campaign must start in the future.",
        ),
        ({"cap_points": "0"}, "积分", "Enter whole points from 1 to 100000."),
        ({"grace_hours": "9999"}, "小时", "The grace window is 0 to 336 hours."),
        ({"starts_at": "not a date"}, "", "Not a valid datetime value."),
    ],
)
def test_bad_campaign_input_gets_a_clear_message_in_each_language(
    client: FlaskClient, login_as: Any, db: Any, overrides: dict[str, str], zh: str, en: str
) -> None:
    login_as("admin")
    page = client.post("/admin/campaigns/new", data=_form(**overrides), headers=EN)
    assert page.status_code == 422 and en in page.text.replace("&#39;", "'"), page.text[-3000:]
    chinese = client.post("/admin/campaigns/new", data=_form(**overrides), headers=ZH)
    assert chinese.status_code == 422 and zh in chinese.text
    assert not english_sentences(chinese.text)
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_overlapping_dates_name_the_other_campaign(
    client: FlaskClient, login_as: Any, db: Any
) -> None:
    login_as("admin")
    assert client.post("/admin/campaigns/new", data=_form()).status_code == 302
    page = client.post(
        "/admin/campaigns/new",
        data=_form(title_en="Other", starts_at="2027-03-27T21:00", ends_at="2027-03-28T21:00"),
        headers=ZH,
    )
    assert page.status_code == 422 and "重叠" in page.text and "地球一小时" in page.text


def test_citizens_cannot_reach_the_operator_pages(client: FlaskClient, login_as: Any) -> None:
    login_as("citizen")
    assert client.get("/admin/campaigns").status_code == 403
    assert client.post("/admin/campaigns/new", data=_form()).status_code == 403


def test_bonus_points_reach_the_citizens_statement_in_words(
    client: FlaskClient, login_as: Any, db: Any
) -> None:
    campaign = _running(db)
    factories.fund(campaign, 100)
    citizen = login_as("citizen")
    db.session.execute(
        insert(Reduction),
        [
            factories.reduction_row(
                citizen.id, factories.CYCLING, utcnow() - timedelta(minutes=5), 4000, 30
            )
        ],
    )
    pay_campaign_bonuses()
    assert get_balance(citizen.id) == 30  # the reduction's own credit is not in this row
    assert "主题活动奖励积分" in client.get("/me/transactions", headers=ZH).text
    assert "Campaign bonus points" in client.get("/me/transactions", headers=EN).text
