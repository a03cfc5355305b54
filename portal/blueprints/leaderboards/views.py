"""The public leaderboards: anyone sees the boards; a logged-in citizen also sees their own
place with the five above and below ("me ± 5") and the gap to the next place.

A board's list is the same for every reader of a snapshot, so each worker keeps its rendered
HTML for ``LIST_SECONDS`` (a snapshot never changes; the names in it are looked up again
after that, so an opt-out shows within a minute, and a new build at once). The tabs are the
same for every reader of a board and period, so each worker renders them once per language."""

from __future__ import annotations

import time
from datetime import datetime

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal.accounts.models import Role
from portal.accounts.queries import may_be_listed
from portal.blueprints.leaderboards import bp
from portal.gamification.leaderboards import queries, rules
from portal.web.htmx import render
from portal.web.i18n import language

BOARD_LABELS = {
    rules.PERSON: _l("People"),
    rules.TEAM: _l("Teams"),
    rules.CITY: _l("Cities"),
    rules.DISTRICT: _l("Districts"),
}
PERIOD_LABELS = {
    rules.WEEK: _l("This week"),
    rules.MONTH: _l("This month"),
    rules.ALL: _l("All time"),
}
LIST_SECONDS = 60
LIST_ENTRIES = 512  # rendered lists kept per worker before the store is emptied
_lists: dict[tuple[int, datetime, str, str, int, str], tuple[float, Markup]] = {}
_tab_strips: dict[tuple[str, str, str, str], Markup] = {}


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    """The query-string value if it is one of ``allowed``, else the first (no error page for
    a hand-edited link)."""
    value = request.args.get(name, "")
    return value if value in allowed else allowed[0]


def tab_strip(board: str, period: str) -> Markup:
    """The board and period tabs, rendered once per worker for each board, period, language
    and mount point (at most 4 × 3 × 2 per mount point)."""
    key = (board, period, language(), request.script_root)
    html = _tab_strips.get(key)
    if html is None:
        html = Markup(
            render_template(
                "leaderboards/_tabs.html",
                board=board,
                period=period,
                boards=BOARD_LABELS,
                periods=PERIOD_LABELS,
            )
        )
        _tab_strips[key] = html
    return html


def board_list(snapshot: queries.Shown, board: str, period: str, page: int) -> Markup:
    """The rendered places and page links of one board page, from this worker's store while
    fresh."""
    key = (snapshot.id, snapshot.built_at, board, period, page, language())
    now = time.monotonic()
    kept = _lists.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    pagination = queries.list_board(snapshot.id, board, period, page)
    html = Markup(
        render_template(
            "leaderboards/_list.html",
            board=board,
            period=period,
            boards=BOARD_LABELS,
            periods=PERIOD_LABELS,
            pagination=pagination,
            places=queries.places(list(pagination.items), language()),
        )
    )
    if len(_lists) >= LIST_ENTRIES:
        _lists.clear()
    _lists[key] = (now + LIST_SECONDS, html)
    return html


@bp.get("")
def index() -> Response:
    board = _choice("board", rules.BOARDS)
    period = _choice("period", rules.PERIODS)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 10**9)
    snapshot = queries.get_snapshot()
    standing = None
    citizen = current_user.is_authenticated and current_user.has_role(Role.CITIZEN)
    if snapshot is not None and citizen and board == rules.PERSON:
        standing = queries.get_standing(snapshot.id, period, current_user.id, language())
    return render(
        "leaderboards/index.html",
        partial="leaderboards/_board.html",
        board=board,
        tab_strip=tab_strip(board, period),
        snapshot=snapshot,
        board_list=board_list(snapshot, board, period, page) if snapshot else None,
        standing=standing,
        citizen=citizen,
        listed=citizen and may_be_listed(current_user),
        min_team_members=rules.MIN_TEAM_MEMBERS,
    )
