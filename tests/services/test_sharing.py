"""Sharing: nothing is public until the holder shares; a share shows the alias only; withdrawn
shares, deleted accounts, other people's things and forged codes find nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.accounts.models import AuditEvent
from portal.clock import local_today, utcnow
from portal.db import session
from portal.errors import NotAllowed, NotFound
from portal.sharing import services
from portal.sharing.queries import get_shared, list_live_shares
from portal.sharing.rules import is_share_code, may_share, new_share_code
from tests import factories


def test_sharing_a_badge_shows_the_alias_and_the_top_tier(db: Any) -> None:
    user = factories.make_user(display_name="绿色骑手", email="rider@example.cn")
    factories.make_award(user, "first_record", "bronze")
    gold = factories.make_award(user, "first_record", "gold")
    link = services.share_badge(actor_id=user.id, badge_key="first_record")
    assert is_share_code(link.code)  # 22 random characters, not the row id
    shared = get_shared(link.code)
    assert shared is not None
    assert (shared.alias, shared.badge_key, shared.tier) == ("绿色骑手", "first_record", "gold")
    assert shared.earned_at == gold.awarded_at
    assert user.phone not in repr(shared) and "rider@" not in repr(shared)
    assert "220100" not in repr(shared)
    actions = session().scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id))
    assert "share.create" in list(actions)


def test_sharing_twice_gives_one_link(db: Any) -> None:
    user = factories.make_user()
    factories.make_award(user)
    first = services.share_badge(actor_id=user.id, badge_key="first_record")
    again = services.share_badge(actor_id=user.id, badge_key="first_record")
    assert first.code == again.code
    assert list_live_shares(user.id) == {("badge", "first_record:bronze"): first.code}


def test_nothing_is_public_before_sharing(db: Any) -> None:
    user = factories.make_user()
    factories.make_award(user)
    assert list_live_shares(user.id) == {}


def test_a_badge_not_held_cannot_be_shared(db: Any) -> None:
    user = factories.make_user()
    with pytest.raises(NotFound):
        services.share_badge(actor_id=user.id, badge_key="first_record")


def test_withdrawing_makes_the_share_404_and_resharing_makes_a_new_code(db: Any) -> None:
    user = factories.make_user()
    factories.make_award(user)
    link = services.share_badge(actor_id=user.id, badge_key="first_record")
    services.withdraw_share(actor_id=user.id, share_code=link.code)
    assert get_shared(link.code) is None
    services.withdraw_share(actor_id=user.id, share_code=link.code)  # again: no change
    fresh = services.share_badge(actor_id=user.id, badge_key="first_record")
    assert fresh.code != link.code and get_shared(fresh.code) is not None
    assert get_shared(link.code) is None


def test_nobody_withdraws_someone_elses_share(db: Any) -> None:
    holder, other = factories.make_user(), factories.make_user()
    factories.make_award(holder)
    link = services.share_badge(actor_id=holder.id, badge_key="first_record")
    with pytest.raises(NotFound):
        services.withdraw_share(actor_id=other.id, share_code=link.code)
    assert get_shared(link.code) is not None


def test_a_deleted_account_has_no_share_pages(db: Any) -> None:
    user = factories.make_user()
    factories.make_award(user)
    link = services.share_badge(actor_id=user.id, badge_key="first_record")
    user.deleted_at = utcnow()
    session().flush()
    assert not may_share(user, local_today())
    assert get_shared(link.code) is None  # asked again on every read
    with pytest.raises(NotAllowed):
        services.share_badge(actor_id=user.id, badge_key="first_record")


def test_a_child_under_14_never_has_share_pages(db: Any) -> None:
    child = factories.make_minor()
    factories.make_award(child)
    with pytest.raises(NotAllowed):
        services.share_badge(actor_id=child.id, badge_key="first_record")
    grown = factories.make_user(birth_year=local_today().year - 20)
    factories.make_award(grown)
    link = services.share_badge(actor_id=grown.id, badge_key="first_record")
    grown.birth_year = local_today().year - 10  # a corrected year of birth takes it down
    session().flush()
    assert get_shared(link.code) is None


def test_certificates_are_shared_by_their_holder_only(db: Any) -> None:
    holder, other = factories.make_user(display_name="捐赠者"), factories.make_user()
    cert = factories.make_certificate(holder)
    with pytest.raises(NotFound):
        services.share_certificate(actor_id=other.id, certificate_code=cert.code)
    link = services.share_certificate(actor_id=holder.id, certificate_code=cert.code)
    shared = get_shared(link.code)
    assert shared is not None and shared.alias == "捐赠者"
    assert shared.title_zh == cert.title_zh and shared.certificate_code == cert.code
    assert list_live_shares(holder.id) == {("certificate", cert.code): link.code}


def test_a_revoked_certificate_is_not_shared(db: Any) -> None:
    user = factories.make_user()
    cert = factories.make_certificate(user)
    link = services.share_certificate(actor_id=user.id, certificate_code=cert.code)
    cert.revoked_at = utcnow()
    session().flush()
    assert get_shared(link.code) is None
    with pytest.raises(NotFound):
        services.share_certificate(actor_id=user.id, certificate_code=cert.code)


@pytest.mark.parametrize("forged", ["", "1", "x" * 22, "../../etc/passwd", "a" * 200, "%00"])
def test_forged_codes_find_nothing(db: Any, forged: str) -> None:
    assert get_shared(forged) is None


def test_codes_are_random_and_well_formed() -> None:
    codes = {new_share_code() for _ in range(200)}
    assert len(codes) == 200 and all(is_share_code(c) for c in codes)
