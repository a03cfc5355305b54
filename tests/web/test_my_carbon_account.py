"""The citizen's carbon account page (issue 12 item 2): every number against a fixture worked
out by hand, "load more" giving each entry once, the CSV statement, both languages."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from portal.accounts.models import User
from portal.blueprints.citizen import account as account_page
from portal.blueprints.citizen.statement import neutralise
from portal.db import transaction
from portal.ledger import services
from portal.ledger.models import AccountKind
from portal.ledger.services import Posting
from tests.factories.certificates import add_reduction
from tests.unit.test_zh_punctuation import latin_punctuation_next_to_chinese
from tests.web.test_methodology_words import CJK, EN, LATIN_RUN, ZH, prose

NOW = datetime(2026, 3, 15, 4, tzinfo=UTC)  # the page's "now": 15 March 2026, noon in Shanghai
# (posted at, kind, points to the citizen); the other side is the issuance or a merchant.
HISTORY = [
    (datetime(2025, 5, 1, 4, tzinfo=UTC), "reduction_credit", 300),
    (datetime(2025, 11, 1, 4, tzinfo=UTC), "redemption", -100),
    (datetime(2026, 2, 20, 4, tzinfo=UTC), "reduction_credit", 50),
    (datetime(2026, 3, 2, 4, tzinfo=UTC), "reduction_credit", 40),
    (datetime(2026, 3, 10, 4, tzinfo=UTC), "redemption", -30),
    (datetime(2026, 3, 12, 4, tzinfo=UTC), "reduction_reversal", -5),
]
# By hand: balance 300 − 100 + 50 + 40 − 30 − 5 = 255; earned in March 40, ever 390; at the
# end of 2026 the 2025 points left expire: 300 earned − 135 spent since = 165.
# Reductions: transport 100,000 + 60,000 g, food 81,000 g = 241,000 g; ÷ 160 g/km = 1,506.2 km;
# ÷ 60,500 g per seedling = 3.9 seedlings grown for 10 years.


def post(user: User, at: datetime, kind: str, points: int, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "utcnow", lambda: at)
    with transaction():
        mine = services.ensure_user_accounts([user.id])[user.id]
        other = (
            services.issuance_account_id()
            if kind != "redemption"
            else services.owned_account_id(AccountKind.MERCHANT, 1)
        )
        key = f"test:{user.id}:{at.isoformat()}:{kind}:{points}"
        services.append([Posting(key, kind, ((mine, points), (other, -points)))])


@pytest.fixture
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(account_page, "utcnow", lambda: NOW)
    monkeypatch.setattr(account_page, "local_today", lambda: date(2026, 3, 15))


@pytest.fixture
def citizen(login_as: Any, methodologies: Any, monkeypatch: pytest.MonkeyPatch) -> User:
    user: User = login_as("citizen")
    for at, kind, points in HISTORY:
        post(user, at, kind, points, monkeypatch)
    transport, food = methodologies["JLCH-TR-001"], methodologies["JLCH-FD-001"]
    add_reduction(user, 100_000, methodology_id=transport.id)
    add_reduction(user, 60_000, methodology_id=transport.id)
    add_reduction(user, 81_000, methodology_id=food.id)
    return user


def stat(page: str, label: str) -> str:
    found = re.search(
        r'<span class="stat-value">([^<]+)(?:<span[^>]*>[^<]*</span>)?</span>\s*'
        r'<span class="stat-label">' + re.escape(label),
        page,
    )
    assert found, label
    return found.group(1).strip()


def test_every_number_on_the_page(client: FlaskClient, citizen: User, fixed_now: None) -> None:
    page = client.get("/me/", headers=EN).text
    assert stat(page, "carbon points") == "255"
    assert stat(page, "points earned this month") == "40"
    assert stat(page, "points earned in all") == "390"
    assert stat(page, "CO₂e reduced") == "241,000"
    notice = re.search(r'class="notice notice-warn expiring-notice".*?</div>', page, re.S)
    assert notice and "165 points of yours expire after 2026-12-31" in notice.group(0)
    assert "earned up to the end of 2025" in notice.group(0)
    assert re.search(r"<strong>1,506\.2</strong> km not driven by a petrol car", page)
    assert re.search(r"<strong>3\.9</strong> urban tree seedlings grown for 10 years", page)
    assert "http://m.shijiechaoshi.com/info/detail-133888.html" in page  # ef_car_ice's source
    assert "https://www.epa.gov/energy/greenhouse-gases-equivalencies" in page
    # The chart and its table twin: transport 160,000 g, food 81,000 g.
    assert 'class="chart-svg"' in page
    table = page.split('class="chart-table"')[1].split("</table>")[0]
    assert sorted(re.findall(r"<td>([\d,]+)</td>", table)) == ["160,000", "81,000"]
    rows = page.split('id="transactions"')[1].split("</tbody>")[0]
    assert re.findall(r"amount-(?:in|out)\"[^>]*>([^<]+)<", rows) == [
        "−5",
        "−30",
        "+40",
        "+50",
        "−100",
        "+300",
    ]
    assert "Reduction reversed" in rows and "Redeemed in the points mall" in rows


def test_no_notice_when_nothing_expires_this_year(
    client: FlaskClient, login_as: Any, fixed_now: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = login_as("citizen")
    post(user, datetime(2026, 1, 5, tzinfo=UTC), "reduction_credit", 70, monkeypatch)
    page = client.get("/me/", headers=EN).text
    assert stat(page, "carbon points") == "70" and "expiring-notice" not in page


def test_a_newcomer_sees_zeros_and_no_transactions(client: FlaskClient, login_as: Any) -> None:
    login_as("citizen")
    page = client.get("/me/", headers=EN).text
    assert stat(page, "points earned in all") == "0"
    assert "No points transactions yet." in page and "Load more" not in page


def test_load_more_gives_every_entry_once(
    client: FlaskClient, login_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = login_as("citizen")
    for n in range(1, 24):
        post(user, datetime(2026, 1, n, tzinfo=UTC), "reduction_credit", n, monkeypatch)
    page = client.get("/me/", headers=EN).text
    seen: list[str] = re.findall(r'amount-in"[^>]*>\+(\d+)<', page)
    link = re.search(r'hx-get="/me/transactions\?before=(\d+)"', page)
    pages = 1
    while link:
        part = client.get(
            f"/me/transactions?before={link.group(1)}", headers={"HX-Request": "true", **EN}
        )
        assert part.status_code == 200 and "<html" not in part.text
        seen += re.findall(r'amount-in"[^>]*>\+(\d+)<', part.text)
        link = re.search(r'hx-get="/me/transactions\?before=(\d+)"', part.text)
        pages += 1
    assert seen == [str(n) for n in range(23, 0, -1)] and pages == 3
    # Without script the same link opens a page of its own.
    plain = client.get("/me/transactions?before=999999999", headers=EN)
    assert plain.status_code == 200 and "<html" in plain.text and "Back to my account" in plain.text


@pytest.mark.parametrize("before", ["abc", str(10**30), "-5", "0"])
def test_a_strange_bound_is_no_error(client: FlaskClient, citizen: User, before: str) -> None:
    response = client.get(f"/me/transactions?before={before}", headers=EN)
    assert response.status_code == 200
    rows = re.findall(r'amount-(?:in|out)"', response.text)
    assert len(rows) == (6 if before in ("abc", str(10**30)) else 0)


def statement(client: FlaskClient, first: str, last: str, headers: dict[str, str] = EN) -> Any:
    return client.get(f"/me/statement.csv?from={first}&to={last}", headers=headers)


def test_the_csv_statement(client: FlaskClient, citizen: User) -> None:
    response = statement(client, "2026-02-01", "2026-03-12")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows == [
        ["Date", "Description", "Points", "Balance"],
        ["2026-02-01", "Opening balance", "", "200"],
        ["2026-02-20 12:00", "Points for verified reductions", "50", "250"],
        ["2026-03-02 12:00", "Points for verified reductions", "40", "290"],
        ["2026-03-10 12:00", "Redeemed in the points mall", "-30", "260"],
        ["2026-03-12 12:00", "Reduction reversed", "-5", "255"],
        ["2026-03-12", "Closing balance", "", "255"],
    ]
    chinese = statement(client, "2025-01-01", "2025-12-31", ZH).data.decode("utf-8")
    assert list(csv.reader(io.StringIO(chinese[1:])))[:2] == [
        ["日期", "摘要", "积分", "余额"],
        ["2025-01-01", "期初余额", "", "0"],
    ]


def test_a_statement_shows_only_the_readers_own_entries(
    client: FlaskClient, citizen: User, login_as: Any
) -> None:
    login_as("citizen")  # another citizen, with no points
    rows = list(csv.reader(io.StringIO(statement(client, "2025-01-01", "2025-12-31").text[1:])))
    assert [row[1] for row in rows] == ["Description", "Opening balance", "Closing balance"]
    assert "−100" not in client.get("/me/transactions?before=999999999").text


@pytest.mark.parametrize(
    ("first", "last", "english", "chinese"),
    [
        (
            "2026-03-02",
            "2026-03-01",
            "The first day must not be after the last day.",
            "开始日期不能晚于结束日期。",
        ),
        (
            "2026-13-01",
            "2026-12-01",
            "Give the days as dates, for example 2026-01-31.",
            "请按日期格式填写",
        ),
        (
            "0001-01-01",
            "0001-01-02",
            "Give the days as dates, for example 2026-01-31.",
            "请按日期格式填写",
        ),
        (
            "2025-01-01",
            "2026-01-02",
            "A statement covers at most 366 days",
            "一份对账单最多覆盖 366 天",
        ),
        ("", "2026-01-02", "Choose both a first and a last day.", "请同时选择开始日期和结束日期。"),
    ],
)
def test_bad_ranges_are_refused_in_both_languages(
    client: FlaskClient, login_as: Any, first: str, last: str, english: str, chinese: str
) -> None:
    login_as("citizen")
    response = statement(client, first, last)
    assert response.status_code == 422 and english in response.text
    assert f'value="{first}"' in response.text
    assert chinese in statement(client, first, last, ZH).text


def test_a_full_leap_year_is_one_statement(client: FlaskClient, login_as: Any) -> None:
    login_as("citizen")
    assert statement(client, "2028-01-01", "2028-12-31").status_code == 200


def test_cells_that_would_run_as_formulas_are_neutralised() -> None:
    assert neutralise("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert [neutralise(s) for s in ("+1", "-1", "@a", "\tx")] == ["'+1", "'-1", "'@a", "'\tx"]
    assert neutralise("Opening balance") == "Opening balance"


def test_an_unknown_kind_reads_in_words(
    client: FlaskClient, login_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = login_as("citizen")
    post(user, datetime(2026, 1, 5, tzinfo=UTC), "=evil_kind", 7, monkeypatch)
    assert "Other points movement (=evil_kind)" in client.get("/me/", headers=EN).text
    assert "其他积分变动（=evil_kind）" in client.get("/me/", headers=ZH).text
    body = statement(client, "2026-01-01", "2026-01-31").data.decode("utf-8")
    assert "Other points movement (=evil_kind),7,7" in body


def test_the_page_speaks_one_language(client: FlaskClient, citizen: User) -> None:
    text = prose(client.get("/me/", headers=ZH).text)
    assert not LATIN_RUN.findall(text)
    assert not latin_punctuation_next_to_chinese(text)
    assert "本月获得积分" in text and "减排量冲正" in text and "公里燃油车行驶里程" in text
    english = prose(client.get("/me/", headers=EN).text).replace(citizen.display_name, " ")
    assert not CJK.findall(english)
