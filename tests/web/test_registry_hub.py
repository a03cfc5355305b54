"""The registry's hub and the header navigation: one public "Registry" entry leading to a hub
with figures computed from the data and a way to every register; one "My tonnes" entry for an
organisation's buyers; each role sees its own entries and no more, in both languages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from portal.accounts.models import Role, User
from portal.db import session
from portal.market import holdings
from portal.market.holdings import Destination, Source
from portal.market.models import BlockState
from tests import factories
from tests.factories.registry import make_clean_batch
from tests.web.test_merchant_pages import EN, ZH, english_sentences

pytestmark = pytest.mark.usefixtures("methodologies")

PUBLIC = ["Methodologies", "Points mall", "Public welfare", "Quizzes", "Campaigns",
          "Leaderboards", "Registry"]  # fmt: skip
OWN = {
    Role.CITIZEN: ["My account"],
    Role.BUYER: ["My tonnes"],
    Role.COURT: ["Court cases"],
    Role.OFFICIAL: ["Review"],
    Role.ADMIN: ["Administration"],
}


def _nav(text: str) -> list[str]:
    body = text.split('class="nav-list"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r">([^<>]+)</a>", body)


def test_an_anonymous_visitor_sees_the_public_entries_only(client: FlaskClient, db: Any) -> None:
    assert _nav(client.get("/", headers=EN).text) == PUBLIC
    assert 'href="/registry/about"' in client.get("/", headers=EN).text


@pytest.mark.parametrize("role", list(OWN))
def test_each_role_sees_its_own_entries(
    client: FlaskClient, login_as: Callable[..., User], role: Role
) -> None:
    login_as(role)
    items = _nav(client.get("/", headers=EN).text)
    assert items[: len(PUBLIC)] == PUBLIC
    own = items[len(PUBLIC) :]
    assert set(OWN[role]) <= set(own) and len(own) <= 3, own
    assert "Carbon market" not in items and "Retire tonnes" not in items
    assert not english_sentences(client.get("/", headers=ZH).text)


def test_my_tonnes_leads_to_orders_holdings_retirements_and_events(
    client: FlaskClient, login_as: Callable[..., User]
) -> None:
    login_as(Role.BUYER)
    for page in ("/buyer", "/buyer/holdings", "/events/mine"):
        text = client.get(page, headers=EN).text
        for href in ("/buyer", "/buyer/holdings", "/buyer/retire/", "/events/mine", "/market"):
            assert f'href="{href}"' in text, (page, href)


def test_the_hub_is_empty_but_useful_before_any_issue(client: FlaskClient, db: Any) -> None:
    zh = client.get("/registry/about", headers=ZH)
    assert zh.status_code == 200 and not english_sentences(zh.text)
    for href in ("/registry", "/market", "/registry/retirements", "/compensation", "/events",
                 "/registry/data"):  # fmt: skip
        assert f'href="{href}"' in zh.text
    assert 'action="/registry/search"' in zh.text
    assert "Carbon registry" not in client.get("/", headers=EN).text  # no teaser: nothing issued


def test_the_hub_and_the_home_teaser_count_the_data(client: FlaskClient, db: Any) -> None:
    buyer = factories.make_org()
    batch = make_clean_batch()  # 19 issued + 1 buffer
    holdings.move(
        Source(BlockState.AVAILABLE, batch_id=batch.id),
        4,
        Destination(BlockState.HELD, holder_org_id=buyer.id),
    )
    holdings.move(
        Source(BlockState.HELD, holder_org_id=buyer.id),
        3,
        Destination(BlockState.RETIRED, holder_org_id=buyer.id),
    )
    session().commit()
    en = client.get("/registry/about", headers=EN).text
    figures = re.findall(r'class="stat-value">([\d,]+)', en)
    assert figures == ["19", "15", "3", "1", "0", "0", "0"]
    home = client.get("/", headers=EN).text
    assert "19 t of CO₂e issued" in home and "3 t retired" in home
    assert not english_sentences(client.get("/", headers=ZH).text)
