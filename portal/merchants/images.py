"""Offer images: the upload sniffed like every image (``portal.images``), then re-encoded from
its pixels alone into WebP thumbnails 400 and 1,200 pixels wide (never wider than the upload),
so no metadata (EXIF location, camera, comments) of the original is ever stored or served."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

from portal.db import session
from portal.errors import InvalidInput
from portal.images import UNREADABLE, not_an_image, sniff_image, write_once
from portal.merchants.models import OfferImage

FIELD = "image"
WIDTHS = (400, 1200)
MAX_PIXELS = 40_000_000  # decoding more would take hundreds of MB for one upload
MIN_SIDE = 64


def image_path(upload_dir: Path, sha256: str, width: int) -> Path:
    """Where the thumbnail of this width of the upload with this hash lives."""
    return upload_dir / "offers" / sha256[:2] / f"{sha256}-{width}.webp"


def _thumbnails(data: bytes) -> tuple[dict[int, bytes], tuple[int, int]]:
    """The WebP bytes of each width in ``WIDTHS``, and the size of the largest."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise InvalidInput(
                    _l("The image has too many pixels: at most 40 megapixels."), field=FIELD
                )
            if min(width, height) < MIN_SIDE:
                raise InvalidInput(
                    _l("The image is too small: at least 64 pixels on each side."), field=FIELD
                )
            picture = ImageOps.exif_transpose(opened).convert("RGBA")
    except UNREADABLE as exc:  # verify() passed but the pixels do not decode
        raise not_an_image(FIELD) from exc
    encoded: dict[int, bytes] = {}
    size = picture.size
    for target in WIDTHS:
        copy = picture.copy()
        copy.thumbnail((target, target * 4))
        out = io.BytesIO()
        copy.save(out, "WEBP", quality=82, method=4)  # a fresh image: no EXIF, XMP or ICC
        encoded[target] = out.getvalue()
        size = copy.size
    return encoded, size


def store_offer_image(data: bytes, *, merchant_id: int, user_id: int, upload_dir: Path) -> int:
    """Check and store an offer image (JPEG, PNG or WebP of at most 5 MB, 64 px to 40
    megapixels), returning its id. Flush-only; InvalidInput on the ``image`` field otherwise."""
    sniff_image(data, field=FIELD)
    encoded, (width, height) = _thumbnails(data)
    digest = hashlib.sha256(data).hexdigest()
    for target, webp in encoded.items():
        write_once(image_path(upload_dir, digest, target), webp)
    image = OfferImage(
        merchant_id=merchant_id, sha256=digest, width=width, height=height, uploaded_by_id=user_id
    )
    session().add(image)
    session().flush()
    return image.id
