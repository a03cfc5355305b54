"""Officials' methodology forms: a review action, the queue's status filter and a new version
of a filed methodology (the definition part is shared with the developer's draft form)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from portal.blueprints.shared.forms import PortalForm
from portal.blueprints.shared.methodology.definition import DefinitionForm
from portal.blueprints.shared.methodology.fields import TEXT_MAX, strip
from portal.clock import local_today
from portal.methodology.permissions import REVIEW_MOVES


class ReviewForm(PortalForm):
    """One review action; the service says which need a reason and from which status."""

    action = HiddenField(validators=[AnyOf(tuple(REVIEW_MOVES))])
    comment = TextAreaField(
        _l("Comment"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        filters=[strip],
        render_kw={"rows": 3},
    )
    effective_from = DateField(
        _l("In force from"),
        validators=[Optional()],
        default=local_today,
        description=_l("From midnight Beijing time of that day."),
    )


class StatusFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, *args: object, choices: list[SelectChoice], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = choices


class VersionForm(DefinitionForm):
    """An official's new version of a filed methodology."""

    effective_from = DateField(
        _l("Takes effect on"),
        validators=[DataRequired(message=_l("Choose a date."))],
        description=_l("From midnight Beijing time of that day; today means at once."),
    )
    change_note = TextAreaField(
        _l("What changed"),
        validators=[DataRequired(), Length(max=TEXT_MAX)],
        filters=[strip],
        description=_l("Shown in the public history of the methodology."),
        render_kw={"rows": 3},
    )

    def validate_effective_from(self, field: DateField) -> None:
        if field.data and field.data < local_today():
            raise ValidationError(_l("A new version cannot take effect in the past."))
