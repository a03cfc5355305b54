"""A ledger transaction's kind (a code stored with it) in the reader's language, for the
citizen's account page and statement. A kind not listed here reads as "Other points movement"
with its code, so a new kind from another domain never shows a blank or an error."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "reduction_credit": _l("Points for verified reductions"),
    "reduction_reversal": _l("Reduction reversed"),
    "points_expiry": _l("Points expired"),
    "redemption": _l("Redeemed in the points mall"),
    "redemption.refund": _l("Refund of a cancelled voucher"),
    "donation": _l("Donation to a public-welfare project"),
    "demo_opening": _l("Demo opening balance"),
    "campaign.bonus": _l("Campaign bonus points"),
    "campaign.clawback": _l("Campaign bonus returned (the record was replaced)"),
    "account_deletion.forfeit": _l("Balance forfeited when the account was deleted"),
}


def kind_label(kind: str) -> str:
    """The words for ``kind`` in the current language."""
    label = KIND_LABELS.get(kind)
    if label is not None:
        return str(label)
    return _("Other points movement (%(kind)s)", kind=kind)
