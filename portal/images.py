"""Uploaded images, checked by content (not by file name) and size-limited, and files written so
that a reader never sees half of one. Shared by evidence photos and merchants' offer images."""

from __future__ import annotations

import io
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from portal.errors import InvalidInput

MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Pillow format name -> (content type, file extension)
ACCEPTED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
# What Pillow raises for bytes that are not a whole image of a format it reads.
UNREADABLE = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    Image.DecompressionBombError,
)


def not_an_image(field: str) -> InvalidInput:
    return InvalidInput(_l("The file is not a JPEG, PNG or WebP image."), field=field)


def sniff_image(data: bytes, *, field: str = "photo") -> tuple[str, str]:
    """The (content type, extension) of a JPEG, PNG or WebP image of at most 5 MB;
    InvalidInput naming ``field`` otherwise.

    Pillow reads the bytes themselves, so a text file renamed ``.jpg`` is refused."""
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput(_l("The file is larger than 5 MB."), field=field)
    if not data:
        raise InvalidInput(_l("The file is empty."), field=field)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format or ""
            image.verify()
    except UNREADABLE as exc:
        raise not_an_image(field) from exc
    if image_format not in ACCEPTED_FORMATS:
        raise not_an_image(field)
    return ACCEPTED_FORMATS[image_format]


def extension_of(content_type: str) -> str:
    """The file extension of one of the accepted content types."""
    return next(ext for ctype, ext in ACCEPTED_FORMATS.values() if ctype == content_type)


def write_once(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` unless it is there already (files are named by content)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    temporary.write_bytes(data)
    temporary.replace(path)  # atomic: a reader never sees half a file
