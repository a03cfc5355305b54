"""Chinese pages show full-width punctuation next to Chinese text, including the colons and
brackets a template puts around a translated label ("单位：千克", not "单位: 千克")."""

from __future__ import annotations

import html
import re
from typing import Any

from flask.testing import FlaskClient

from tests.unit.test_zh_punctuation import latin_punctuation_next_to_chinese

ZH = {"Accept-Language": "zh-CN"}
# What a reader does not read as prose: scripts, styles, code, the SVG charts' coordinates.
HIDDEN = re.compile(r"<(script|style|code|svg)\b.*?</\1>", re.S)


def visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", HIDDEN.sub(" ", page)))


def test_chinese_pages_use_full_width_punctuation(
    client: FlaskClient, login_as: Any, methodologies: Any
) -> None:
    login_as("citizen")
    found = {}
    for path in [
        "/",
        "/methodologies/",
        "/me/log",
        "/me/log/transport",
        "/me/log/transport/JLCH-TR-003",
        "/me/log/housing/JLCH-HS-001",
        "/me/records",
        "/me/reductions",
        "/me/links",
        "/me/data-access",
        "/me/badges",
    ]:
        response = client.get(path, headers=ZH)
        assert response.status_code == 200, path
        stretches = latin_punctuation_next_to_chinese(visible_text(response.text))
        if stretches:
            found[path] = stretches
    assert not found
