"""The monthly report (notification kind ``monthly_report``) in the reader's language: the
month's grams by category, the change against the month before, the change of place on the
month's person board and the badges earned."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from babel.lists import format_list
from flask_babel import format_date, format_decimal, get_locale, ngettext
from flask_babel import gettext as _

from portal.blueprints.shared.badge_texts import badge_name, tier_name
from portal.blueprints.shared.methodology.display import category_name
from portal.teams.pk.rules import ordinal_en


def _int(raw: Mapping[str, Any], name: str) -> int:
    value = raw.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def mass(grams: int) -> str:
    """Grams CO₂e as the reader reads them: grams below 1 kg, kilograms to 0.1 above."""
    if abs(grams) < 1000:
        return _("%(num)s g", num=format_decimal(grams))
    kg = (Decimal(grams) / 1000).quantize(Decimal("0.1"))
    return _("%(num)s kg", num=format_decimal(kg, format="#,##0.#"))


def _month(raw: Mapping[str, Any]) -> str:
    try:
        first = date.fromisoformat(f"{raw.get('month')}-01")
    except ValueError:
        return str(raw.get("month", ""))
    # TRANSLATORS: a Unicode date pattern for a month and year ("November 2026", "2026年11月").
    return str(format_date(first, _("MMMM y")))


def _listed(items: list[str]) -> str:
    return format_list(items, locale=get_locale()) if items else ""


def _change(raw: Mapping[str, Any]) -> str:
    change = _int(raw, "change_grams")
    if "change_percent" not in raw:
        return _("Nothing was recorded the month before.")
    percent = _int(raw, "change_percent")
    if change > 0:
        return _(
            "That is %(amount)s (%(percent)s%%) more than the month before.",
            amount=mass(change),
            percent=format_decimal(percent),
        )
    if change < 0:
        return _(
            "That is %(amount)s (%(percent)s%%) less than the month before.",
            amount=mass(-change),
            percent=format_decimal(-percent),
        )
    return _("That is the same as the month before.")


def _is_chinese() -> bool:
    return str(get_locale()).startswith("zh")


def place_name(place: int) -> str:
    """A place on a board: "9th", "第9名"."""
    return f"第{place}名" if _is_chinese() else ordinal_en(place)


def rank_change(raw: Mapping[str, Any]) -> str | None:
    """The sentence on the month's place on the person board, None without a place."""
    place = _int(raw, "place")
    if place <= 0:
        return None
    before = _int(raw, "previous_place")
    if before <= 0:
        return _("New on the month's board: %(place)s.", place=place_name(place))
    moved = abs(before - place)
    moves = {"before": place_name(before), "after": place_name(place)}
    if place < before:
        return ngettext(
            "You moved up %(num)s place on the month's board (%(before)s → %(after)s).",
            "You moved up %(num)s places on the month's board (%(before)s → %(after)s).",
            moved,
            **moves,
        )
    if place > before:
        return ngettext(
            "You moved down %(num)s place on the month's board (%(before)s → %(after)s).",
            "You moved down %(num)s places on the month's board (%(before)s → %(after)s).",
            moved,
            **moves,
        )
    return _("You kept your place on the month's board: %(place)s.", place=place_name(place))


def monthly_report_texts(raw: Mapping[str, Any]) -> tuple[str, str]:
    """(title, body) of a monthly report from its stored parameters."""
    month = _month(raw)
    total = _int(raw, "total_grams")
    parts = [
        _("%(category)s %(amount)s", category=category_name(str(code)), amount=mass(int(grams)))
        for code, grams in raw.get("categories") or []
    ]
    if total:
        sentences = [
            _(
                "In %(month)s you reduced %(amount)s of CO₂e: %(parts)s.",
                month=month,
                amount=mass(total),
                parts=_listed(parts),
            ),
            _change(raw),
        ]
    else:
        sentences = [_("You recorded no reductions in %(month)s.", month=month)]
    badges = [
        _("%(badge)s (%(tier)s)", badge=badge_name(str(key)), tier=tier_name(str(tier)))
        for key, tier in raw.get("badges") or []
    ]
    rank = rank_change(raw)
    if rank:
        sentences.append(rank)
    if badges:
        sentences.append(_("Badges earned: %(badges)s.", badges=_listed(badges)))
    joiner = "" if _is_chinese() else " "
    return _("Your report for %(month)s", month=month), joiner.join(sentences)
