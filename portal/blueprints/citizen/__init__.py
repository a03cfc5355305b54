"""The citizen's own pages (``views``), their carbon account (``account``), their notification
inbox (``notifications``), their badge wall (``badges``), their data: download, account
deletion and privacy settings (``privacy``), guardian consent
(``guardian``), and where their pooled reductions went (``traceability``)."""

from flask import Blueprint

bp = Blueprint("citizen", __name__)

from portal.blueprints.citizen import (  # noqa: E402,F401
    account,
    badges,
    guardian,
    notifications,
    privacy,
    shares,
    traceability,
    views,
)
