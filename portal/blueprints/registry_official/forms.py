"""The registry officials' forms: a verdict on one sampled record, a step, a rejection."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Optional, ValidationError

from portal.blueprints.registry_official.labels import ITEM_REASON_LABELS, REJECTION_LABELS
from portal.blueprints.shared.forms import PortalForm


class ItemForm(PortalForm):
    """Pass a sampled record, or fail it with a reason."""

    verdict = StringField(validators=[AnyOf(("pass", "fail"))])
    reason = SelectField(_l("Why it fails"), validators=[Optional()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = [("", _l("Choose a reason")), *ITEM_REASON_LABELS.items()]

    def validate_reason(self, field: SelectField) -> None:
        if self.verdict.data == "fail" and not field.data:
            raise ValidationError(str(_l("Choose why the record fails.")))


class StepForm(PortalForm):
    """Complete the review, verify or issue: nothing to fill in but the confirmation."""


class RejectForm(PortalForm):
    reason = SelectField(
        _l("Why the batch is rejected"),
        validators=[DataRequired(message=_l("Choose why the batch is rejected."))],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = [("", _l("Choose a reason")), *REJECTION_LABELS.items()]
