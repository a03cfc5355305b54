"""The buyer's forms: an order (organisation and tonnes), its confirmation with the one-time
token that keys it, and the confirmation of a cancel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, ValidationError

from portal.blueprints.shared.forms import PortalForm
from portal.errors import InvalidInput
from portal.market.order_rules import order_tonnes


class OrderForm(PortalForm):
    org_id = SelectField(_l("Buying organisation"), coerce=str)
    tonnes = StringField(
        _l("Tonnes"),
        validators=[InputRequired(_l("Enter how many tonnes to order."))],
        description=_l("Whole tonnes, at least 1."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )

    def validate_tonnes(self, field: StringField) -> None:
        try:
            order_tonnes(field.data or "")
        except InvalidInput as error:
            raise ValidationError(str(error.message)) from error

    @property
    def amount(self) -> int:
        return order_tonnes(self.tonnes.data or "")

    @property
    def org(self) -> int:
        return int(self.org_id.data or 0)


class ConfirmOrderForm(OrderForm):
    token = HiddenField()


class CancelForm(PortalForm):
    """Only the CSRF token: the page before it asked to confirm."""
