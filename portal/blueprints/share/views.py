"""The share page (Open Graph tags for the WeChat and other link previews) and its poster, a
PNG in Chinese or English drawn on the server (``portal.sharing.poster``); their words are
``texts``."""

from __future__ import annotations

from flask import abort, current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.blueprints.share import bp, texts
from portal.blueprints.shared.report_texts import place_name
from portal.blueprints.shared.team_labels import METRIC_LABELS, scenario_title
from portal.gamification.rules import get_badge
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


@bp.get("/<code>")
def page(code: str) -> Response:
    shared = _shared(code)
    lang = language()
    title = texts.headline(shared, lang)
    result = shared.team_result
    return render(
        "share/page.html",
        shared=shared,
        badge=get_badge(shared.badge_key) if shared.badge_key else None,
        headline=title,
        description=texts.description(shared, title),
        kicker=texts.kicker(shared),
        earned_on=texts.date_line(shared),
        result=result,
        scenario_title=scenario_title(result.scenario_code) if result else None,
        challenge_metric_labels=METRIC_LABELS,
        place_name=place_name,
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
            kicker=texts.kicker(shared),
            headline=texts.headline(shared, lang),
            alias=shared.alias,
            date_line=texts.date_line(shared),
            platform="碳惠吉林 · Tanhui Jilin",
            tagline=_("Low-carbon living in Jilin, together"),
            scan_hint=_("Scan the code to see it"),
            url=url,
            tier=texts.poster_tier(shared),
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
