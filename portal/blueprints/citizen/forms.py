"""Citizen forms: logging a behaviour (fields depend on the methodology), appeals, link codes,
the password change."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.accounts.identity import PASSWORD_MAX, PASSWORD_RULE
from portal.activities.intake.checks import requires_photo
from portal.blueprints.shared.forms import PortalForm
from portal.methodology.units import UNITS, get_unit
from portal.methodology.versions import VersionSpec

TRIP_CATEGORY = "transport"


class NumberField(DecimalField):
    """A decimal that is a number: NaN and infinities are refused with WTForms' own message,
    before any comparison (a signalling NaN raises on every one)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


class _LogForm(PortalForm):
    quantity = NumberField(
        _l("How much"),
        places=None,
        validators=[InputRequired()],
        render_kw={"inputmode": "decimal", "step": "any"},
    )

    def validate_quantity(self, field: NumberField) -> None:
        # The intake rules check this too (and the upper bounds); here it is reported together
        # with the form's other errors.
        if field.data is not None and field.data <= 0:
            raise ValidationError(_l("The quantity must be greater than zero."))

    unit = SelectField(_l("Unit"))
    occurred_at = DateTimeLocalField(
        _l("When (start)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=200)])


# What a self-report must attach, by the image tiers its methodology accepts: (the field's
# label, the sentence that announces it on the scenario list and at the top of the form).
_EVIDENCE = {
    frozenset({"photo"}): (_l("Photo evidence"), _l("Evidence needed: a photo.")),
    frozenset({"document"}): (
        _l("Picture of the document"),
        _l("Evidence needed: a picture of a document (invoice, certificate or GPS track)."),
    ),
    frozenset({"photo", "document"}): (
        _l("Photo or picture of a document"),
        _l(
            "Evidence needed: a photo, or a picture of a document "
            "(invoice, certificate or GPS track)."
        ),
    ),
}
_IMAGE_TIERS = frozenset({"photo", "document"})


def _evidence(spec: VersionSpec) -> tuple[Any, Any] | None:
    # The intake's rule decides whether an image is needed; the accepted tiers say which.
    if not requires_photo(spec):
        return None
    return _EVIDENCE[frozenset(spec.evidence_tiers) & _IMAGE_TIERS]


def evidence_needed(spec: VersionSpec) -> str | None:
    """The sentence saying which image a self-report of this version must attach, or None when
    the citizen's word is enough."""
    evidence = _evidence(spec)
    return None if evidence is None else str(evidence[1])


def _evidence_field(spec: VersionSpec) -> FileField:
    """The image upload: required, and labelled with what to attach, when the methodology
    needs evidence; optional otherwise."""
    evidence = _evidence(spec)
    accepted = FileAllowed(["jpg", "jpeg", "png", "webp"], _l("Choose a JPEG, PNG or WebP photo."))
    render_kw = {"accept": "image/jpeg,image/png,image/webp"}
    if evidence is None:
        return FileField(
            _l("Photo evidence"),
            validators=[Optional(), accepted],
            description=_l("Optional. JPEG, PNG or WebP, at most 5 MB."),
            render_kw=render_kw,
        )
    label, sentence = evidence
    return FileField(
        _l("%(what)s (required)", what=label),
        validators=[DataRequired(message=sentence), accepted],
        description=_l("JPEG, PNG or WebP, at most 5 MB."),
        render_kw=render_kw,
    )


def make_log_form(spec: VersionSpec, category: str, language: str, **kwargs: Any) -> _LogForm:
    """A form for one methodology: its unit family, trip end for transport, its record
    parameters, and an image field (required, and saying what to attach, when the methodology
    needs evidence)."""
    dimension = get_unit(spec.activity_unit).dimension
    attrs: dict[str, Any] = {}
    if category == TRIP_CATEGORY:
        attrs["ended_at"] = DateTimeLocalField(
            _l("When did it end"),
            format="%Y-%m-%dT%H:%M",
            validators=[Optional()],
            description=_l("Optional; helps us check the trip."),
        )
    for parameter in spec.parameters:
        label = parameter.label_zh if language == "zh" else parameter.label_en
        unit = UNITS.get(parameter.unit)
        if unit is not None and not parameter.is_flag:
            label = str(_l("%(label)s (%(unit)s)", label=label, unit=unit.label(language)))
        if parameter.is_flag:
            attrs[f"param_{parameter.name}"] = BooleanField(label)
        else:
            attrs[f"param_{parameter.name}"] = NumberField(
                label,
                places=None,
                validators=[
                    InputRequired() if parameter.default is None else Optional(),
                    NumberRange(min=0),
                ],
                render_kw={"inputmode": "decimal", "step": "any"},
            )
    attrs["photo"] = _evidence_field(spec)
    form_class = type("LogForm", (_LogForm,), attrs)
    form: _LogForm = form_class(**kwargs)
    form.unit.choices = [
        SelectChoice(u.code, u.label(language)) for u in UNITS.values() if u.dimension == dimension
    ]
    if not form.unit.data:
        form.unit.data = spec.activity_unit
    return form


class AppealForm(PortalForm):
    comment = TextAreaField(
        _l("Why should the decision change?"),
        validators=[DataRequired(), Length(min=5, max=1000)],
        render_kw={"rows": 3},
    )


class EmptyForm(PortalForm):
    """A form with only the CSRF token, for buttons that change something."""


class ChangePasswordForm(PortalForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        description=PASSWORD_RULE,
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class DeleteAccountForm(PortalForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    understood = BooleanField(
        _l("I understand that this deletes my account for good and cannot be undone"),
        validators=[DataRequired(message=_l("Tick the box to confirm that you understand."))],
    )
