"""Callable factories, one module per domain: each makes a valid row (or input) with sensible
defaults, overridable by keyword. Tests use them as ``from tests import factories`` and
``factories.make_user(...)``; a new domain adds its module here and re-exports its names."""

from portal.accounts.models import Role, User
from portal.db import session
from tests.factories.accounts import (
    ORG_KIND_FOR_ROLE,
    PASSWORD,
    log_in,
    make_membership,
    make_org,
    make_user,
    make_user_with_role,
)
from tests.factories.activities import (
    CYCLING,
    NOW,
    add_pending_rides,
    link,
    make_partner,
    make_record,
    partner_ride,
    record_row,
    ride,
)
from tests.factories.campaigns import CAMPAIGN_START, campaign_fields, fund, make_campaign
from tests.factories.certificates import DONATION_TEXT, add_reduction, make_certificate
from tests.factories.events import event_fields, make_event, make_organiser, retire_for_event
from tests.factories.gamification import credit, make_award, reduction_row
from tests.factories.guardians import invite, make_adult, make_consent, make_minor
from tests.factories.ledger import make_earn, make_spend
from tests.factories.mall import make_citizen_with_points, make_published_offer, make_voucher
from tests.factories.merchants import (
    VALID_USCC,
    image_bytes,
    make_merchant,
    make_offer,
    offer_terms,
)
from tests.factories.methodology import make_draft, methodology_id
from tests.factories.notifications import make_notification
from tests.factories.teams import add_interval, join, make_duel, make_team, shift
from tests.factories.volunteering import code_now, make_activity, move_window
from tests.factories.welfare import form_token, give_points, make_project, project_fields

__all__ = [
    "CAMPAIGN_START",
    "CYCLING",
    "DONATION_TEXT",
    "NOW",
    "ORG_KIND_FOR_ROLE",
    "PASSWORD",
    "VALID_USCC",
    "Role",
    "User",
    "add_interval",
    "add_pending_rides",
    "add_reduction",
    "campaign_fields",
    "code_now",
    "credit",
    "event_fields",
    "form_token",
    "fund",
    "give_points",
    "image_bytes",
    "invite",
    "join",
    "link",
    "log_in",
    "make_activity",
    "make_adult",
    "make_award",
    "make_campaign",
    "make_certificate",
    "make_citizen_with_points",
    "make_consent",
    "make_draft",
    "make_duel",
    "make_earn",
    "make_event",
    "make_membership",
    "make_merchant",
    "make_minor",
    "make_notification",
    "make_offer",
    "make_org",
    "make_organiser",
    "make_partner",
    "make_project",
    "make_published_offer",
    "make_record",
    "make_spend",
    "make_team",
    "make_user",
    "make_user_with_role",
    "make_voucher",
    "methodology_id",
    "move_window",
    "offer_terms",
    "partner_ride",
    "project_fields",
    "record_row",
    "reduction_row",
    "retire_for_event",
    "ride",
    "session",
    "shift",
]
