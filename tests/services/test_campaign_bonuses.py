"""Campaign services and the ``campaign_bonuses`` job: bonuses paid from the budget for the
records that count (window, grace), held to the per-person cap and to the budget, once per
record; the operator's save and fund commands and their refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from portal.activities.models import Reduction
from portal.errors import Conflict, InvalidInput, NotAllowed
from portal.gamification.campaigns import queries
from portal.gamification.campaigns.bonuses import pay_campaign_bonuses
from portal.gamification.campaigns.models import CampaignBonus
from portal.gamification.campaigns.services import fund_campaign, save_campaign
from portal.gamification.models import BadgeQueue
from portal.gamification.services import evaluate_badges
from portal.ledger.queries import get_balance
from tests import factories

pytestmark = pytest.mark.usefixtures("methodologies")
START = factories.CAMPAIGN_START
AFTER = START + timedelta(days=2, hours=1)  # the job's "now": the campaign and its grace are over


def _ride(user_id: int, at: Any, points: int, quantified: Any = None) -> int:
    row = factories.reduction_row(user_id, factories.CYCLING, at, 4000, points)
    row["created_at"] = quantified or at
    from portal.db import session

    return int(session().execute(insert(Reduction).returning(Reduction.id), [row]).scalar_one())


def _bonuses(db: Any, campaign_id: int) -> dict[int, tuple[int, str]]:
    rows = db.session.execute(
        select(CampaignBonus.reduction_id, CampaignBonus.bonus_points, CampaignBonus.outcome).where(
            CampaignBonus.campaign_id == campaign_id
        )
    )
    return {r: (p, o) for r, p, o in rows}


def test_bonus_is_base_times_multiplier_less_one_and_a_rerun_pays_nothing(db: Any) -> None:
    campaign = factories.make_campaign(starts_at=START, percents={"cycling": 150})
    factories.fund(campaign, 1000)
    citizen = factories.make_user()
    ride = _ride(citizen.id, START + timedelta(hours=8), 41)
    before = get_balance(citizen.id)
    run = pay_campaign_bonuses(now=AFTER)
    assert (run.records, run.points) == (1, 20)  # 41 × 50% = 20.5, rounded down
    assert _bonuses(db, campaign.id) == {ride: (20, "paid")}
    assert get_balance(citizen.id) == before + 20
    assert pay_campaign_bonuses(now=AFTER).records == 0
    assert get_balance(citizen.id) == before + 20
    standing = queries.get_standings([campaign.id])[campaign.id]
    assert (standing.participants, standing.paid_points, standing.budget_left) == (1, 20, 980)


def test_only_records_done_in_the_window_and_quantified_within_grace_count(db: Any) -> None:
    campaign = factories.make_campaign(starts_at=START, grace_hours=24)
    factories.fund(campaign, 1000)
    citizen = factories.make_user()
    end = START + timedelta(days=1)
    inside = _ride(citizen.id, START, 10)
    late_in_grace = _ride(citizen.id, end - timedelta(minutes=1), 10, end + timedelta(hours=24))
    _ride(citizen.id, end - timedelta(minutes=1), 10, end + timedelta(hours=24, seconds=1))
    _ride(citizen.id, START - timedelta(seconds=1), 10)  # before the start
    _ride(citizen.id, end, 10)  # the end is exclusive
    pay_campaign_bonuses(now=AFTER)
    assert set(_bonuses(db, campaign.id)) == {inside, late_in_grace}


def test_the_cap_holds_each_person_and_the_budget_stops_everyone(db: Any) -> None:
    campaign = factories.make_campaign(starts_at=START, cap_points=30)
    factories.fund(campaign, 50)
    first, second = factories.make_user(), factories.make_user()
    rides = [_ride(first.id, START + timedelta(hours=h), 20) for h in range(3)]
    others = [_ride(second.id, START + timedelta(hours=5 + h), 20) for h in range(2)]
    pay_campaign_bonuses(now=AFTER)
    paid = _bonuses(db, campaign.id)
    assert [paid[r] for r in rides] == [(20, "paid"), (10, "capped"), (0, "capped")]
    assert [paid[r] for r in others] == [(20, "paid"), (0, "budget")]
    standing = queries.get_standings([campaign.id])[campaign.id]
    assert standing.budget_left == 0 and standing.is_exhausted and standing.participants == 2
    assert queries.get_my_bonus(campaign.id, first.id) == queries.MyBonus(3, 30)


def test_small_batches_pay_the_same_and_reversed_or_unlisted_records_get_nothing(db: Any) -> None:
    campaign = factories.make_campaign(starts_at=START, cap_points=1000)
    factories.fund(campaign, 10_000)
    citizen = factories.make_user()
    rides = [_ride(citizen.id, START + timedelta(minutes=m), 10) for m in range(7)]
    reversed_ride = _ride(citizen.id, START, 10)
    db.session.execute(
        Reduction.__table__.update()
        .where(Reduction.id == reversed_ride)
        .values(reversed_at=START + timedelta(hours=1))
    )
    factories.credit(citizen, "JLCH-TR-007", START + timedelta(hours=1))  # no multiplier
    run = pay_campaign_bonuses(now=AFTER, batch_size=3)
    assert run.batches == 3 and set(_bonuses(db, campaign.id)) == set(rides)


def test_participation_queues_the_badges_job_which_awards_the_campaign_badge(db: Any) -> None:
    evaluate_badges()
    campaign = factories.make_campaign(starts_at=START)
    factories.fund(campaign, 100)
    citizen = factories.make_user()
    _ride(citizen.id, START, 10)
    evaluate_badges()  # the reduction's own queue entry: no campaign yet
    pay_campaign_bonuses(now=AFTER)
    assert db.session.get(BadgeQueue, citizen.id) is not None
    evaluate_badges()
    from portal.gamification.models import BadgeAward

    keys = set(
        db.session.scalars(select(BadgeAward.badge_key).where(BadgeAward.user_id == citizen.id))
    )
    assert "campaigner" in keys


def test_operator_creates_a_campaign_and_only_texts_change_once_it_started(db: Any) -> None:
    admin = factories.make_user(is_admin=True)
    campaign = save_campaign(actor=admin, fields=factories.campaign_fields())
    assert campaign.percents == {"cycling": 200} and campaign.starts_at == START
    assert campaign.counts_until == START + timedelta(days=1, hours=48)
    started = START + timedelta(hours=1)
    fields = factories.campaign_fields(title_en="Earth Day, cycling doubled")
    save_campaign(actor=admin, fields=fields, campaign_id=campaign.id, now=started)
    assert campaign.title_en == "Earth Day, cycling doubled"
    with pytest.raises(Conflict):
        save_campaign(
            actor=admin,
            fields=factories.campaign_fields(percents={"cycling": 300}),
            campaign_id=campaign.id,
            now=started,
        )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"percents": {"cycling": 0}}, "m_cycling"),
        ({"percents": {"cycling": -150}}, "m_cycling"),
        ({"percents": {"cycling": 100}}, "m_cycling"),
        ({"percents": {"cycling": 5000}}, "m_cycling"),
        ({"percents": {}}, "multipliers"),
        ({"percents": {"teleporting": 200}}, "multipliers"),
        ({"ends_local": (START - timedelta(hours=1)).replace(tzinfo=None)}, "ends_at"),
        ({"cap_points": 0}, "cap_points"),
        ({"grace_hours": -1}, "grace_hours"),
        ({"theme": "made_up_day"}, "theme"),
    ],
)
def test_bad_campaign_values_are_refused_naming_the_field(
    db: Any, overrides: dict[str, Any], field: str
) -> None:
    admin = factories.make_user(is_admin=True)
    with pytest.raises(InvalidInput) as refused:
        save_campaign(actor=admin, fields=factories.campaign_fields(**overrides))
    assert refused.value.field == field


def test_overlapping_and_past_campaigns_are_refused_and_citizens_may_not_save(db: Any) -> None:
    admin = factories.make_user(is_admin=True)
    save_campaign(actor=admin, fields=factories.campaign_fields())
    overlapping = factories.campaign_fields(
        starts_local=(START + timedelta(hours=12)).replace(tzinfo=None),
        ends_local=(START + timedelta(days=2)).replace(tzinfo=None),
    )
    with pytest.raises(InvalidInput, match="overlap"):
        save_campaign(actor=admin, fields=overlapping)
    with pytest.raises(InvalidInput, match="future"):
        save_campaign(actor=admin, fields=factories.campaign_fields(), now=AFTER)
    with pytest.raises(NotAllowed):
        save_campaign(actor=factories.make_user(), fields=factories.campaign_fields())


def test_funding_is_once_per_token_and_refuses_odd_amounts(db: Any) -> None:
    admin = factories.make_user(is_admin=True)
    campaign = factories.make_campaign(starts_at=START)
    token = factories.form_token()
    first = fund_campaign(actor=admin, campaign_id=campaign.id, points=500, form_token=token)
    again = fund_campaign(actor=admin, campaign_id=campaign.id, points=500, form_token=token)
    assert first is not None and again is None
    assert queries.get_standings([campaign.id])[campaign.id].budget_left == 500
    for points in (0, -5, 1.5, True, "100"):
        with pytest.raises(InvalidInput):
            fund_campaign(
                actor=admin,
                campaign_id=campaign.id,
                points=points,
                form_token=factories.form_token(),
            )


def test_a_bonus_on_a_reversed_reduction_goes_back_to_the_budget_once(db: Any) -> None:
    campaign = factories.make_campaign(starts_at=START, cap_points=30)
    factories.fund(campaign, 100)
    citizen = factories.make_user()
    self_report = _ride(citizen.id, START + timedelta(hours=1), 20)
    pay_campaign_bonuses(now=AFTER)
    assert get_balance(citizen.id) == 20
    db.session.execute(
        Reduction.__table__.update()
        .where(Reduction.id == self_report)
        .values(reversed_at=START + timedelta(hours=2))
    )
    partner = _ride(citizen.id, START + timedelta(hours=1), 25)  # the same act, from a partner
    pay_campaign_bonuses(now=AFTER)
    pay_campaign_bonuses(now=AFTER)
    paid = _bonuses(db, campaign.id)
    assert paid[partner] == (25, "paid")  # the cap counts only what was not given back
    assert get_balance(citizen.id) == 25
    standing = queries.get_standings([campaign.id])[campaign.id]
    assert (standing.paid_points, standing.budget_left) == (25, 75)
    assert queries.get_my_bonus(campaign.id, citizen.id).points == 25


def test_a_spent_bonus_stays_until_the_points_are_there(db: Any) -> None:
    campaign = factories.make_campaign(starts_at=START)
    factories.fund(campaign, 100)
    citizen = factories.make_user()
    ride = _ride(citizen.id, START, 20)
    pay_campaign_bonuses(now=AFTER)
    factories.make_spend(citizen.id, 20, "spend-campaign-bonus")
    db.session.execute(
        Reduction.__table__.update().where(Reduction.id == ride).values(reversed_at=AFTER)
    )
    pay_campaign_bonuses(now=AFTER)  # the debit is refused: nothing else fails
    assert queries.get_standings([campaign.id])[campaign.id].paid_points == 20
    factories.give_points(citizen.id, 20)
    pay_campaign_bonuses(now=AFTER)
    assert queries.get_standings([campaign.id])[campaign.id].paid_points == 0
    assert get_balance(citizen.id) == 0
