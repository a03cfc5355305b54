"""Ecology officials and platform administrators: the queue of merchant applications, each
approved or rejected with a reason the applicant reads."""

from flask import Blueprint

bp = Blueprint("merchant_review", __name__)

from portal.blueprints.merchant_review import views  # noqa: E402,F401
