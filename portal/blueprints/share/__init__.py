"""Public share pages and their posters at ``/s/<code>``: what a holder chose to make public
(a badge award, a certificate, a team's result), with their alias only. A code nobody shared,
a withdrawn share or a holder who may no longer share is a 404."""

from flask import Blueprint

bp = Blueprint("share", __name__)

from portal.blueprints.share import views  # noqa: E402,F401
