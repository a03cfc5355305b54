"""The Chinese catalog uses full-width punctuation next to Chinese text: "单位：千克", not
"单位: 千克"; "如何计算？", not "如何计算?" (CONVENTIONS: Chinese text uses ：（），？)."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = Path(__file__).parents[2] / "portal/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
# Placeholders, URLs, inline code, markup and formula syntax (a function call such as max(…), the
# operators "( )") are not prose: their brackets and colons stay Latin.
NOT_PROSE = re.compile(
    r"%\(\w+\)[sdif]|%[sd]|\{\w*\}|https?://\S+|`[^`]*`|<[^>]*>"
    r"|(?<![A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*\([^()]*\)|\(\s*\)"
)
CJK = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef“”‘’…—]"
# A Latin : ( ) ? , whose nearest non-space neighbour on either side is Chinese.
LATIN_NEXT_TO_CJK = re.compile(rf"(?<={CJK}) *[:()?,]|[:()?,](?= *{CJK})")


def latin_punctuation_next_to_chinese(text: str) -> list[str]:
    """The stretches of ``text`` where Latin punctuation touches Chinese, with some context."""
    prose = NOT_PROSE.sub("x", text)
    return [prose[max(0, m.start() - 6) : m.end() + 6] for m in LATIN_NEXT_TO_CJK.finditer(prose)]


def test_the_scanner_allows_placeholders_urls_and_code() -> None:
    assert latin_punctuation_next_to_chinese("单位: 千克") == ["单位: 千克"]
    assert latin_punctuation_next_to_chinese("如何计算?")
    assert latin_punctuation_next_to_chinese("（%(name)s）") == []
    assert latin_punctuation_next_to_chinese("见https://example.cn/a?b=1，谢谢") == []
    assert latin_punctuation_next_to_chinese("公式`max(Q, 0)`计算") == []
    assert latin_punctuation_next_to_chinese("ER (kg) = Q × EF") == []
    assert latin_punctuation_next_to_chinese("只能用 + - * / ( )以及max(…)") == []
    assert latin_punctuation_next_to_chinese("距离 (公里)") == ["距离 (公里)", "距离 (公里)"]


def test_chinese_messages_use_full_width_punctuation() -> None:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hans_CN")
    found = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            for stretch in latin_punctuation_next_to_chinese(text or ""):
                found.append(f"{stretch!r}  (msgid {str(message.id)[:50]!r})")
    assert not found, "Latin punctuation next to Chinese:\n" + "\n".join(found)
