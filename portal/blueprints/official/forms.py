"""Officials' methodology forms. The definition form itself is the developer's (shared)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import AnyOf, Length, Optional

from portal.blueprints.developer.forms import TEXT_MAX
from portal.clock import local_today
from portal.methodology.permissions import REVIEW_MOVES


class ReviewForm(FlaskForm):
    """One review action; the service says which need a reason and from which status."""

    action = HiddenField(validators=[AnyOf(tuple(REVIEW_MOVES))])
    comment = TextAreaField(
        _l("Comment"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"rows": 3},
    )
    effective_from = DateField(
        _l("In force from"),
        validators=[Optional()],
        default=local_today,
        description=_l("From midnight Beijing time of that day."),
    )


class StatusFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, *args: object, choices: list[SelectChoice], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = choices
