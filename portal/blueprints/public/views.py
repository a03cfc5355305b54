"""Pages anyone may see: home, privacy notice, language switch, health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, request, session
from flask_login import current_user
from sqlalchemy import text
from werkzeug.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse

from portal.accounts import services as accounts
from portal.extensions import csrf, db
from portal.market.figures import registry_figures
from portal.methodology.catalog import scenarios_by_category
from portal.stats.queries import get_headline_counters
from portal.web.htmx import render
from portal.web.i18n import SUPPORTED_LOCALES
from portal.web.offer_images import send_offer_image
from portal.web.security import safe_next

bp = Blueprint("public", __name__)


@bp.get("/")
def home() -> Response:
    return render(
        "public/home.html",
        counters=get_headline_counters(),
        categories=scenarios_by_category(),
        registry=registry_figures(),
    )


@bp.get("/privacy")
def privacy() -> Response:
    return render("public/privacy.html", version=current_app.config["PRIVACY_NOTICE_VERSION"])


@bp.post("/language")
def set_language() -> Response:
    locale = request.form.get("locale", "")
    target = safe_next(request.form.get("next"), "/")
    if locale in SUPPORTED_LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            accounts.set_locale(current_user.id, locale)
    return redirect(target)


@bp.get("/healthz")
@csrf.exempt
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any driver error means the database cannot serve requests
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        return jsonify(status="error", db="error"), 503
    return jsonify(status="ok", db="ok"), 200


@bp.get("/offer-images/<int:image_id>/<int:width>.webp")
def offer_image(image_id: int, width: int) -> BaseResponse:
    return send_offer_image(image_id, width)
