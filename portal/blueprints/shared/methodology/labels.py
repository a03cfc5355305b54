"""How methodology codes read: statuses, history actions and actors, factor confidence, evidence
kinds and cap periods, in both languages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.methodology.models import MethodologyStatus
from portal.methodology.services import SEED_CHANGE_NOTE

S = MethodologyStatus
STATUS_LABELS = {
    S.DRAFT: _l("Draft"),
    S.SUBMITTED: _l("Submitted"),
    S.UNDER_REVIEW: _l("Under review"),
    S.CHANGES_REQUESTED: _l("Changes requested"),
    S.FILED: _l("Filed"),
    S.SUSPENDED: _l("Suspended"),
    S.RETIRED: _l("Retired"),
}
# Tag classes of app.css: green for filed, amber while waiting, red when stopped.
STATUS_CLASSES = {
    S.DRAFT: "",
    S.SUBMITTED: "status-running",
    S.UNDER_REVIEW: "status-running",
    S.CHANGES_REQUESTED: "status-error",
    S.FILED: "status-ok",
    S.SUSPENDED: "status-error",
    S.RETIRED: "status-muted",
}
ACTION_LABELS = {
    "seed_filed": _l("Filed from the platform's sourced data"),
    "draft": _l("Draft started"),
    "edit": _l("Draft revised"),
    "submit": _l("Submitted for review"),
    "start_review": _l("Review started"),
    "request_changes": _l("Changes requested"),
    "file": _l("Filed (备案)"),
    "suspend": _l("Suspended"),
    "reinstate": _l("Reinstated"),
    "retire": _l("Retired"),
    "comment": _l("Comment"),
    "publish_version": _l("New version published"),
}
# Who acted, as the public history says it: the kind of organisation, never a person.
ACTOR_LABELS = {
    "platform": _l("Tanhui Jilin platform"),
    "developer": _l("Developer organisation"),
    "official": _l("Ecology official"),
    "operator": _l("Platform operator"),
}
PLATFORM_DEVELOPER = _l("Tanhui Jilin platform (seeded from sourced factor data)")

CONFIDENCE_LABELS = {
    "published": _l("Published"),
    "derived": _l("Derived"),
    "estimate": _l("Estimate"),
}
EVIDENCE_LABELS = {
    "self_report": _l("Self-report (no evidence)"),
    "photo": _l("Photo"),
    "document": _l("Document (invoice, certificate)"),
    "partner": _l("Partner data (metro, bus, bike, grid …)"),
}
PERIOD_LABELS = {"day": _l("Per day"), "month": _l("Per month"), "year": _l("Per year")}
# Change notes the platform itself stores, in the reader's language (a person's note is shown
# as written).
CHANGE_NOTE_LABELS = {SEED_CHANGE_NOTE: _l("Filed from the platform's sourced factor data.")}
