"""The officials' registry pages: the batches by status, a batch's arithmetic and sample, each
step's form only for the official whose step it is, and why the others cannot take it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts.models import Role
from portal.db import session
from portal.market.models import Batch, SampleItem
from portal.market.pooling import pool_reductions
from tests import factories
from tests.factories.pooling import add_saleable

EN = {"Accept-Language": "en"}


def _proposed(methodologies: dict[str, Any]) -> Batch:
    add_saleable(
        factories.make_user(),
        methodologies["JLCH-TR-006"],
        datetime(2026, 10, 15, 2, tzinfo=UTC),
        [700_000, 800_000],
    )
    pool_reductions(now=datetime(2026, 11, 9, tzinfo=UTC), delay_days=7, buffer_bp=500)
    return session().scalars(select(Batch)).one()


def _items(batch: Batch) -> list[SampleItem]:
    return list(session().scalars(select(SampleItem).where(SampleItem.batch_id == batch.id)))


def test_the_list_and_the_batch_page_in_both_languages(
    client: FlaskClient, login_as: Any, methodologies: dict[str, Any]
) -> None:
    batch = _proposed(methodologies)
    login_as(Role.OFFICIAL)
    page = client.get("/official/registry").get_data(as_text=True)
    assert batch.label in page and "登记批次" in page
    english = client.get("/official/registry", headers=EN).get_data(as_text=True)
    assert "Registry batches" in english and batch.label in english
    assert client.get("/official/registry?status=nonsense&page=x").status_code == 200

    page = client.get(f"/official/registry/{batch.id}").get_data(as_text=True)
    assert "1,500,000 克" in page and "平方根规则" in page and batch.sample_seed in page
    assert "轮到您：抽样审核" in page
    english = client.get(f"/official/registry/{batch.id}", headers=EN).get_data(as_text=True)
    assert "Your step: Sample review." in english and "Square-root rule" in english
    assert "1,500,000 g" in english
    assert client.get("/official/registry/999999").status_code == 404
    item = _items(batch)[0]
    assert client.get(f"/official/registry/{batch.id}/items/{item.id}/evidence").status_code == 404


def test_the_three_officials_take_their_steps_and_are_told_why_not_others(
    client: FlaskClient, methodologies: dict[str, Any]
) -> None:
    batch = _proposed(methodologies)
    first, second, third = (factories.make_user_with_role(Role.OFFICIAL) for _ in range(3))
    base = f"/official/registry/{batch.id}"
    factories.log_in(client, first)
    for item in _items(batch):
        assert client.post(f"{base}/items/{item.id}", data={"verdict": "fail"}).status_code == 422
        response = client.post(f"{base}/items/{item.id}", data={"verdict": "pass"})
        assert response.status_code == 303
    assert client.post(f"{base}/complete").status_code == 303
    page = client.get(base, headers=EN).get_data(as_text=True)
    assert "You reviewed this batch's sample: a second official must verify it." in page
    assert client.post(f"{base}/verify").status_code == 422

    factories.log_in(client, second)
    assert client.post(f"{base}/reject", data={"reason": ""}).status_code == 422
    assert client.post(f"{base}/verify").status_code == 303
    factories.log_in(client, third)
    assert "轮到您：登记" in client.get(base).get_data(as_text=True)
    assert client.post(f"{base}/issue").status_code == 303
    session().refresh(batch)
    assert batch.status == "issued"
    assert client.post(f"{base}/issue").status_code == 422


def test_the_overview_counts_the_batches_waiting(
    client: FlaskClient, login_as: Any, methodologies: dict[str, Any]
) -> None:
    _proposed(methodologies)
    login_as(Role.OFFICIAL)
    assert "有 1 个批次等待办理。" in client.get("/official/").get_data(as_text=True)


def test_citizens_cannot_enter(client: FlaskClient, login_as: Any) -> None:
    login_as(Role.CITIZEN)
    assert client.get("/official/registry").status_code in (302, 403)
