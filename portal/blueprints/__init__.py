"""One blueprint per audience (CONVENTIONS rule 6): prefix set here, role guard in before_request.

``AUDIENCES`` is the single table of who may enter which blueprint; the authorisation-matrix
test walks every route against it, so a new blueprint is covered as soon as it is listed.
"""

from __future__ import annotations

from flask import Blueprint, Flask, request
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as BaseResponse

from portal.accounts.models import Role
from portal.web import NAV, require_role

# blueprint name -> (url prefix, role required: None = any logged-in user, "public" = anyone)
AUDIENCES: dict[str, tuple[str, Role | str | None]] = {
    "public": ("", "public"),
    "auth": ("/auth", "public"),
    "citizen": ("/me", Role.CITIZEN),
    "admin": ("/admin", Role.ADMIN),
}


def _blueprints() -> list[Blueprint]:
    from portal.blueprints.admin.views import bp as admin
    from portal.blueprints.auth.views import bp as auth
    from portal.blueprints.citizen.views import bp as citizen
    from portal.blueprints.public.views import bp as public

    return [public, auth, citizen, admin]


def _guard() -> BaseResponse | None:
    """The role guard of whichever audience blueprint the request is for."""
    if request.blueprint is None:
        return None
    role = AUDIENCES[request.blueprint.partition(".")[0]][1]
    if role == "public":
        return None
    return require_role(role if isinstance(role, Role) else None)


def register_blueprints(app: Flask) -> None:
    for bp in _blueprints():
        app.register_blueprint(bp, url_prefix=AUDIENCES[bp.name][0] or None)
    # Blueprint objects are module-level and shared by every app built in one process, so the
    # guard is attached to the app (once per app) and looks the audience up by blueprint name.
    app.before_request(_guard)


NAV.extend(
    [
        ("citizen.account", _l("My account"), Role.CITIZEN),
        ("admin.dashboard", _l("Administration"), Role.ADMIN),
    ]
)
