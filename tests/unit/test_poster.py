"""The share poster: a 1080 × 1440 PNG in either language, lines wrapped to the width, and a
clear error naming the package when no CJK font is installed."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from portal.sharing import poster
from portal.sharing.poster import FontMissing, PosterContent, render_poster


def _content(headline: str, tier: str | None = "gold") -> PosterContent:
    return PosterContent(
        kicker="荣获勋章",
        headline=headline,
        alias="绿色骑手",
        date_line="获得于 2026年12月3日",
        platform="碳惠吉林 · Tanhui Jilin",
        tagline="一起低碳，点亮吉林",
        scan_hint="扫码查看",
        url="https://example.cn/s/AAAAAAAAAAAAAAAAAAAAAA",
        tier=tier,
    )


@pytest.mark.parametrize("tier", ["bronze", "silver", "gold", None])
def test_the_poster_is_a_png_of_its_size(tier: str | None) -> None:
    data = render_poster(_content("低碳起步 · 金级", tier))
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("PNG", (1080, 1440))
    assert len(data) < 1_000_000


def test_the_same_poster_is_drawn_once() -> None:
    render_poster.cache_clear()
    render_poster(_content("低碳起步"))
    render_poster(_content("低碳起步"))
    assert render_poster.cache_info().hits == 1


def test_long_titles_wrap_at_spaces_in_english_and_anywhere_in_chinese() -> None:
    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    font = poster._font("Bold", 50)
    english = poster._wrap(draw, "Certificate of ten kilograms of CO2e reduced", font, 500)
    assert len(english) > 1 and all(not line.startswith(" ") for line in english)
    assert " ".join(english) == "Certificate of ten kilograms of CO2e reduced"
    assert all(draw.textlength(line, font=font) <= 500 for line in english)
    chinese = poster._wrap(draw, "低碳" * 40, font, 500)
    assert len(chinese) == 3 and chinese[2].endswith("…")


def test_no_cjk_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    poster.find_cjk_font.cache_clear()
    monkeypatch.setattr(poster, "FONT_PATHS", ("/nowhere/NotoSansCJK-{weight}.ttc",))
    monkeypatch.setattr(poster.shutil, "which", lambda name: None)
    try:
        with pytest.raises(FontMissing, match="fonts-noto-cjk"):
            poster.find_cjk_font("Bold")
    finally:
        poster.find_cjk_font.cache_clear()
