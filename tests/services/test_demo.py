"""The demo data (``portal.demo``): each domain's module seeded in order, once, whatever the
number of runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from portal.accounts.models import Membership, Role, User
from portal.activities.models import AccountLink, BehaviorRecord, Partner
from portal.clock import utcnow
from portal.demo import DEMO_LOGINS, seed_demo
from portal.demo.merchants import offer_picture
from portal.gamification.campaigns import queries as campaign_queries
from portal.gamification.campaigns.models import Campaign, CampaignBonus
from portal.gamification.campaigns.rules import Phase
from portal.gamification.models import BadgeAward
from portal.mall.models import Voucher
from portal.market.models import Batch
from portal.merchants.models import Merchant, Offer, OfferRevision
from portal.merchants.queries import get_visible_image
from portal.methodology.models import Methodology
from portal.notifications import kinds
from portal.notifications.models import Notification


def _counts(db: Any) -> tuple[int, ...]:
    models = (
        Methodology,
        Membership,
        Partner,
        AccountLink,
        BehaviorRecord,
        Merchant,
        OfferRevision,
    )
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in models)


def test_a_second_run_adds_nothing_and_gives_the_same_logins(db: Any, tmp_path: Path) -> None:
    logins, report = seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    assert [demo.login for demo in logins] == [demo.login for demo in DEMO_LOGINS]
    assert len({demo.audience for demo in logins}) == 9  # one login per audience
    counts = _counts(db)
    # methodologies, memberships (one more for the second demo merchant's staff, three for the
    # registry officials), partners (one for the hitch rides)
    assert counts[:3] == (22, 11, 5) and counts[4] > 0
    assert counts[5:] == (2, 4)  # merchants, offers (one revision each)
    assert "0 rejected" in report and not report.startswith("0 quantified")

    again, second = seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    assert again == logins
    assert second.startswith("0 quantified, 0 rejected")
    assert _counts(db) == counts


def test_demo_citizens_signed_up_and_linked_before_their_first_records(
    db: Any, tmp_path: Path
) -> None:
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    first = dict(
        db.session.execute(
            select(BehaviorRecord.user_id, func.min(BehaviorRecord.occurred_at)).group_by(
                BehaviorRecord.user_id
            )
        ).all()
    )
    users = db.session.scalars(select(User).where(User.id.in_(first)))
    for user in users:
        assert max(user.created_at, user.consented_at) < first[user.id], user.display_name
    # Each link before the first record that partner sent for the citizen.
    first_sent = dict(
        (tuple(key), at)
        for *key, at in db.session.execute(
            select(
                BehaviorRecord.partner_id,
                BehaviorRecord.user_id,
                func.min(BehaviorRecord.occurred_at),
            ).group_by(BehaviorRecord.partner_id, BehaviorRecord.user_id)
        )
    )
    for link in db.session.scalars(select(AccountLink)):
        sent = first_sent.get((link.partner_id, link.user_id))
        assert sent is None or link.linked_at < sent


def test_the_demo_citizen_has_a_read_and_an_unread_notification(db: Any, tmp_path: Path) -> None:
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    citizen = db.session.scalar(select(User).where(User.phone == DEMO_LOGINS[0].login))
    inbox = db.session.scalars(
        select(Notification)
        .where(
            Notification.user_id == citizen.id,
            Notification.kind.in_([kinds.RECORD_APPROVED, kinds.RECORD_REJECTED]),
        )
        .order_by(Notification.id)
    ).all()
    assert [(n.kind, n.read_at is not None) for n in inbox] == [
        (kinds.RECORD_APPROVED, True),
        (kinds.RECORD_REJECTED, False),
    ]
    approved, rejected = (db.session.get(BehaviorRecord, n.params["record_id"]) for n in inbox)
    assert approved.status == "quantified" and rejected.status == "rejected"


def test_the_demo_citizen_holds_two_vouchers_one_checked(db: Any, tmp_path: Path) -> None:
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    citizen = db.session.scalar(select(User).where(User.phone == DEMO_LOGINS[0].login))
    statuses = db.session.scalars(
        select(Voucher.status).where(Voucher.user_id == citizen.id).order_by(Voucher.id)
    ).all()
    assert statuses == ["used", "unused"]
    assert db.session.scalar(select(func.count()).select_from(Voucher)) == 3


def test_the_demo_merchants_are_approved_in_two_cities_with_published_offers(
    db: Any, tmp_path: Path
) -> None:
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    merchants = list(db.session.scalars(select(Merchant)))
    assert len({tuple(m.city_codes) for m in merchants}) == 2
    staff = db.session.scalar(select(User).where(User.phone == "13900000003"))
    assert staff is not None and staff.has_role(Role.MERCHANT)
    offers = list(db.session.scalars(select(Offer)))
    assert {offer.status for offer in offers} == {"published"}
    for revision in db.session.scalars(select(OfferRevision)):
        assert revision.title_zh and revision.title_en and revision.terms_en
        assert get_visible_image(revision.image_id, None) is not None
    assert len(list(tmp_path.glob("offers/*/*.webp"))) == 2 * len(offers)
    assert offer_picture("x") == offer_picture("x") != offer_picture("y")


def test_the_demo_citizen_has_points_expiring_this_year(db: Any, tmp_path: Path) -> None:
    from portal.clock import utcnow
    from portal.demo.ledger import DEMO_OPENING_POINTS, seed_demo_opening
    from portal.ledger.expiry import expiring
    from portal.ledger.models import LedgerTransaction
    from portal.ledger.queries import get_points_account_id

    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    citizen = db.session.scalar(select(User).where(User.phone == DEMO_LOGINS[0].login))
    account = get_points_account_id(citizen.id)
    soon = expiring(account, utcnow(), years=1)
    # Oldest first: what the demo spent this year (vouchers, donations) came out of these.
    assert soon is not None and 0 < soon.points < DEMO_OPENING_POINTS
    assert seed_demo_opening(DEMO_LOGINS[0].login) is None  # posted once
    openings = select(func.count()).where(LedgerTransaction.kind == "demo_opening")
    assert db.session.scalar(openings) == 1


def test_the_demo_citizen_has_earned_badges_once(db: Any, tmp_path: Path) -> None:
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    citizen = db.session.scalar(select(User).where(User.phone == DEMO_LOGINS[0].login))
    held = set(
        db.session.execute(
            select(BadgeAward.badge_key, BadgeAward.tier).where(BadgeAward.user_id == citizen.id)
        )
    )
    assert {("first_record", "bronze"), ("donor", "bronze"), ("streak", "bronze")} <= held
    notes = select(func.count()).where(
        Notification.user_id == citizen.id, Notification.kind == kinds.BADGE_AWARDED
    )
    before = db.session.scalar(notes)
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    assert db.session.scalar(select(func.count()).select_from(BadgeAward)) >= len(held)
    assert db.session.scalar(notes) == before == len({key for key, _tier in held})


def test_the_demo_has_a_current_and_a_past_campaign_with_bonuses_paid(
    db: Any, tmp_path: Path
) -> None:
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    grouped = campaign_queries.list_by_phase(utcnow())
    current, past = grouped[Phase.RUNNING], grouped[Phase.GRACE] + grouped[Phase.ENDED]
    assert len(current) == 1 and len(past) == 1
    standings = campaign_queries.get_standings([current[0].id, past[0].id])
    assert all(s.paid_points > 0 and s.participants > 0 for s in standings.values())
    paid = db.session.scalar(select(func.sum(CampaignBonus.bonus_points)))
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    assert db.session.scalar(select(func.sum(CampaignBonus.bonus_points))) == paid
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 2


def test_the_demo_registry_has_issued_batches_and_a_proposed_one(db: Any, tmp_path: Path) -> None:
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    batches = db.session.scalars(select(Batch).order_by(Batch.id)).all()
    assert [b.status for b in batches] == ["issued", "issued", "proposed"]
    _first, issued, proposed = batches
    assert len({issued.sampled_by_id, issued.verified_by_id, issued.issued_by_id}) == 3
    assert proposed.carry_in_grams == issued.carry_out_grams > 0
    assert issued.issued_tonnes > 0 and proposed.issued_tonnes > 0
