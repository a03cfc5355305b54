"""Serving an uploaded evidence photo, privately, to the citizen and the reviewing official."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, send_file
from werkzeug.wrappers import Response as BaseResponse

from portal.activities.evidence import evidence_path
from portal.activities.models import Evidence
from portal.extensions import db


def send_evidence(evidence_id: int, *, owner_id: int | None = None) -> BaseResponse:
    """Serve an evidence photo privately; with ``owner_id`` only to the citizen who uploaded it."""
    item = db.session.get(Evidence, evidence_id)
    if item is None or (owner_id is not None and item.uploaded_by_id != owner_id):
        abort(404)
    path = evidence_path(
        Path(current_app.instance_path) / "uploads", item.sha256, item.content_type
    )
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=item.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
