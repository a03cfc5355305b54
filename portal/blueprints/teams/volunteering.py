"""Volunteer activities on the team pages: a captain creates one and shows its rotating check-in
code (and QR) on their screen; members type or scan it during the activity. What a team's page
adds: its activities, the viewer's volunteer hours, and for a school's or class's captain (the
teacher) how many current members took and passed each quiz, never who answered what."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import segno
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from portal.blueprints.teams import bp
from portal.blueprints.teams.forms import ActivityForm, CheckinForm
from portal.clock import SHANGHAI, utcnow
from portal.errors import DomainError
from portal.extensions import limiter
from portal.gamification.queries import count_quiz_participation
from portal.gamification.quizbank import load_quizzes
from portal.gamification.volunteering import queries, rules, services
from portal.gamification.volunteering.models import VolunteerActivity
from portal.teams import queries as team_queries
from portal.teams import rules as team_rules
from portal.teams.models import Team
from portal.web.auth import client_ip
from portal.web.errors import attach_error
from portal.web.htmx import render
from portal.web.i18n import language


def team_page_context(team: Team, members: list[int] | None) -> dict[str, Any]:
    """What the team page shows of volunteering and quizzes; ``members`` are the current
    members' ids when the viewer may see them (None: they may not)."""
    activities = queries.list_team_activities(team.id) if members is not None else []
    ids = [a.id for a in activities]
    teacher = team.kind in (team_rules.SCHOOL, team_rules.CLASS) and _is_teacher(team)
    return {
        "activities": activities,
        "checkin_counts": queries.count_checkins(ids),
        "checked_in": queries.checked_in_activity_ids(current_user.id, ids),
        "volunteer_minutes": queries.get_volunteer_minutes(current_user.id),
        "now": utcnow(),
        "quiz_rows": _quiz_rows(members or []) if teacher else None,
    }


def _is_teacher(team: Team) -> bool:
    if team.captain_id == current_user.id:
        return True
    parent = team_queries.get_team(team.parent_id) if team.parent_id else None
    return parent is not None and parent.captain_id == current_user.id


def _quiz_rows(member_ids: list[int]) -> list[dict[str, Any]]:
    """Per quiz: members who started and passed it, as counts and per-mille of the members."""
    counts = count_quiz_participation(member_ids)
    total = len(member_ids)
    lang = language()
    rows = []
    for quiz in load_quizzes():
        seen = counts.get(quiz.key)
        started, passed = (seen.attempted, seen.passed) if seen else (0, 0)
        rows.append(
            {
                "title": quiz.title.en if lang == "en" else quiz.title.zh,
                "started": started,
                "passed": passed,
                "started_permille": started * 1000 // total if total else 0,
                "passed_permille": passed * 1000 // total if total else 0,
            }
        )
    return rows


def _activity(activity_id: int) -> tuple[VolunteerActivity, Team]:
    """The activity and its team, for its captain and those who may see the members."""
    activity = queries.get_activity(activity_id)
    team = team_queries.get_team(activity.team_id) if activity else None
    if activity is None or team is None:
        abort(404)
    if team.captain_id != current_user.id and not team_queries.may_see_members(
        team, current_user.id
    ):
        abort(404)
    return activity, team


def _utc(local: datetime | None) -> datetime | None:
    """A datetime-local value, read as Beijing time, in UTC."""
    return local.replace(tzinfo=SHANGHAI).astimezone(UTC) if local else None


@bp.route("/<int:team_id>/activities/new", methods=["GET", "POST"])
def new_activity(team_id: int) -> BaseResponse:
    team = team_queries.get_team(team_id)
    if team is None or team.captain_id != current_user.id or team.closed_at is not None:
        abort(404)  # the captain's tools do not exist for anyone else
    form = ActivityForm()
    if form.validate_on_submit():
        try:
            activity = services.create_activity(
                actor=current_user,
                team_id=team.id,
                title=form.title.data or "",
                place=form.place.data or "",
                description=form.description.data or "",
                starts_at=_utc(form.starts_at.data),
                ends_at=_utc(form.ends_at.data),
                minutes=form.minutes.data,
                ip=client_ip(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Activity created. Open its check-in code when it starts."), "success")
            return redirect(url_for("teams.activity", activity_id=activity.id))
    status = 422 if form.is_submitted() else 200
    return render("teams/activity_new.html", team=team, form=form, status=status)


@bp.get("/activities/<int:activity_id>")
def activity(activity_id: int) -> BaseResponse:
    item, team = _activity(activity_id)
    form = CheckinForm(formdata=None, code=request.args.get("code", ""))
    return _activity_page(item, team, form)


def _activity_page(
    item: VolunteerActivity, team: Team, form: CheckinForm, status: int = 200
) -> BaseResponse:
    now = utcnow()
    return render(
        "teams/activity.html",
        activity=item,
        team=team,
        form=form,
        is_captain=team.captain_id == current_user.id,
        is_member=team_queries.get_open_membership(team.id, current_user.id) is not None,
        checkin=queries.get_checkin(item.id, current_user.id),
        checkin_count=queries.count_checkins([item.id])[item.id],
        is_open=rules.is_open(item.starts_at, item.ends_at, now),
        has_ended=now >= item.ends_at,
        status=status,
    )


def _member_key() -> str:
    return f"user:{current_user.id}"


# Two codes of a million are valid at a time: a guess succeeds once in 500,000 tries. Limited
# per person, not per address: a whole class checks in over one school network.
@bp.post("/activities/<int:activity_id>/checkin")
@limiter.limit("10 per minute;60 per hour", key_func=_member_key)
def check_in(activity_id: int) -> BaseResponse:
    item, team = _activity(activity_id)
    form = CheckinForm()
    if form.validate_on_submit():
        try:
            checkin, _awards = services.check_in(
                actor=current_user, activity_id=item.id, code=form.code.data or "", ip=client_ip()
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                _(
                    "Checked in. %(hours)s of volunteer time credited.",
                    hours=volunteer_hours(checkin.credited_minutes),
                ),
                "success",
            )
            return redirect(url_for("teams.activity", activity_id=item.id))
    return _activity_page(item, team, form, status=422)


@bp.get("/activities/<int:activity_id>/code")
def checkin_code(activity_id: int) -> BaseResponse:
    item, team = _activity(activity_id)
    if team.captain_id != current_user.id:
        abort(404)
    now = utcnow()
    context: dict[str, Any] = {"activity": item, "team": team, "is_open": False}
    if rules.is_open(item.starts_at, item.ends_at, now):
        code = rules.checkin_code(item.secret, now)
        link = url_for("teams.activity", activity_id=item.id, code=code, _external=True)
        context.update(
            is_open=True,
            code=code,
            seconds_left=rules.seconds_left(now),
            # segno's SVG is a path with attributes only, no script or style, so the CSP holds.
            qr_svg=Markup(segno.make(link, error="m").svg_inline(scale=4)),
            checkin_count=queries.count_checkins([item.id])[item.id],
        )
    return render(
        "teams/activity_code.html", partial="teams/partials/_checkin_code.html", **context
    )


def volunteer_hours(minutes: int) -> str:
    """Minutes as hours in the reader's language: 1.5 hours, 2 hours, 45 minutes."""
    if minutes < 60:
        return _("%(num)s min", num=minutes)
    tenths = minutes * 10 // 60
    shown = f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"
    return _("%(num)s h", num=shown)


bp.add_app_template_filter(volunteer_hours, "volunteer_hours")
