"""The citizen's badge wall at ``/me/badges`` and the toast announcing new badges: every page a
citizen opens with an award not yet shown loads the toast once (htmx, on load); loading it
marks those awards seen."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from werkzeug.wrappers import Response

from portal.blueprints.citizen import bp
from portal.blueprints.shared.badge_texts import badge_name, still_needed, tier_name
from portal.clock import local_today
from portal.gamification.queries import has_unseen_awards, list_badge_wall
from portal.gamification.rules import LEVELS, get_badge
from portal.gamification.services import mark_badges_seen
from portal.sharing.queries import list_live_shares
from portal.sharing.rules import may_share
from portal.web.htmx import render


@bp.get("/badges")
def badges() -> Response:
    wall = list_badge_wall(current_user.id, local_today())
    return render(
        "citizen/badges.html",
        wall=wall,
        earned=sum(1 for s in wall if s.top_level),
        levels=LEVELS,
        tier_name=tier_name,
        still_needed=still_needed,
        shares=list_live_shares(current_user.id),
        sharing_allowed=may_share(current_user, local_today()),
    )


@bp.post("/badges/toast")
def badge_toast() -> Response:
    """The awards not yet shown, highest tier per badge, now marked seen (htmx, on load)."""
    highest: dict[str, str] = {}
    for key, level in mark_badges_seen(current_user.id):
        if key not in highest or LEVELS.index(level) > LEVELS.index(highest[key]):
            highest[key] = level
    shown = [(get_badge(key), level) for key, level in highest.items()]
    return render(
        "citizen/partials/_badge_toast.html",
        awards=[(badge, level) for badge, level in shown if badge is not None],
        badge_name=badge_name,
        tier_name=tier_name,
    )


@bp.app_context_processor
def _badge_toast_context() -> dict[str, Any]:
    def has_new_badges() -> bool:
        return bool(current_user.is_authenticated and has_unseen_awards(current_user.id))

    return {"has_new_badges": has_new_badges}
