from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from tests import factories

CATALOG = (
    Path(__file__).resolve().parents[2] / "portal/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
)


def test_chinese_is_the_default(client: FlaskClient, db: Any) -> None:
    page = client.get("/")
    assert '<html lang="zh-CN">' in page.text
    assert "碳惠吉林" in page.text and "公交" in page.text and "English" in page.text


def test_english_browser_gets_english(client: FlaskClient, db: Any) -> None:
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in page.text
    assert "Tanhui Jilin" in page.text and "Public bus" in page.text


def test_language_choice_is_remembered(client: FlaskClient, db: Any) -> None:
    response = client.post("/language", data={"locale": "en", "next": "/privacy"})
    assert response.headers["Location"] == "/privacy"
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "zh-CN"}).text


def test_logged_in_choice_is_stored_on_the_account(client: FlaskClient, db: Any) -> None:
    user = factories.make_user()
    factories.log_in(client, user)
    client.post("/language", data={"locale": "en", "next": "https://evil.example/"})
    db.session.refresh(user)
    assert user.locale == "en"


def test_unknown_language_is_ignored(client: FlaskClient, db: Any) -> None:
    client.post("/language", data={"locale": "fr", "next": "/"})
    assert '<html lang="zh-CN">' in client.get("/").text


def test_catalog_is_complete() -> None:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)

    def untranslated(string: str | tuple[str, ...]) -> bool:
        # Plural entries hold a tuple of forms; every form must be filled in.
        return not string or (isinstance(string, tuple) and not all(string))

    missing = [m.id for m in catalog if m.id and (untranslated(m.string) or m.fuzzy)]
    assert missing == []
