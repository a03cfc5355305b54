"""Photo evidence: checked by content (not by file name), size-limited, stored by content hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

from portal.activities.models import Evidence
from portal.db import session
from portal.images import extension_of, sniff_image, write_once


def evidence_path(upload_dir: Path, sha256: str, content_type: str) -> Path:
    """Where the photo with this hash and type lives under ``upload_dir``."""
    return upload_dir / sha256[:2] / f"{sha256}.{extension_of(content_type)}"


def store_evidence(data: bytes, *, user_id: int, upload_dir: Path) -> tuple[Evidence, bool]:
    """Save a photo under ``upload_dir/<first two hex digits>/<sha256>.<ext>`` (flush only).

    Returns the evidence row and whether the same bytes were uploaded before (by anyone): the
    caller flags such a record for review. The file is written once per distinct content.
    """
    content_type, _extension = sniff_image(data, field="photo")
    digest = hashlib.sha256(data).hexdigest()
    seen_before = session().query(Evidence.id).filter(Evidence.sha256 == digest).first() is not None
    write_once(evidence_path(upload_dir, digest, content_type), data)
    evidence = Evidence(
        sha256=digest, content_type=content_type, size_bytes=len(data), uploaded_by_id=user_id
    )
    session().add(evidence)
    session().flush()
    return evidence, seen_before
