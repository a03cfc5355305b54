"""The share poster: a 1080 × 1440 PNG a citizen saves and posts to WeChat Moments, drawn with
Pillow from plain texts already in the reader's language (``PosterContent``). Pure: no database,
no request. Chinese needs a CJK font: Debian's ``fonts-noto-cjk`` (``find_cjk_font``)."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache, lru_cache
from math import cos, pi, sin
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1080, 1440
FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-{weight}.ttc",
)
SC_INDEX = 2  # the Simplified Chinese face in a NotoSansCJK .ttc
GREEN, DEEP, PAPER, INK, MUTED = "#0f7a5c", "#0b5e47", "#f5f8f3", "#1d2a24", "#5b6b63"
# Medal colours, as the badge wall's SVG medals (templates/macros/badges.html).
PALETTES = {
    "bronze": ("#95532a", "#dc9a62", "#5a2f12", "#f5cfa8", "#0f7a5c", "#0b5e47"),
    "silver": ("#73808c", "#dde3e8", "#394550", "#ffffff", "#1d5a96", "#174a7c"),
    "gold": ("#b07f06", "#f7d04f", "#644600", "#fff2b8", "#b3261e", "#8f1e18"),
    None: ("#0b5e47", "#e3f1ea", "#0f7a5c", "#ffffff", "#0f7a5c", "#0b5e47"),  # certificate
}


class FontMissing(RuntimeError):
    """No CJK font to draw a poster with."""


@dataclass(frozen=True)
class PosterContent:
    """Every text on a poster, in one language. ``tier`` is the medal's level for a badge,
    None for a certificate (a green seal)."""

    kicker: str  # "荣获勋章" / "Badge earned"
    headline: str  # the badge's name and tier, or the certificate's title
    alias: str
    date_line: str
    platform: str  # "碳惠吉林 · Tanhui Jilin"
    tagline: str
    scan_hint: str
    url: str  # the share page, for the QR code
    tier: str | None


@cache
def find_cjk_font(weight: str = "Bold") -> str:
    """The path of a Noto Sans CJK font of ``weight`` ("Regular" or "Bold"): a known Debian or
    Fedora path, else what ``fc-match`` names. FontMissing when there is none (install
    ``fonts-noto-cjk``)."""
    for pattern in FONT_PATHS:
        path = pattern.format(weight=weight)
        if Path(path).is_file():
            return path
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", f"Noto Sans CJK SC:{weight.lower()}"],
            capture_output=True,
            text=True,
            check=False,
            timeout=5,
        ).stdout.strip()
        if "CJK" in found and Path(found).is_file():
            return found
    raise FontMissing(
        "No CJK font for share posters: install Debian's fonts-noto-cjk "
        "(apt-get install fonts-noto-cjk)."
    )


@cache
def _font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    path = find_cjk_font(weight)
    return ImageFont.truetype(path, size, index=SC_INDEX if path.endswith(".ttc") else 0)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    """Greedy lines no wider than ``width``: break at a space where the line has one (English),
    anywhere otherwise (Chinese); at most three lines, the last cut with an ellipsis."""
    lines: list[str] = []
    line = ""
    for char in text:
        if draw.textlength(line + char, font=font) <= width:
            line += char
            continue
        cut = line.rfind(" ")
        if char != " " and cut > 0:
            lines.append(line[:cut])
            line = line[cut + 1 :] + char
        else:
            lines.append(line)
            line = "" if char == " " else char
    lines.append(line)
    if len(lines) > 3:
        lines = lines[:3]
        lines[2] = lines[2][:-1] + "…"
    return lines


def _centred(
    draw: ImageDraw.ImageDraw, y: int, text: str, font: ImageFont.FreeTypeFont, fill: str
) -> None:
    draw.text((WIDTH // 2, y), text, font=font, fill=fill, anchor="mt")


def _medal(tier: str | None) -> Image.Image:
    """The medal (or, for a certificate, the seal) drawn at twice its size and scaled down, so
    its circles are smooth: 432 × 504."""
    rim, face, ink, dots, strap, strap2 = PALETTES[tier]
    s = 2
    image = Image.new("RGBA", (480 * s, 560 * s), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    d.polygon([(96 * s, 0), (211 * s, 0), (278 * s, 240 * s), (173 * s, 240 * s)], fill=strap)
    d.polygon([(384 * s, 0), (269 * s, 0), (202 * s, 240 * s), (307 * s, 240 * s)], fill=strap2)
    cx, cy = 240 * s, 355 * s
    for radius, colour in ((200, rim), (170, face)):
        r = radius * s
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    for i in range(40):  # the dotted ring between rim and face
        a = 2 * pi * i / 40
        x, y, r = cx + 185 * s * cos(a), cy + 185 * s * sin(a), 4 * s
        d.ellipse((x - r, y - r, x + r, y + r), fill=dots)
    if tier is None:  # a tick for a certificate
        d.line(
            [(cx - 80 * s, cy), (cx - 20 * s, cy + 60 * s), (cx + 90 * s, cy - 70 * s)],
            fill=ink,
            width=34 * s,
            joint="curve",
        )
    else:  # a five-pointed star
        points = [
            (
                cx + (110 if k % 2 == 0 else 46) * s * sin(pi * k / 5),
                cy - (110 if k % 2 == 0 else 46) * s * cos(pi * k / 5) + 8 * s,
            )
            for k in range(10)
        ]
        d.polygon(points, fill=ink)
    return image.resize((432, 504), Image.Resampling.LANCZOS)


def _qr(url: str, size: int) -> Image.Image:
    rows = [list(row) for row in segno.make(url, error="m").matrix_iter(scale=1, border=2)]
    image = Image.new("L", (len(rows[0]), len(rows)), 255)
    image.putdata([0 if dark else 255 for row in rows for dark in row])
    return image.resize((size, size), Image.Resampling.NEAREST)


@lru_cache(maxsize=64)
def render_poster(content: PosterContent) -> bytes:
    """The poster as PNG bytes (cached: the last 64 distinct posters). FontMissing without a
    CJK font."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    d = ImageDraw.Draw(image)
    d.rectangle((0, 0, WIDTH, 150), fill=GREEN)
    _centred(d, 42, content.platform, _font("Bold", 56), "#ffffff")
    d.rectangle((0, 150, WIDTH, 160), fill=DEEP)
    _centred(d, 215, content.kicker, _font("Regular", 40), MUTED)
    image.paste(medal := _medal(content.tier), ((WIDTH - medal.width) // 2, 275), medal)
    y = 815
    big = _font("Bold", 64)
    lines = _wrap(d, content.headline, big, WIDTH - 160)
    font, step = (big, 84) if len(lines) == 1 else (_font("Bold", 50), 66)
    for line in lines if len(lines) == 1 else _wrap(d, content.headline, font, WIDTH - 160):
        _centred(d, y, line, font, INK)
        y += step
    _centred(d, y + 16, content.alias, _font("Bold", 48), GREEN)
    _centred(d, y + 90, content.date_line, _font("Regular", 34), MUTED)
    # The footer: the QR code to the share page and what it leads to.
    d.rounded_rectangle(
        (60, 1170, WIDTH - 60, 1400), radius=28, fill="#ffffff", outline="#d7e3dc", width=2
    )
    image.paste(_qr(content.url, 200), (90, 1185))
    x = 320
    footer_width = WIDTH - 60 - 30 - x
    ty = 1210
    for line in _wrap(d, content.tagline, _font("Bold", 38), footer_width)[:2]:
        d.text((x, ty), line, font=_font("Bold", 38), fill=INK)
        ty += 54
    d.text((x, ty + 10), content.scan_hint, font=_font("Regular", 30), fill=MUTED)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
