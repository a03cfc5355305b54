"""Comments on a methodology, posted by its developer or by an ecology official: the form and the
one handler both areas' comment routes call."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.blueprints.shared.forms import PortalForm
from portal.blueprints.shared.methodology.fields import TEXT_MAX, strip
from portal.errors import DomainError
from portal.extensions import htmx
from portal.methodology import services
from portal.methodology.models import Methodology
from portal.web.errors import attach_error


class CommentForm(PortalForm):
    comment = TextAreaField(
        _l("Comment"),
        validators=[DataRequired(message=_l("Write a comment first.")), Length(max=TEXT_MAX)],
        filters=[strip],
        description=_l(
            "Comments are part of the methodology's history, which becomes public once it is filed."
        ),
        render_kw={"rows": 3},
    )


def handle_comment(
    methodology: Methodology, page: Callable[..., Response], done_url: str
) -> Response:
    """Post a comment on a methodology (developer or official) and answer with ``page`` — the
    refreshed fragment for htmx — or a redirect to ``done_url``."""
    form = CommentForm()
    if form.validate_on_submit():
        try:
            services.add_comment(
                actor=current_user, methodology_id=methodology.id, comment=form.comment.data or ""
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            if htmx:
                return page(message=_("Comment added."))
            flash(_("Comment added."), "success")
            return redirect(done_url)
    # htmx swaps only 2xx answers, so an invalid comment comes back as 200 with its error.
    return page(comment_form=form, status=200 if htmx else 422)
