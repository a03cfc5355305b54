"""The public registry in both languages: the batches list, a batch's blocks and evidence,
serial search (found, not found, malformed) and the open-data dumps, with no person in them."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.activities.models import Reduction
from portal.clock import utcnow
from portal.db import session
from portal.market import holdings
from portal.market.holdings import Destination, Source
from portal.market.models import Batch, BlockState, Contribution
from tests import factories
from tests.factories.registry import make_clean_batch
from tests.web.test_merchant_pages import EN, ZH, english_sentences

pytestmark = pytest.mark.usefixtures("methodologies")


@pytest.fixture
def batch(db: Any) -> Batch:
    """A batch of 19 + 1 tonnes: 4 held by 吉林测试买方, 1 of them retired, the rest
    available; its contributions are two cycling reductions."""
    buyer = factories.make_org(name_zh="吉林测试买方", name_en="Jilin Test Buyer")
    made = make_clean_batch()
    rider = factories.make_user(display_name="不公开的骑手")
    for contribution in session().scalars(
        select(Contribution).where(Contribution.batch_id == made.id)
    ):
        factories.credit(rider, factories.CYCLING, utcnow() - timedelta(days=3))
        contribution.reduction_id = session().scalar(
            select(Reduction.id).order_by(Reduction.id.desc()).limit(1)
        )
    source = Source(BlockState.AVAILABLE, batch_id=made.id)
    holdings.move(source, 4, Destination(BlockState.HELD, holder_org_id=buyer.id))
    holdings.move(
        Source(BlockState.HELD, holder_org_id=buyer.id),
        1,
        Destination(BlockState.RETIRED, holder_org_id=buyer.id),
    )
    session().commit()
    return made


def test_the_batches_list_in_both_languages(client: FlaskClient, batch: Batch) -> None:
    zh = client.get("/registry", headers=ZH)
    assert zh.status_code == 200 and not english_sentences(zh.text)
    assert f"{batch.label}-1-20" in zh.text and "19 吨" in zh.text and "宾馆酒店" in zh.text
    en = client.get("/registry", headers=EN)
    assert "Carbon registry" in en.text and "15 t" in en.text and 'lang="en">Hotel' in en.text
    assert f'href="/registry/batches/{batch.id}"' in en.text


def test_an_empty_registry_says_so(client: FlaskClient, db: Any) -> None:
    assert "尚未签发" in client.get("/registry", headers=ZH).text
    assert "No batch has been issued yet." in client.get("/registry", headers=EN).text


def test_the_list_is_paged(client: FlaskClient, db: Any) -> None:
    for _ in range(21):
        make_clean_batch(issued_tonnes=1, buffer_tonnes=1)
    first = client.get("/registry", headers=EN).text
    assert "Page 1 of 2" in first
    assert client.get("/registry?page=2", headers=EN).text.count("/registry/batches/") == 1
    assert client.get("/registry?page=-4", headers=EN).status_code == 200


def test_a_batch_page_shows_blocks_holders_and_evidence(client: FlaskClient, batch: Batch) -> None:
    zh = client.get(f"/registry/batches/{batch.id}", headers=ZH)
    assert zh.status_code == 200 and not english_sentences(zh.text)
    assert f"{batch.label}-1-1" in zh.text and "吉林测试买方" in zh.text and "已注销" in zh.text
    assert "不公开的骑手" not in zh.text and batch.sample_seed in zh.text
    en = client.get(f"/registry/batches/{batch.id}", headers=EN).text
    assert "Jilin Test Buyer" in en and f"{batch.label}-5-19" in en and "Available" in en
    assert "Scenarios</dt><dd>1</dd>" in en and "Citizens</dt><dd>2</dd>" in en
    assert client.get("/registry/batches/999999", headers=EN).status_code == 404


def test_a_batch_not_issued_is_not_public(client: FlaskClient, db: Any) -> None:
    proposed = make_clean_batch(status="proposed")
    assert client.get(f"/registry/batches/{proposed.id}").status_code == 404


def test_search_finds_the_block_of_any_serial(client: FlaskClient, batch: Batch) -> None:
    page = client.get(f"/registry/search?serial={batch.label.lower()}-3", headers=EN)
    assert page.status_code == 200
    assert f"Found in batch {batch.label}" in page.text and f"{batch.label}-2-4" in page.text
    assert "Jilin Test Buyer" in page.text
    zh = client.get(f"/registry/search?serial={batch.label}-6-8", headers=ZH)
    assert f"{batch.label}-5-19" in zh.text and not english_sentences(zh.text)


def test_search_not_found_and_malformed(client: FlaskClient, batch: Batch) -> None:
    beyond = client.get(f"/registry/search?serial={batch.label}-21", headers=EN)
    assert beyond.status_code == 404 and "No issued batch holds serial number" in beyond.text
    other = client.get("/registry/search?serial=CN-JL-PH-JLCH-TV-001-202001-001-1", headers=ZH)
    assert other.status_code == 404 and "没有" in other.text
    bad = client.get("/registry/search?serial=hello", headers=EN)
    assert bad.status_code == 422 and "“hello” is not a serial number" in bad.text
    bad_zh = client.get("/registry/search?serial=CN-JL-PH-X-202613-001-1", headers=ZH)
    assert bad_zh.status_code == 422 and "不是序列号" in bad_zh.text
    assert not english_sentences(bad_zh.text)
    assert client.get("/registry/search", headers=ZH).status_code == 200


def test_the_csv_dumps(client: FlaskClient, batch: Batch) -> None:
    response = client.get("/registry/batches.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert [(r["batch"], r["retired_tonnes"], r["held_tonnes"]) for r in rows] == [
        (batch.label, "1", "3")
    ]
    blocks = list(csv.DictReader(io.StringIO(client.get("/registry/blocks.csv").text[1:])))
    assert [(b["serials"], b["state"], b["holder_en"]) for b in blocks] == [
        (f"{batch.label}-1-1", "retired", "Jilin Test Buyer"),
        (f"{batch.label}-2-4", "held", "Jilin Test Buyer"),
        (f"{batch.label}-5-19", "available", ""),
        (f"{batch.label}-20-20", "buffer", ""),
    ]
    assert "不公开的骑手" not in response.text + client.get("/registry/blocks.csv").text


def test_the_json_dumps_and_their_documentation(client: FlaskClient, batch: Batch) -> None:
    batches = json.loads(client.get("/registry/batches.json").text)
    assert batches[0]["serials"] == f"{batch.label}-1-20" and batches[0]["citizens"] == 2
    blocks = json.loads(client.get("/registry/blocks.json").text)
    assert blocks[0]["holder_zh"] == "吉林测试买方" and blocks[2]["holder_zh"] is None
    zh = client.get("/registry/data", headers=ZH)
    assert zh.status_code == 200 and "sample_seed" in zh.text and not english_sentences(zh.text)
    assert "Tonnes retired (final)" in client.get("/registry/data", headers=EN).text


def test_an_empty_json_dump_is_an_empty_array(client: FlaskClient, db: Any) -> None:
    assert json.loads(client.get("/registry/blocks.json").text) == []


def test_the_registry_is_in_the_navigation(client: FlaskClient, db: Any) -> None:
    assert 'href="/registry/about"' in client.get("/", headers=EN).text
