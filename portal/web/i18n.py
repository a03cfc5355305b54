"""The reader's language: which locale a request gets, and the helpers that show a record's
``*_zh`` / ``*_en`` columns, unit names and locale-formatted numbers and dates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.support import Translations
from flask import Flask, g, has_request_context, request, session
from flask_babel import format_datetime, format_decimal, get_locale, get_translations
from flask_login import current_user

from portal.accounts.regions import city_name
from portal.methodology.units import UNITS

SUPPORTED_LOCALES = ("zh_Hans_CN", "en")


def select_locale() -> str:
    """The remembered choice, then the account's, then the browser's, then Chinese."""
    if not has_request_context():  # CLI, jobs and services translate into the default language
        return "zh_Hans_CN"
    chosen = session.get("locale")
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    if current_user and current_user.is_authenticated and current_user.locale in SUPPORTED_LOCALES:
        return str(current_user.locale)
    best = request.accept_languages.best_match(["zh", "en"], default="zh")
    return "en" if best == "en" else "zh_Hans_CN"


def _translations() -> Translations:
    """The request's catalog, looked up once per locale: Flask-Babel looks it up anew on each
    of a page's dozens of template strings. Keyed by the locale object, so ``force_locale``
    (share pages, the partner API) still switches language inside a request."""
    locale = get_locale()
    memo = g.get("_translations")
    if memo is None or memo[0] is not locale:
        memo = g._translations = (locale, get_translations())
    return memo[1]  # type: ignore[no-any-return]


def language() -> str:
    """ "zh" or "en": which of a record's ``*_zh`` / ``*_en`` columns to show."""
    return "en" if str(get_locale()).startswith("en") else "zh"


def localized(obj: Any, attr: str) -> str:
    """``obj.<attr>_zh`` or ``obj.<attr>_en`` (or dict keys) in the reader's language."""
    key = f"{attr}_{language()}"
    value = obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)
    return str(value or "")


def unit_label(code: str, count: Decimal | float | None = None) -> str:
    """An activity unit's name in the reader's language (the code itself if unknown); after a
    ``count`` of one the English name is singular ("1 meal")."""
    unit = UNITS.get(code)
    if unit is None:
        return code
    return unit.label(language(), count)


def init_app(app: Flask) -> None:
    """The language helpers every template may call, and the locale-formatting filters."""

    @app.context_processor
    def language_helpers() -> dict[str, Any]:
        return {
            "language": language,
            "localized": localized,
            "city_name": lambda code: city_name(code, language()),
            "current_locale": lambda: str(get_locale()),
            "unit_label": unit_label,
        }

    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.filters["datetime"] = lambda value, fmt="yyyy-MM-dd HH:mm": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["number"] = lambda value: format_decimal(value or 0)
