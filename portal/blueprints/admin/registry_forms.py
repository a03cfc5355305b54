"""The operator's registry forms: a price per tonne (list or relist), a payment's transfer
reference, and the bare confirmation of a close or a cancel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, ValidationError

from portal.blueprints.shared.forms import PortalForm
from portal.errors import InvalidInput
from portal.market.order_rules import payment_reference, price_fen


class PriceForm(PortalForm):
    price = StringField(
        _l("Price per tonne (yuan)"),
        validators=[InputRequired(_l("Enter the price per tonne."))],
        description=_l("Up to two decimals, such as 58.50."),
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )

    def validate_price(self, field: StringField) -> None:
        try:
            price_fen(field.data or "")
        except InvalidInput as error:
            raise ValidationError(str(error.message)) from error


class PaymentForm(PortalForm):
    reference = StringField(
        _l("Bank transfer reference"),
        validators=[InputRequired(_l("Enter the bank's transfer reference."))],
        description=_l("As the bank statement shows it (流水号)."),
        render_kw={"autocomplete": "off"},
    )

    def validate_reference(self, field: StringField) -> None:
        try:
            payment_reference(field.data)
        except InvalidInput as error:
            raise ValidationError(str(error.message)) from error


class ConfirmForm(PortalForm):
    """Only the CSRF token: the page asked to confirm."""
