"""Who is asking: the login manager's user loader, the role guard, the navigation a user's roles
open, and the client's address for the audit log."""

from __future__ import annotations

import ipaddress
from typing import Any

from flask import Flask, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.accounts.models import AUDIT_IP_LENGTH, Role, User
from portal.accounts.queries import get_user_with_roles
from portal.extensions import htmx, login_manager
from portal.notifications.queries import UNREAD_SHOWN_MAX, count_unread

# Navigation by role: (endpoint, label, role needed). Later audiences add their entries here.
NAV: list[tuple[str, Any, Role | None]] = []


def client_ip() -> str | None:
    """The client's address for the audit log, when it is one. Behind the proxies that
    ``TRUSTED_PROXY_HOPS`` trusts it comes from X-Forwarded-For, whose text a proxy passes on."""
    try:
        address = str(ipaddress.ip_address(request.remote_addr or ""))
    except ValueError:
        return None
    return address if len(address) <= AUDIT_IP_LENGTH else None


def require_role(role: Role | frozenset[Role] | None) -> BaseResponse | None:
    """Guard for a blueprint's ``before_request``: log in first, then hold ``role`` (or one of
    a set of roles)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    roles = frozenset({role}) if isinstance(role, Role) else role
    if roles is not None and not any(current_user.has_role(r) for r in roles):
        abort(403)
    return None


def nav_items() -> list[tuple[str, str]]:
    """The menu's links for the reader's roles and language, built once per pair and kept on
    the app (every page shows the menu; its URLs and labels never change while it runs)."""
    held = frozenset(
        role
        for _endpoint, _label, role in NAV
        if role is not None and current_user.is_authenticated and current_user.has_role(role)
    )
    built: dict[tuple[str, frozenset[Role]], list[tuple[str, str]]]
    built = current_app.extensions.setdefault("nav_items", {})
    key = (str(get_locale()), held)
    if key not in built:
        built[key] = [
            (url_for(endpoint), str(label))
            for endpoint, label, role in NAV
            if role is None or role in held
        ]
    return built[key]


def _unread_notifications() -> int:
    """The header bell's count for the logged-in user (0 for anyone else)."""
    return count_unread(current_user.id) if current_user.is_authenticated else 0


def _load_user(user_id: str) -> User | None:
    # get_id() is "<id>:<session_version>"; an old version means the password has changed.
    raw_id, _sep, version = user_id.partition(":")
    if not raw_id.isdigit() or not version.isdigit():
        return None
    user = get_user_with_roles(int(raw_id))
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user


def _unauthorized() -> BaseResponse:
    login_url = url_for("auth.login", next=request.full_path.rstrip("?"))
    if request.blueprint == "api" or request.path.startswith("/api/"):
        return jsonify(error="unauthorized"), 401  # type: ignore[return-value]
    if htmx:
        # A swapped-in login form would land inside a fragment; send the whole page there.
        response = current_app.make_response(("", 204))
        response.headers["HX-Redirect"] = login_url
        return response
    flash(_("Please log in to see this page."), "info")
    return redirect(login_url)


def init_app(app: Flask) -> None:
    """Bind the login manager, and give templates the navigation and the roles."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    app.context_processor(
        lambda: {
            "nav_items": nav_items,
            "Role": Role,
            "unread_notifications": _unread_notifications,
            "unread_shown_max": UNREAD_SHOWN_MAX,
        }
    )
