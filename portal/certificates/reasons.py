"""Why a certificate was revoked: stored as a code (``Certificate.revoked_reason``) and put
into the reader's language only when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ISSUED_IN_ERROR = "issued_in_error"
ACHIEVEMENT_REVERSED = "achievement_reversed"
ACCOUNT_DELETED = "account_deleted"
FRAUD = "fraud"

REVOCATION_REASONS = {
    ISSUED_IN_ERROR: _l("Issued in error"),
    ACHIEVEMENT_REVERSED: _l("The achievement it certifies was reversed"),
    ACCOUNT_DELETED: _l("The holder deleted their account"),
    FRAUD: _l("Obtained by fraud"),
}
