"""Forms of the privacy settings and the guardian pages: shape only; the services check the
rules (who is a minor, who may agree)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from portal.blueprints.shared.forms import PortalForm, birth_year_field


class PrivacySettingsForm(PortalForm):
    alias = StringField(
        _l("Public alias"),
        validators=[DataRequired(), Length(min=1, max=40)],
        description=_l(
            "What others see instead of your phone number or email, for example on a "
            "project's list of donors. It is also the display name of your profile."
        ),
        render_kw={"autocomplete": "nickname"},
    )
    is_publicly_listed = BooleanField(
        _l("Show my alias on public lists"),
        description=_l(
            "Lists of donors, leaderboards and teams. If you leave this off you appear as "
            "“Anonymous”. People under 14 are never shown."
        ),
    )


class InviteGuardianForm(PortalForm):
    contact = StringField(
        _l("Your guardian's mobile number or email"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"inputmode": "email", "autocapitalize": "off", "autocomplete": "off"},
    )


class GuardianConsentForm(PortalForm):
    """The confirmation step: the guardian ticks that they are the parent or legal guardian
    and agree; the year of birth is asked only when their account has none."""

    confirm = BooleanField(
        _l(
            "I am this child's parent or legal guardian, I have read the privacy notice, and I "
            "agree that they may redeem and donate their carbon points."
        ),
        validators=[DataRequired(message=_l("Tick the box to confirm your consent."))],
    )
    birth_year = birth_year_field(_l("Only an adult (18 or over) may agree as a guardian."))
