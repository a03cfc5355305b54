"""The public leaderboards: anyone sees the boards; a logged-in citizen also sees their own
place with the five above and below ("me ± 5") and the gap to the next place."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
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


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    """The query-string value if it is one of ``allowed``, else the first (no error page for
    a hand-edited link)."""
    value = request.args.get(name, "")
    return value if value in allowed else allowed[0]


@bp.get("")
def index() -> Response:
    board = _choice("board", rules.BOARDS)
    period = _choice("period", rules.PERIODS)
    page = request.args.get("page", 1, type=int) or 1
    snapshot = queries.get_snapshot()
    pagination = places = standing = None
    citizen = current_user.is_authenticated and current_user.has_role(Role.CITIZEN)
    if snapshot is not None:
        pagination = queries.list_board(snapshot.id, board, period, page)
        me = current_user.id if citizen else None
        places = queries.places(list(pagination.items), language(), me=me)
        if citizen and board == rules.PERSON:
            standing = queries.get_standing(snapshot.id, period, current_user.id, language())
    return render(
        "leaderboards/index.html",
        partial="leaderboards/_board.html",
        board=board,
        period=period,
        boards=BOARD_LABELS,
        periods=PERIOD_LABELS,
        snapshot=snapshot,
        pagination=pagination,
        places=places,
        standing=standing,
        citizen=citizen,
        listed=citizen and may_be_listed(current_user),
        min_team_members=rules.MIN_TEAM_MEMBERS,
    )
