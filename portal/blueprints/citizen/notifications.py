"""The notification inbox at ``/me/notifications``: newest first, each in the reader's
language and linking to what it is about; mark one or all read."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.blueprints.citizen import bp
from portal.blueprints.citizen.forms import EmptyForm
from portal.blueprints.shared.notification_texts import show_notification
from portal.errors import NotFound
from portal.notifications.queries import count_unread, list_notifications
from portal.notifications.services import mark_all_read, mark_read
from portal.web.htmx import render


@bp.get("/notifications")
def notifications() -> Response:
    older_than = request.args.get("older_than", type=int)
    page = list_notifications(current_user.id, older_than=older_than if older_than else None)
    return render(
        "citizen/notifications.html",
        "citizen/partials/_notifications.html",
        items=[show_notification(n) for n in page.items],
        older_than=page.older_than,
        is_first_page=not older_than,
        has_unread=count_unread(current_user.id) > 0,
        form=EmptyForm(formdata=None),
    )


@bp.post("/notifications/<int:notification_id>/read")
def read_notification(notification_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        mark_read(user_id=current_user.id, notification_id=notification_id)
    except NotFound:
        abort(404)
    return redirect(url_for("citizen.notifications"))


@bp.post("/notifications/read-all")
def read_all_notifications() -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    marked = mark_all_read(user_id=current_user.id)
    flash(
        ngettext(
            "%(num)s notification marked as read.", "%(num)s notifications marked as read.", marked
        )
        if marked
        else _("Nothing was unread."),
        "success",
    )
    return redirect(url_for("citizen.notifications"))
