"""The demo market (``portal.demo.market``): it lists whatever issued batches exist and gives
the demo enterprise a paid order, once, however often it runs; with no batch it does nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.demo.accounts import seed_accounts
from portal.demo.market import ORDER_TONNES, seed_market
from portal.market.models import Listing, Order
from portal.market.trade_queries import list_holdings
from tests.factories.market import make_issued_batch


def test_demo_market_lists_issued_batches_and_pays_one_order(
    db: Any, methodologies: dict[str, Any]
) -> None:
    seed_accounts()
    seed_market()  # no issued batch yet: nothing to list
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 0
    first = make_issued_batch(issued_tonnes=10, buffer_tonnes=1)
    make_issued_batch(issued_tonnes=5, buffer_tonnes=0)
    seed_market()
    seed_market()
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 2
    order = db.session.scalars(select(Order)).one()
    assert (order.status, order.tonnes, order.batch_id) == ("paid", ORDER_TONNES, first.id)
    (holding,) = list_holdings(order.buyer_org_id)
    assert holding.tonnes == ORDER_TONNES and holding.ranges[0].endswith("-1-2")
