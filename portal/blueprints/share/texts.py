"""The words of a share page and its poster, in the current locale, for each kind of share:
what was earned (the headline), the sentence link previews show, the kicker above the medal
and the date line."""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from portal.blueprints.shared.badge_texts import badge_name, tier_name
from portal.blueprints.shared.report_texts import place_name
from portal.clock import local_date
from portal.sharing.models import ShareKind
from portal.sharing.queries import Shared
from portal.teams.pk.results import TeamResult
from portal.teams.pk.rules import LAST_INSTANT

PODIUM = {1: "gold", 2: "silver", 3: "bronze"}  # a team result's medal on the poster


def headline(shared: Shared, lang: str) -> str:
    """What was earned: the badge's name and tier, the certificate's title, the team's place."""
    if shared.kind == ShareKind.BADGE:
        return _(
            "%(badge)s · %(tier)s",
            badge=badge_name(shared.badge_key or ""),
            tier=tier_name(shared.tier or ""),
        )
    if shared.team_result is not None:
        result = shared.team_result
        return _(
            "“%(team)s” placed %(place)s", team=result.team_name, place=place_name(result.place)
        )
    return (shared.title_en if lang == "en" else shared.title_zh) or ""


def description(shared: Shared, title: str) -> str:
    if shared.kind == ShareKind.BADGE:
        return _(
            "%(alias)s earned the %(badge)s badge on Tanhui Jilin.", alias=shared.alias, badge=title
        )
    if shared.team_result is not None:
        result = shared.team_result
        return _(
            "%(alias)s's team “%(team)s” placed %(place)s of %(teams)s in a team challenge "
            "on Tanhui Jilin.",
            alias=shared.alias,
            team=result.team_name,
            place=place_name(result.place),
            teams=result.teams,
        )
    return _("%(alias)s was awarded “%(title)s” on Tanhui Jilin.", alias=shared.alias, title=title)


def kicker(shared: Shared) -> str:
    if shared.kind == ShareKind.BADGE:
        return _("Badge earned")
    if shared.kind == ShareKind.TEAM_RESULT:
        return _("Team result")
    return _("Certificate")


def challenge_days(result: TeamResult) -> str:
    return _(
        "Team challenge from %(first)s to %(last)s",
        first=format_date(local_date(result.starts_at), "long"),
        last=format_date(local_date(result.ends_at - LAST_INSTANT), "long"),
    )


def date_line(shared: Shared) -> str:
    if shared.team_result is not None:
        return challenge_days(shared.team_result)
    return _("Earned on %(day)s", day=format_date(local_date(shared.earned_at), "long"))


def poster_tier(shared: Shared) -> str | None:
    """The medal drawn on the poster: the badge's tier; gold, silver or bronze for a team's
    first three places; None (the green seal) otherwise."""
    if shared.team_result is not None:
        return PODIUM.get(shared.team_result.place)
    return shared.tier
