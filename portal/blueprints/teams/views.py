"""Team pages for signed-in citizens. Members are listed only to the team's own members (and
its school's captain); everyone else sees counts and totals. Joining always passes through a
confirmation page; removing a member and handing over captaincy too."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import segno
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from portal.accounts.models import Role
from portal.accounts.queries import get_display_names
from portal.blueprints.shared.team_labels import team_labels
from portal.blueprints.teams import bp
from portal.blueprints.teams.forms import ActionForm, CodeForm, ConfirmJoinForm, TeamForm
from portal.blueprints.teams.volunteering import team_page_context
from portal.clock import local_midnight, local_today, utcnow
from portal.errors import DomainError
from portal.extensions import limiter
from portal.teams import invites, queries, rules, services
from portal.teams.models import Team, TeamInvite
from portal.teams.pk import queries as pk_queries
from portal.web.auth import client_ip
from portal.web.errors import attach_error
from portal.web.htmx import render

bp.context_processor(team_labels)


def _team(team_id: int) -> Team:
    team = queries.get_team(team_id)
    if team is None:
        abort(404)
    return team


def _captained(team_id: int) -> Team:
    team = _team(team_id)
    if team.captain_id != current_user.id or team.closed_at is not None:
        abort(404)  # the captain's tools do not exist for anyone else
    return team


@bp.get("")
def index() -> BaseResponse:
    mine = queries.list_my_teams(current_user.id)
    counts = queries.count_members([t.id for t in mine])
    return render("teams/index.html", mine=mine, counts=counts, code_form=CodeForm())


@bp.route("/new", methods=["GET", "POST"])
def new() -> BaseResponse:
    schools = queries.list_schools_for(current_user.id)
    form = TeamForm(schools=[(s.id, s.name) for s in schools])
    if request.method == "GET":
        form.kind.data = request.args.get("kind", rules.VOLUNTEER)
        form.parent_id.data = request.args.get("parent", "")
        form.size_limit.data = str(rules.DEFAULT_SIZE.get(form.kind.data, 50))
    if form.validate_on_submit():
        try:
            team = services.create_team(
                actor=current_user,
                name=form.name.data or "",
                kind=form.kind.data or "",
                bracket=form.bracket.data,
                parent_id=form.parent if form.kind.data == rules.CLASS else None,
                size_limit=form.limit,
                ip=client_ip(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Team created. Share the invite below."), "success")
            return redirect(url_for("teams.invite", team_id=team.id))
    status = 422 if form.is_submitted() else 200
    may_institution = current_user.has_role(Role.TEAM_CAPTAIN)
    return render("teams/new.html", form=form, may_institution=may_institution, status=status)


@bp.get("/<int:team_id>")
def team(team_id: int) -> BaseResponse:
    item = _team(team_id)
    month_start = local_midnight(local_today().replace(day=1)).astimezone(UTC)
    classes = queries.list_classes(item.id) if item.kind == rules.SCHOOL else []
    parent = queries.get_team(item.parent_id) if item.parent_id else None
    may_see = queries.may_see_members(item, current_user.id)
    members = queries.list_members(item) if may_see else None
    return render(
        "teams/team.html",
        team=item,
        parent=parent,
        classes=classes,
        class_counts=queries.count_members([c.id for c in classes]),
        month=queries.get_figures(item, month_start),
        ever=queries.get_figures(item, None),
        members=members,
        member_count=queries.count_members([item.id])[item.id],
        is_member=queries.get_open_membership(item.id, current_user.id) is not None,
        is_captain=item.captain_id == current_user.id,
        may_add_class=queries.may_add_class(item, current_user),
        captain_name=get_display_names([item.captain_id])[item.captain_id] if may_see else None,
        action_form=ActionForm(),
        **team_page_context(item, [m.user_id for m in members] if members is not None else None),
        challenges=[(c, pk_queries.phase_of(c)) for c in pk_queries.list_for_team(item.id)],
        leagues=pk_queries.list_open_leagues(item.bracket),
    )


@bp.get("/<int:team_id>/invite")
def invite(team_id: int) -> BaseResponse:
    item = _captained(team_id)
    current = queries.get_current_invite(item.id)
    return render("teams/invite.html", team=item, **_invite_context(current))


def _invite_context(current: TeamInvite | None) -> dict[str, Any]:
    if current is None or current.expires_at <= utcnow():
        return {"invite": None, "action_form": ActionForm()}
    link = url_for("teams.invite_link", token=queries.invite_token(current), _external=True)
    return {
        "invite": current,
        "link": link,
        "code": invites.shown_code(current.code),
        # segno's SVG is a path with attributes only, no script or style, so the CSP holds.
        "qr_svg": Markup(segno.make(link, error="m").svg_inline(scale=4)),
        "action_form": ActionForm(),
    }


@bp.post("/<int:team_id>/invite/rotate")
def rotate(team_id: int) -> BaseResponse:
    item = _captained(team_id)
    if ActionForm().validate_on_submit():
        try:
            services.rotate_invite(actor=current_user, team_id=item.id, ip=client_ip())
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("New invite made: the old link and code no longer work."), "success")
    return redirect(url_for("teams.invite", team_id=item.id))


# A code is 8 characters of 31 (about 40 bits): guessing one takes far more tries than this.
@bp.route("/join", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def join() -> BaseResponse:
    form = CodeForm()
    if form.validate_on_submit():
        try:
            found = queries.resolve_invite(code=form.code.data or "")
        except DomainError as error:
            attach_error(form, error)
        else:
            confirm = ConfirmJoinForm(formdata=None, code=found.code)
            return _confirm_page(found, confirm)
    status = 422 if form.is_submitted() else 200
    return render("teams/join.html", form=form, status=status)


@bp.get("/invite/<token>")
def invite_link(token: str) -> BaseResponse:
    try:
        found = queries.resolve_invite(token=token)
    except DomainError as error:
        return render("teams/join.html", form=CodeForm(), problem=error.message, status=410)
    return _confirm_page(found, ConfirmJoinForm(formdata=None, token=token))


def _confirm_page(found: TeamInvite, form: ConfirmJoinForm) -> BaseResponse:
    item = _team(found.team_id)
    held = [t for _m, t in queries.open_memberships(current_user.id, item.bracket)]
    return render(
        "teams/confirm.html",
        team=item,
        form=form,
        member_count=queries.count_members([item.id])[item.id],
        held=held,
    )


@bp.post("/join/confirm")
def confirm() -> BaseResponse:
    form = ConfirmJoinForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        membership = services.join_team(
            actor=current_user,
            token=form.token.data or None,
            code=None if form.token.data else (form.code.data or ""),
            ip=client_ip(),
        )
    except DomainError as error:
        return render(
            "teams/join.html", form=CodeForm(formdata=None), problem=error.message, status=409
        )
    flash(_("Welcome to the team."), "success")
    return redirect(url_for("teams.team", team_id=membership.team_id))


@bp.route("/<int:team_id>/leave", methods=["GET", "POST"])
def leave(team_id: int) -> BaseResponse:
    item = _team(team_id)
    if queries.get_open_membership(item.id, current_user.id) is None:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            services.leave_team(actor=current_user, team_id=item.id, ip=client_ip())
        except DomainError as error:
            flash(str(error.message), "error")
            return redirect(url_for("teams.team", team_id=item.id))
        flash(_("You left the team. What you did while a member still counts for it."), "success")
        return redirect(url_for("teams.index"))
    return render("teams/action.html", team=item, action="leave", form=form, alias=None)


@bp.route("/<int:team_id>/members/<int:user_id>/remove", methods=["GET", "POST"])
def remove_member(team_id: int, user_id: int) -> BaseResponse:
    return _member_action(team_id, user_id, "remove")


@bp.route("/<int:team_id>/members/<int:user_id>/captain", methods=["GET", "POST"])
def make_captain(team_id: int, user_id: int) -> BaseResponse:
    return _member_action(team_id, user_id, "captain")


def _member_action(team_id: int, user_id: int, action: str) -> BaseResponse:
    item = _captained(team_id)
    if user_id == current_user.id or queries.get_open_membership(item.id, user_id) is None:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            if action == "remove":
                services.remove_member(
                    actor=current_user, team_id=item.id, user_id=user_id, ip=client_ip()
                )
            else:
                services.hand_over(
                    actor=current_user, team_id=item.id, to_user_id=user_id, ip=client_ip()
                )
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(
                _("Member removed.") if action == "remove" else _("Captaincy handed over."),
                "success",
            )
        return redirect(url_for("teams.team", team_id=item.id))
    alias = get_display_names([user_id])[user_id]
    return render("teams/action.html", team=item, action=action, form=form, alias=alias)
