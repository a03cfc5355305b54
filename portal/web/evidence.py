"""Serving an uploaded evidence photo, privately, to the citizen who uploaded it and to an
ecology official reviewing its record (a read the audit log keeps for the citizen)."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, send_file
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.activities.evidence import evidence_path
from portal.activities.models import Evidence
from portal.activities.review import open_evidence_for_review
from portal.errors import DomainError
from portal.extensions import db
from portal.market.services import open_sample_evidence
from portal.web.auth import client_ip


def _send(item: Evidence) -> BaseResponse:
    path = evidence_path(
        Path(current_app.instance_path) / "uploads", item.sha256, item.content_type
    )
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=item.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_own_evidence(evidence_id: int, *, owner_id: int) -> BaseResponse:
    """The photo, only to the citizen who uploaded it (404 to anyone else)."""
    item = db.session.get(Evidence, evidence_id)
    if item is None or item.uploaded_by_id != owner_id:
        abort(404)
    return _send(item)


def send_evidence_for_review(evidence_id: int) -> BaseResponse:
    """The photo of a record in or through review, to the logged-in official; the read is
    audited (``activities.review.open_evidence_for_review``). 404 for any other photo."""
    try:
        item = open_evidence_for_review(actor=current_user, evidence_id=evidence_id, ip=client_ip())
    except DomainError:
        abort(404)
    return _send(item)


def send_sample_evidence(batch_id: int, item_id: int) -> BaseResponse:
    """The photo of a record in a registry batch's audit sample, to the logged-in official;
    the read is audited (``market.services.open_sample_evidence``). 404 when it has none."""
    try:
        item = open_sample_evidence(
            actor=current_user, batch_id=batch_id, item_id=item_id, ip=client_ip()
        )
    except DomainError:
        abort(404)
    return _send(item)
