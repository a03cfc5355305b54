"""Sharing from the badge wall, the certificate list and a finished challenge's page (the
team's result): "Share" makes one public page at
``/s/<code>`` (nothing is public before), "Stop sharing" takes it down (its page is a 404
from then on). Only the holder shares, for themselves; the services check."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.blueprints.citizen import bp
from portal.errors import DomainError
from portal.sharing import services
from portal.sharing.models import ShareKind, ShareLink
from portal.teams.pk.results import challenge_id_of


def _shared() -> None:
    """The page then shows the share's link (the flash does not: a URL overflows a phone)."""
    flash(
        _(
            "Your public page is ready, with its poster. It shows your alias only; "
            "you can stop sharing at any time."
        ),
        "success",
    )


@bp.post("/badges/<badge_key>/share")
def share_badge(badge_key: str) -> Response:
    try:
        services.share_badge(actor_id=current_user.id, badge_key=badge_key)
        _shared()
    except DomainError as error:
        flash(str(error.message), "error")
    return redirect(url_for("citizen.badges", _anchor=f"badge-{badge_key}"))


@bp.post("/certificates/<code>/share")
def share_certificate(code: str) -> Response:
    try:
        services.share_certificate(actor_id=current_user.id, certificate_code=code)
        _shared()
    except DomainError as error:
        flash(str(error.message), "error")
    return redirect(url_for("citizen.certificates"))


@bp.post("/challenges/<int:challenge_id>/share")
def share_team_result(challenge_id: int) -> Response:
    try:
        services.share_team_result(actor_id=current_user.id, challenge_id=challenge_id)
        _shared()
    except DomainError as error:
        flash(str(error.message), "error")
    return redirect(url_for("teams.challenge", challenge_id=challenge_id, _anchor="share-result"))


def _back(link: ShareLink) -> str:
    """Where a withdrawn share's owner goes back to: the list they shared it from."""
    if link.kind == ShareKind.TEAM_RESULT and link.challenge_entry_id is not None:
        challenge_id = challenge_id_of(link.challenge_entry_id)
        if challenge_id is not None:
            return url_for("teams.challenge", challenge_id=challenge_id, _anchor="share-result")
    back = "citizen.badges" if link.kind == ShareKind.BADGE else "citizen.certificates"
    return url_for(back)


@bp.post("/shares/<code>/withdraw")
def withdraw_share(code: str) -> Response:
    try:
        link = services.withdraw_share(actor_id=current_user.id, share_code=code)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("citizen.badges"))
    flash(_("You stopped sharing: the public page is gone."), "success")
    return redirect(_back(link))
