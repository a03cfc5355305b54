"""The offer form (create and edit) and the publish / pause action. Shape only: the services
check ranges, the window, the cities and the image itself."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange

from portal.blueprints.shared.forms import PortalForm, city_choices
from portal.blueprints.shared.merchant_labels import OFFER_KIND_LABELS
from portal.blueprints.shared.methodology.fields import (
    MultiCheckboxField,
    WholeNumberField,
    strip,
)
from portal.clock import SHANGHAI
from portal.merchants.rules import MAX_INVENTORY, MAX_PER_PERSON, MAX_POINTS_COST, TERMS_MAX


class CountField(WholeNumberField):
    """A whole number from ``low`` to ``high``; anything else (a fraction, text, a sign, a
    number too large) gets the one message that says what is accepted."""

    def __init__(self, label: Any, low: int, high: int, **kwargs: Any) -> None:
        self.range_message = _l(
            "Enter a whole number from %(low)s to %(high)s.", low=low, high=high
        )
        super().__init__(
            label,
            validators=[
                InputRequired(message=self.range_message),
                NumberRange(low, high, message=self.range_message),
            ],
            render_kw={"inputmode": "numeric", "min": low, "max": high},
            **kwargs,
        )

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            self.data = None
            raise ValueError(self.range_message) from exc


class LocalDateTimeField(DateTimeLocalField):
    """A date and time typed in Beijing time, read as an aware datetime (and an aware one
    shown in Beijing time)."""

    def __init__(self, label: Any, **kwargs: Any) -> None:
        message = _l("Enter a date and time.")
        super().__init__(
            label, format="%Y-%m-%dT%H:%M", validators=[InputRequired(message=message)], **kwargs
        )

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Enter a date and time.")) from exc
        if self.data is not None:
            self.data = self.data.replace(tzinfo=SHANGHAI)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if self.data is None:
            return ""
        return str(self.data.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"))


def _image_accepted() -> FileAllowed:
    return FileAllowed(["jpg", "jpeg", "png", "webp"], _l("Choose a JPEG, PNG or WebP image."))


class OfferForm(PortalForm):
    kind = SelectField(_l("Kind of offer"), validators=[DataRequired()])
    title_zh = StringField(
        _l("Title in Chinese"),
        validators=[DataRequired(), Length(max=80)],
        filters=[strip],
        render_kw={"lang": "zh-CN"},
    )
    title_en = StringField(
        _l("Title in English"),
        validators=[DataRequired(), Length(max=120)],
        filters=[strip],
        render_kw={"lang": "en"},
    )
    terms_zh = TextAreaField(
        _l("Terms in Chinese"),
        validators=[DataRequired(), Length(max=TERMS_MAX)],
        filters=[strip],
        render_kw={"rows": 4, "lang": "zh-CN"},
    )
    terms_en = TextAreaField(
        _l("Terms in English"),
        validators=[DataRequired(), Length(max=TERMS_MAX)],
        filters=[strip],
        render_kw={"rows": 4, "lang": "en"},
    )
    points_cost = CountField(_l("Points cost"), 1, MAX_POINTS_COST)
    inventory = CountField(
        _l("Units available"),
        0,
        MAX_INVENTORY,
        description=_l("How many can still be redeemed."),
    )
    per_person_limit = CountField(_l("Limit per person"), 1, MAX_PER_PERSON)
    valid_from = LocalDateTimeField(_l("Valid from (Beijing time)"))
    valid_until = LocalDateTimeField(_l("Valid until (Beijing time)"))
    city_codes = MultiCheckboxField(
        _l("Cities served"), description=_l("None ticked: every city and prefecture of Jilin.")
    )
    image = FileField(
        _l("Image"),
        validators=[_image_accepted()],
        description=_l("JPEG, PNG or WebP, at most 5 MB; shown at 400 and 1,200 pixels wide."),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    # The revision and stock the form was opened on (an edit), so a concurrent edit is noticed
    # and units redeemed meanwhile are not handed out again.
    seen_revision = HiddenField()
    seen_inventory = HiddenField()

    def __init__(self, *args: Any, language: str = "zh", editing: bool = False, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.kind.choices = [(code, str(label)) for code, label in OFFER_KIND_LABELS.items()]
        self.city_codes.choices = city_choices(language)
        if editing:
            del self.kind
            self.image.description = _l("Leave empty to keep the current image.")
        else:
            self.image.validators = [FileRequired(_l("Choose an image.")), _image_accepted()]


class OfferMoveForm(PortalForm):
    move = HiddenField(validators=[AnyOf(("publish", "pause"))])


class VoucherCodeForm(PortalForm):
    """The code typed (or filled in by the camera) on the check page; the service normalises
    it and says what is wrong with it."""

    class Meta:
        csrf = False  # a GET lookup that changes nothing

    code = StringField(
        _l("Voucher code"),
        validators=[DataRequired(_l("Type the voucher code.")), Length(max=40)],
        filters=[strip],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class CheckForm(PortalForm):
    """Confirming the check of the voucher just looked up."""

    code = HiddenField(validators=[DataRequired()])
