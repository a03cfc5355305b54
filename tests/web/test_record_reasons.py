"""Review reasons are stored as codes and read in the reader's language: the citizen's records
page and the official's review page, in Chinese (the default) and in English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from portal.activities.models import BehaviorRecord, Channel, RecordStatus
from portal.activities.quantify import quantify_pending
from portal.clock import utcnow
from tests import factories

EN = {"Accept-Language": "en"}
CYCLING = "JLCH-TR-003"


def rejected(user: Any, methodology: Any, code: str, params: dict[str, Any]) -> BehaviorRecord:
    """A ride of ``user`` rejected for the reason ``code``."""
    record = BehaviorRecord(
        user_id=user.id,
        methodology_id=methodology.id,
        channel=Channel.SELF_REPORT.value,
        quantity_milli=5000,
        unit="km",
        parameters={},
        occurred_at=utcnow() - timedelta(days=1),
        status=RecordStatus.REJECTED.value,
        flags=[],
        review_code=code,
        review_params=params,
    )
    factories.session().add(record)
    factories.session().commit()
    return record


def test_the_quantify_jobs_rejection_reads_in_both_languages(
    client: FlaskClient, methodologies: Any
) -> None:
    citizen = factories.make_user()
    record = BehaviorRecord(
        user_id=citizen.id,
        methodology_id=methodologies[CYCLING].id,
        channel=Channel.SELF_REPORT.value,
        quantity_milli=10_000,
        unit="km",
        parameters={},
        occurred_at=datetime(2025, 6, 1, tzinfo=UTC),  # before any filed version
        status=RecordStatus.PENDING.value,
        flags=[],
    )
    factories.session().add(record)
    factories.session().commit()
    quantify_pending(points_per_kg=1000)
    factories.session().refresh(record)
    assert (record.review_code, record.review_params) == ("no_version_in_force", {})
    factories.log_in(client, citizen)
    assert "理由：该时间没有有效的已备案方法学版本。" in client.get("/me/records").text
    english = client.get("/me/records", headers=EN).text
    assert "Reason: No filed methodology version was in force at that time." in english


@pytest.mark.parametrize(
    ("code", "params", "chinese", "english"),
    [
        (
            "formula_error",
            {"reason": "syntax", "position": 7, "detail": "invalid syntax at character 7"},
            "理由：无法量化：公式在第7个字符附近无法解析：请检查括号和运算符。",
            "Reason: Could not be quantified: The formula cannot be read near character 7: "
            "check its brackets and operators.",
        ),
        (
            "too_many_grams",
            {"grams": 2000000000000, "max_grams": 1000000000000},
            "理由：无法量化：2000000000000 克超过单条记录可减排的上限（1000000000000 克）。",
            "Reason: Could not be quantified: 2000000000000 g is more than one record may "
            "reduce (1000000000000 g).",
        ),
        (
            "not_quantifiable",
            {"detail": "parameter 'is_ebike' must be 0 or 1"},
            "理由：无法量化：parameter &#39;is_ebike&#39; must be 0 or 1",
            "Reason: Could not be quantified: parameter &#39;is_ebike&#39; must be 0 or 1",
        ),
        (
            "other",
            {"text": "An old reason kept as written"},
            "理由：An old reason kept as written",
            "Reason: An old reason kept as written",
        ),
    ],
)
def test_each_code_reads_in_both_languages_on_the_records_page(
    client: FlaskClient,
    methodologies: Any,
    code: str,
    params: dict[str, Any],
    chinese: str,
    english: str,
) -> None:
    citizen = factories.make_user()
    rejected(citizen, methodologies[CYCLING], code, params)
    factories.log_in(client, citizen)
    assert chinese in client.get("/me/records").text
    assert english in client.get("/me/records", headers=EN).text


def in_review(client: FlaskClient, methodologies: Any, code: str, params: dict[str, Any]) -> int:
    """A flagged ride whose stored reason is ``code``, and an official logged in to review it."""
    record = rejected(factories.make_user(), methodologies[CYCLING], code, params)
    record.status = RecordStatus.FLAGGED.value  # appealed, or flagged again: back in the queue
    factories.session().commit()
    factories.log_in(client, factories.make_user_with_role(factories.Role.OFFICIAL))
    return record.id


def test_the_officials_words_are_shown_as_written_on_the_review_page(
    client: FlaskClient, methodologies: Any
) -> None:
    note = {"note": "60 km in an hour by bike"}
    record_id = in_review(client, methodologies, "official_decision", note)
    chinese = client.get(f"/official/reviews/{record_id}").text
    assert "此前的审核决定" in chinese and "60 km in an hour by bike" in chinese
    english = client.get(f"/official/reviews/{record_id}", headers=EN).text
    assert "Earlier decision" in english and "60 km in an hour by bike" in english


def test_a_coded_reason_reads_in_both_languages_on_the_review_page(
    client: FlaskClient, methodologies: Any
) -> None:
    record_id = in_review(client, methodologies, "no_version_in_force", {})
    assert "该时间没有有效的已备案方法学版本。" in client.get(f"/official/reviews/{record_id}").text
    english = client.get(f"/official/reviews/{record_id}", headers=EN).text
    assert "No filed methodology version was in force at that time." in english


def test_an_officials_rejection_is_stored_as_a_code_with_their_words(
    client: FlaskClient, methodologies: Any
) -> None:
    record_id = in_review(client, methodologies, "", {})
    client.post(
        f"/official/reviews/{record_id}", data={"decision": "reject", "reason": " Too fast "}
    )
    record = factories.session().get(BehaviorRecord, record_id)
    assert record is not None
    factories.session().refresh(record)
    assert record.status == RecordStatus.REJECTED
    assert (record.review_code, record.review_params) == ("official_decision", {"note": "Too fast"})
