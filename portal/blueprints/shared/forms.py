"""Form helpers used by more than one audience."""

from __future__ import annotations

from wtforms import SelectChoice

from portal.accounts.regions import CITIES


def city_choices(language: str, blank: object = None) -> list[SelectChoice]:
    """Jilin's nine cities and prefectures as select options, optionally after a blank prompt."""
    options = [SelectChoice("", str(blank))] if blank is not None else []
    return options + [
        SelectChoice(c.code, c.name_zh if language == "zh" else c.name_en) for c in CITIES
    ]
