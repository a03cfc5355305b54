"""The notification inbox on the web: one stored notification read in Chinese and in English,
the header bell's count, marking read (own notifications only, CSRF-protected), an official's
decision reaching the citizen's inbox, and no English on the Chinese page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.activities.intake.checks import FLAG_HOUR
from portal.activities.models import Channel, RecordStatus
from portal.blueprints.shared.notification_texts import TEXTS, show_notification
from portal.notifications import kinds
from portal.notifications.queries import count_unread
from tests import factories
from tests.unit.test_zh_punctuation import latin_punctuation_next_to_chinese
from tests.web.test_zh_punctuation_pages import visible_text

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}

# One notification of every kind, with the parameters its poster stores.
EXAMPLES: dict[str, dict[str, Any]] = {
    kinds.VOUCHER_ISSUED: {
        "offer_title_zh": "咖啡一杯",
        "offer_title_en": "A cup of coffee",
        "points": 1200,
        "voucher_code": "4821-9930",
    },
    kinds.VOUCHER_CHECKED: {
        "offer_title_zh": "咖啡一杯",
        "offer_title_en": "A cup of coffee",
        "merchant_zh": "长春咖啡馆",
        "merchant_en": "Changchun Café",
    },
    kinds.POINTS_EXPIRING: {"points": 1, "expires_on": "2026-12-31"},
    kinds.MERCHANT_APPLICATION_DECIDED: {
        "merchant_zh": "长春咖啡馆",
        "merchant_en": "Changchun Café",
        "is_approved": False,
        "note": "统一社会信用代码与营业执照不符",
    },
    kinds.RECORD_APPROVED: {
        "record_id": 1,
        "methodology_title_zh": "骑行",
        "methodology_title_en": "Cycling",
        "occurred_on": "2026-11-19",
    },
    kinds.RECORD_REJECTED: factories.notifications.REJECTED_PARAMS,
    kinds.BADGE_AWARDED: {"badge": "streak", "tier": "silver"},
    kinds.GUARDIAN_CONSENTED: {},
    kinds.GUARDIAN_CONSENT_ENDED: {"reason": "guardian_account_deleted"},
    kinds.MONTHLY_REPORT: {
        "month": "2026-11",
        "total_grams": 2000,
        "previous_grams": 1600,
        "change_grams": 400,
        "change_percent": 25,
        "categories": [["food", 500], ["transport", 1500]],
        "badges": [["streak", "silver"]],
    },
    kinds.CHALLENGE_PROPOSED: {
        "challenge_id": 1,
        "team": "初二（3）班",
        "rival": "初二（5）班",
        "starts_on": "2026-12-07",
        "ends_on": "2026-12-13",
        "metric": "per_capita",
    },
    kinds.CHALLENGE_ANSWERED: {
        "challenge_id": 1,
        "team": "初二（3）班",
        "rival": "初二（5）班",
        "starts_on": "2026-12-07",
        "is_accepted": True,
    },
    kinds.CHALLENGE_FINISHED: {
        "challenge_id": 1,
        "team": "初二（3）班",
        "rank": 1,
        "teams": 2,
        "is_winner": True,
    },
    kinds.CASE_OVERDUE: {
        "case_id": 1,
        "case_number": "（2024）吉0102民初1234号",
        "required_tonnes": 69,
        "deadline_on": "2026-12-01",
    },
    kinds.CASE_FULFILLED: {
        "case_id": 1,
        "case_number": "（2024）吉0102民初1234号",
        "required_tonnes": 69,
        "deadline_on": "2026-12-01",
    },
    kinds.ORDER_PAID: {"order_id": 12, "tonnes": 3, "amount_fen": 17550},
    kinds.ORDER_EXPIRED: {"order_id": 12, "tonnes": 3},
}


def test_every_kind_has_texts_and_an_example() -> None:
    assert set(TEXTS) == kinds.KINDS == set(EXAMPLES)


@pytest.mark.parametrize("kind", sorted(kinds.KINDS))
def test_one_stored_notification_reads_in_either_language(app: Flask, db: Any, kind: str) -> None:
    notification = factories.make_notification(factories.make_user(), kind, EXAMPLES[kind])
    with app.test_request_context(headers=ZH):
        zh = show_notification(notification)
    with app.test_request_context(headers=EN):
        en = show_notification(notification)
    for text in (zh.title, zh.body):
        assert re.search(r"[\u4e00-\u9fff]", text) and not re.search(r"\b[a-z]{3,}\b", text), text
        assert not latin_punctuation_next_to_chinese(text), text
    assert en.title and en.body and not re.search(r"[\u4e00-\u9fff]", en.title)
    assert zh.title != en.title


def test_the_reader_language_decides_not_the_posters(app: Flask, db: Any) -> None:
    notification = factories.make_notification(
        factories.make_user(), kinds.VOUCHER_ISSUED, EXAMPLES[kinds.VOUCHER_ISSUED]
    )
    with app.test_request_context(headers=EN):
        en = show_notification(notification)
    with app.test_request_context(headers=ZH):
        zh = show_notification(notification)
    assert en.body == "You redeemed 1,200 points for “A cup of coffee”. Voucher code: 4821-9930."
    assert zh.body == "您用 1,200 积分兑换了“咖啡一杯”。兑换码：4821-9930。"
    assert show_notification(notification).href is None  # no link given, no page of its own


def test_the_bell_counts_unread(client: FlaskClient, login_as: Any) -> None:
    user = login_as("citizen")
    page = client.get("/me/records", headers=ZH).text
    assert 'aria-label="通知"' in page and "bell-count" not in page
    for _ in range(3):
        factories.make_notification(user)
    factories.make_notification(user, is_read=True)
    page = client.get("/me/records", headers=ZH).text
    assert 'aria-label="3 条未读通知"' in page
    assert '<span class="bell-count" aria-hidden="true">3<' in page
    page = client.get("/", headers=EN).text
    assert 'aria-label="3 unread notifications"' in page


def test_the_bell_says_more_than_it_counts(client: FlaskClient, login_as: Any) -> None:
    user = login_as("citizen")
    for _ in range(101):
        factories.make_notification(user)
    page = client.get("/", headers=EN).text
    assert 'aria-label="More than 99 unread notifications"' in page and ">99+<" in page


def test_nobody_logged_in_has_no_bell(client: FlaskClient, db: Any) -> None:
    assert 'class="bell"' not in client.get("/").text


def test_the_inbox_in_chinese_has_no_english(client: FlaskClient, login_as: Any) -> None:
    user = login_as("citizen")
    for kind, params in EXAMPLES.items():
        factories.make_notification(user, kind, params, is_read=kind == kinds.VOUCHER_CHECKED)
    response = client.get("/me/notifications", headers=ZH)
    assert response.status_code == 200
    text = visible_text(response.text)
    assert "全部标为已读" in text and "照片模糊" in text and "2026年12月31日" in text
    words = set(re.findall(r"[A-Za-z]{3,}", text)) - {"English"}
    assert not words, words
    assert not latin_punctuation_next_to_chinese(text)
    assert response.text.count('class="inbox-item is-unread"') == len(EXAMPLES) - 1
    assert 'href="/me/records"' in response.text


def test_the_inbox_in_english(client: FlaskClient, login_as: Any) -> None:
    user = login_as("citizen")
    factories.make_notification(user, kinds.RECORD_APPROVED, EXAMPLES[kinds.RECORD_APPROVED])
    text = visible_text(client.get("/me/notifications", headers=EN).text)
    assert "Record approved on review" in text and "Mark all as read" in text
    assert "Your record of Cycling on Nov 19, 2026 was approved" in text


def test_an_empty_inbox_says_so(client: FlaskClient, login_as: Any) -> None:
    login_as("citizen")
    page = client.get("/me/notifications", headers=EN).text
    assert "No notifications yet." in page and "Mark all as read" not in page
    page = client.get("/me/notifications?older_than=abc", headers=EN)
    assert page.status_code == 200 and "No notifications yet." in page.text


def test_older_notifications_page_on(client: FlaskClient, login_as: Any) -> None:
    user = login_as("citizen")
    made = [factories.make_notification(user).id for _ in range(21)]
    page = client.get("/me/notifications", headers=EN).text
    assert f'href="/me/notifications?older_than={made[1]}"' in page
    older = client.get(f"/me/notifications?older_than={made[1]}", headers=EN).text
    assert older.count('class="inbox-item') == 1 and "Older notifications" not in older
    none_older = client.get(f"/me/notifications?older_than={made[0]}", headers=EN).text
    assert "No older notifications." in none_older


def test_mark_one_read_only_ones_own(client: FlaskClient, login_as: Any) -> None:
    user = login_as("citizen")
    mine = factories.make_notification(user)
    theirs = factories.make_notification(factories.make_user())
    assert client.post(f"/me/notifications/{theirs.id}/read").status_code == 404
    assert client.post(f"/me/notifications/{theirs.id + 99}/read").status_code == 404
    response = client.post(f"/me/notifications/{mine.id}/read")
    assert response.status_code == 302 and response.headers["Location"] == "/me/notifications"
    assert count_unread(user.id) == 0 and theirs.read_at is None


def test_mark_all_read(client: FlaskClient, login_as: Any) -> None:
    user = login_as("citizen")
    other = factories.make_notification(factories.make_user())
    factories.make_notification(user)
    factories.make_notification(user)
    response = client.post("/me/notifications/read-all", headers=EN, follow_redirects=True)
    assert "2 notifications marked as read." in response.text
    assert count_unread(user.id) == 0 and other.read_at is None


def test_marking_read_needs_the_csrf_token(
    client: FlaskClient, login_as: Any, csrf_on: None
) -> None:
    user = login_as("citizen")
    notification = factories.make_notification(user)
    assert client.post(f"/me/notifications/{notification.id}/read").status_code == 400
    assert client.post("/me/notifications/read-all").status_code == 400
    assert count_unread(user.id) == 1
    page = client.get("/me/notifications").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, "the inbox's forms carry the token"
    response = client.post("/me/notifications/read-all", data={"csrf_token": token[1]})
    assert response.status_code == 302 and count_unread(user.id) == 0


def test_an_officials_rejection_reaches_the_citizens_inbox(
    app: Flask, client: FlaskClient, methodologies: Any
) -> None:
    citizen = factories.make_user()
    record = factories.make_record(
        citizen,
        methodologies[factories.CYCLING],
        factories.NOW,
        3000,
        channel=Channel.SELF_REPORT,
        status=RecordStatus.FLAGGED,
        flags=[FLAG_HOUR],
    )
    office = app.test_client()
    factories.log_in(office, factories.make_user_with_role(factories.Role.OFFICIAL))
    response = office.post(
        f"/official/reviews/{record.id}", data={"decision": "reject", "reason": "照片模糊"}
    )
    assert response.status_code == 302
    factories.log_in(client, citizen)
    page = client.get("/me/notifications", headers=ZH).text
    assert page.count('class="inbox-item is-unread"') == 1
    assert "记录未计入" in page and "照片模糊" in page
    assert 'aria-label="1 条未读通知"' in page
