"""Sharing from the badge wall and the certificate list: "Share" makes one public page at
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


@bp.post("/shares/<code>/withdraw")
def withdraw_share(code: str) -> Response:
    try:
        link = services.withdraw_share(actor_id=current_user.id, share_code=code)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("citizen.badges"))
    flash(_("You stopped sharing: the public page is gone."), "success")
    back = "citizen.badges" if link.kind == "badge" else "citizen.certificates"
    return redirect(url_for(back))
