"""Serving an offer image's thumbnail: to anyone while an offer shows it published, and to the
staff of the merchant that uploaded it (a draft's image is theirs alone); 404 to anyone else."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, send_file
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.merchants.images import WIDTHS, image_path
from portal.merchants.queries import get_visible_image


def send_offer_image(image_id: int, width: int) -> BaseResponse:
    if width not in WIDTHS:
        abort(404)
    user_id = current_user.id if current_user.is_authenticated else None
    image = get_visible_image(image_id, user_id)
    if image is None:
        abort(404)
    path = image_path(Path(current_app.instance_path) / "uploads", image.sha256, width)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype="image/webp", max_age=0)
