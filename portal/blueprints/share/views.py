"""The share page (Open Graph tags for the WeChat and other link previews) and its poster, a
PNG in Chinese or English drawn on the server (``portal.sharing.poster``)."""

from __future__ import annotations

from flask import abort, current_app, url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.blueprints.share import bp
from portal.blueprints.shared.badge_texts import badge_name, tier_name
from portal.clock import local_date
from portal.gamification.rules import get_badge
from portal.sharing.models import ShareKind
from portal.sharing.poster import FontMissing, PosterContent, render_poster
from portal.sharing.queries import Shared, get_shared
from portal.web.htmx import render
from portal.web.i18n import language

LOCALES = {"zh": "zh_Hans_CN", "en": "en"}
POSTER_MAX_AGE = 300  # seconds: a withdrawn share's poster leaves shared caches soon after


def _shared(code: str) -> Shared:
    shared = get_shared(code)
    if shared is None:
        abort(404)
    return shared


def headline(shared: Shared, lang: str) -> str:
    """What was earned, in the current locale: the badge's name and tier, or the title."""
    if shared.kind == ShareKind.BADGE:
        return _(
            "%(badge)s · %(tier)s",
            badge=badge_name(shared.badge_key or ""),
            tier=tier_name(shared.tier or ""),
        )
    return (shared.title_en if lang == "en" else shared.title_zh) or ""


def _earned_on(shared: Shared) -> str:
    return _("Earned on %(day)s", day=format_date(local_date(shared.earned_at), "long"))


@bp.get("/<code>")
def page(code: str) -> Response:
    shared = _shared(code)
    lang = language()
    title = headline(shared, lang)
    if shared.kind == ShareKind.BADGE:
        description = _(
            "%(alias)s earned the %(badge)s badge on Tanhui Jilin.", alias=shared.alias, badge=title
        )
    else:
        description = _(
            "%(alias)s was awarded “%(title)s” on Tanhui Jilin.", alias=shared.alias, title=title
        )
    return render(
        "share/page.html",
        shared=shared,
        badge=get_badge(shared.badge_key) if shared.badge_key else None,
        headline=title,
        description=description,
        earned_on=_earned_on(shared),
        page_url=url_for("share.page", code=code, _external=True),
        poster_url=url_for("share.poster", code=code, lang=lang, _external=True),
        lang=lang,
    )


@bp.get("/<code>/poster-<lang>.png")
def poster(code: str, lang: str) -> Response:
    """The poster PNG in ``lang`` (zh or en; any other is a 404). Rendered once per share,
    language and text (``render_poster`` keeps the last 64), cacheable for five minutes; 503
    (and the missing font named in the log) on a server without a CJK font."""
    if lang not in LOCALES:
        abort(404)
    shared = _shared(code)
    url = url_for("share.page", code=code, _external=True)
    with force_locale(LOCALES[lang]):
        content = PosterContent(
            kicker=_("Badge earned") if shared.kind == ShareKind.BADGE else _("Certificate"),
            headline=headline(shared, lang),
            alias=shared.alias,
            date_line=_earned_on(shared),
            platform="碳惠吉林 · Tanhui Jilin",
            tagline=_("Low-carbon living in Jilin, together"),
            scan_hint=_("Scan the code to see it"),
            url=url,
            tier=shared.tier,
        )
    try:
        png = render_poster(content)
    except FontMissing as exc:  # the server lacks fonts-noto-cjk: say so in the log
        current_app.logger.error("share poster: %s", exc)
        abort(503)
    response = current_app.response_class(png, mimetype="image/png")
    response.cache_control.public = True
    response.cache_control.max_age = POSTER_MAX_AGE
    response.headers["Content-Disposition"] = f'inline; filename="tanhui-{lang}.png"'
    return response
