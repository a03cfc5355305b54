"""Photo evidence: checked by content (not by file name), size-limited, stored by content hash."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from portal.activities.models import Evidence
from portal.db import session
from portal.errors import InvalidInput

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
# Pillow format name -> (content type, file extension)
ACCEPTED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


def sniff_image(data: bytes) -> tuple[str, str]:
    """The (content type, extension) of a JPEG, PNG or WebP image; InvalidInput otherwise.

    Pillow reads the bytes themselves, so a text file renamed ``.jpg`` is refused."""
    if len(data) > MAX_EVIDENCE_BYTES:
        raise InvalidInput(_l("The photo is larger than 5 MB."), field="photo")
    if not data:
        raise InvalidInput(_l("The photo is empty."), field="photo")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format or ""
            image.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise InvalidInput(_l("The file is not a JPEG, PNG or WebP image."), field="photo") from exc
    if image_format not in ACCEPTED_FORMATS:
        raise InvalidInput(_l("The file is not a JPEG, PNG or WebP image."), field="photo")
    return ACCEPTED_FORMATS[image_format]


def evidence_path(upload_dir: Path, sha256: str, content_type: str) -> Path:
    """Where the photo with this hash and type lives under ``upload_dir``."""
    extension = next(ext for ctype, ext in ACCEPTED_FORMATS.values() if ctype == content_type)
    return upload_dir / sha256[:2] / f"{sha256}.{extension}"


def store_evidence(data: bytes, *, user_id: int, upload_dir: Path) -> tuple[Evidence, bool]:
    """Save a photo under ``upload_dir/<first two hex digits>/<sha256>.<ext>`` (flush only).

    Returns the evidence row and whether the same bytes were uploaded before (by anyone): the
    caller flags such a record for review. The file is written once per distinct content.
    """
    content_type, _extension = sniff_image(data)
    digest = hashlib.sha256(data).hexdigest()
    seen_before = session().query(Evidence.id).filter(Evidence.sha256 == digest).first() is not None
    path = evidence_path(upload_dir, digest, content_type)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(data)
        temporary.replace(path)  # atomic: a reader never sees half a photo
    evidence = Evidence(
        sha256=digest, content_type=content_type, size_bytes=len(data), uploaded_by_id=user_id
    )
    session().add(evidence)
    session().flush()
    return evidence, seen_before
