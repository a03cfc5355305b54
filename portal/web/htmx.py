"""Page or fragment: the one helper that answers an htmx request with a partial."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, render_template

from portal.extensions import htmx


def render(
    template: str, partial: str | None = None, status: int = 200, **context: Any
) -> Response:
    """Render ``template``; for an htmx request (not a boosted navigation) render only ``partial``.

    The one place that decides page vs fragment (CONVENTIONS rule 9); sets ``Vary: HX-Request``.
    """
    name = partial if partial and htmx and not htmx.boosted else template
    response = current_app.make_response((render_template(name, **context), status))
    response.vary.add("HX-Request")
    return response
