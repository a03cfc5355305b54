"""The methodology page and the reduction explanation speak the reader's language: no English
sentence on a Chinese page and no Chinese on an English one, outside the formula and codes (kept
for those who check) and the titles of cited sources (quoted as published). Factor and
parameter names read in words, and the labels 可信度, 已发布, 可交易 and 仅积分 are explained."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts.models import User
from portal.activities.models import Reduction
from portal.activities.quantify import quantify_pending
from tests.factories.activities import make_record
from tests.unit.test_zh_punctuation import latin_punctuation_next_to_chinese

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
# Not prose in the page's language: scripts, styles, code and formulas, charts, cited titles
# and issuers, and anything marked as another language.
QUOTED = re.compile(
    r"<(script|style|code|svg|cite)\b.*?</\1>"
    r'|<span class="[^"]*source-issuer[^"]*">.*?</span>'
    r'|<a class="source-url".*?</a>'
    r'|<(?!html\b)(\w+)\b[^>]* lang="[^"]*"[^>]*>.*?</\2>'
    r"|<title>.*?</title>",
    re.S,
)
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,]+[A-Za-z][A-Za-z'’-]*){2,}")
CJK = re.compile(r"[\u3400-\u9fff]+")
# The legal term English pages gloss on purpose: "filed (备案)".
GLOSSES = frozenset({"备案"})


def prose(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", QUOTED.sub(" ", page)))


def clean_plate_reduction(login_as: Any, methodologies: Any, db: Any) -> Reduction:
    user = login_as("citizen")
    make_record(
        user, methodologies["JLCH-FD-001"], datetime(2026, 3, 2, 4, tzinfo=UTC), 1000, unit="meal"
    )
    quantify_pending(points_per_kg=1000)
    return db.session.scalar(select(Reduction).where(Reduction.user_id == user.id))


def pages(client: FlaskClient, reduction: Reduction, headers: dict[str, str]) -> dict[str, str]:
    """The library, five methodology pages and the reduction explanation (for the citizen who
    is logged in), as ``headers`` asks for them."""
    paths = [
        f"/methodologies/{code}"
        for code in ("JLCH-TR-001", "JLCH-FD-001", "JLCH-OF-001", "JLCH-HS-003", "JLCH-TR-004")
    ]
    paths += ["/methodologies/", f"/me/reductions/{reduction.id}"]
    found = {}
    for path in paths:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        found[path] = response.text
    return found


def test_chinese_methodology_and_reduction_pages_carry_no_english(
    client: FlaskClient, login_as: Any, methodologies: Any, db: Any
) -> None:
    reduction = clean_plate_reduction(login_as, methodologies, db)
    english = {}
    punctuation = {}
    for path, page in pages(client, reduction, ZH).items():
        text = prose(page)
        if LATIN_RUN.search(text):
            english[path] = LATIN_RUN.findall(text)
        if latin_punctuation_next_to_chinese(text):
            punctuation[path] = latin_punctuation_next_to_chinese(text)
    assert not english
    assert not punctuation


def test_english_methodology_and_reduction_pages_carry_no_chinese(
    client: FlaskClient, login_as: Any, methodologies: Any, db: Any
) -> None:
    reduction = clean_plate_reduction(login_as, methodologies, db)
    name = db.session.get(User, reduction.user_id).display_name  # the reader's own name
    chinese = {}
    for path, page in pages(client, reduction, EN).items():
        found = set(CJK.findall(prose(page).replace(name, " "))) - GLOSSES
        if found:
            chinese[path] = found
    assert not chinese


def test_names_read_in_words_and_labels_are_explained(
    client: FlaskClient, login_as: Any, methodologies: Any, db: Any
) -> None:
    reduction = clean_plate_reduction(login_as, methodologies, db)
    walking = client.get("/methodologies/JLCH-TR-001", headers=ZH).text
    assert "<code>ER = Q / 1000 * recommended</code>" in walking  # kept for those who check
    assert "每千步减排量" in walking and "步行" in prose(walking)
    assert "units.py" not in walking and "intake" not in walking
    assert "根据平台有来源的因子数据初始备案" in walking  # the seeded version's change note
    for label in ("可信度", "已发布", "可交易", "仅积分"):
        assert f"<dt>{label}</dt>" in walking, label
    explained = client.get(f"/me/reductions/{reduction.id}", headers=ZH).text
    assert reduction.points == 144 and "144" in explained
    assert "5 points" not in explained and "每餐减排量" in explained
    assert "<dt>可信度</dt>" in explained and "<dt>已发布</dt>" in explained
    english = client.get(f"/me/reductions/{reduction.id}", headers=EN).text
    assert "Reduction per meal" in english and "What do these labels mean?" in english


def test_officials_read_the_same_texts_in_their_language(
    client: FlaskClient, login_as: Any, methodologies: Any
) -> None:
    name = login_as("official").display_name  # shown in the header
    for code in ("JLCH-TR-001", "JLCH-FD-001", "JLCH-HS-002", "JLCH-SH-003"):
        path = f"/official/methodologies/{methodologies[code].id}"
        chinese = prose(client.get(path, headers=ZH).text)
        assert not LATIN_RUN.findall(chinese), (code, LATIN_RUN.findall(chinese))
        assert not latin_punctuation_next_to_chinese(chinese), code
        english = client.get(path, headers=EN).text
        assert not set(CJK.findall(prose(english).replace(name, " "))) - GLOSSES, code
