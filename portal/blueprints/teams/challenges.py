"""Team PK pages: a captain challenges another team of the bracket or opens a league; a
challenge's page with its live standings (an htmx partial that polls while the challenge is
running or in review and stops once final), the challenged captain's answer and the league's
entry for other captains."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.blueprints.shared.team_labels import scenario_title
from portal.blueprints.teams import bp
from portal.blueprints.teams.forms import ActionForm, ChallengeForm
from portal.clock import local_today
from portal.errors import DomainError
from portal.sharing.models import ShareKind
from portal.sharing.queries import list_live_shares
from portal.sharing.rules import may_share
from portal.teams import queries as team_queries
from portal.teams.models import Team
from portal.teams.pk import queries, results, rules, services
from portal.teams.pk.models import TeamChallenge
from portal.web.auth import client_ip
from portal.web.errors import attach_error
from portal.web.htmx import render
from portal.web.i18n import localized

POLL_SECONDS = 30


def _captained(team_id: int) -> Team:
    team = team_queries.get_team(team_id)
    if team is None or team.captain_id != current_user.id or team.closed_at is not None:
        abort(404)
    return team


def _challenge(challenge_id: int) -> TeamChallenge:
    challenge = queries.get_challenge(challenge_id)
    if challenge is None:
        abort(404)
    return challenge


@bp.route("/<int:team_id>/challenge", methods=["GET", "POST"])
def new_challenge(team_id: int) -> BaseResponse:
    team = _captained(team_id)
    scenarios = {m.scenario_code: localized(m, "title") for m in queries.list_scenarios()}
    form = ChallengeForm(
        rivals=[(t.id, t.name) for t in queries.list_rivals(team)],
        scenarios=sorted(scenarios.items(), key=lambda item: item[1]),
    )
    if request.method == "GET" and request.args.get("rival", "").isdigit():
        form.rival_id.data = request.args["rival"]
    if form.validate_on_submit():
        terms = services.Terms(
            metric=form.metric.data,
            scenario=form.scenario.data or None,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            review_hours=int(current_app.config["TEAM_PK_REVIEW_HOURS"]),
        )
        try:
            if form.rival is None:
                challenge = services.open_league(
                    actor=current_user, team_id=team.id, terms=terms, ip=client_ip()
                )
                flash(
                    _("League opened: teams of your bracket may join until it starts."), "success"
                )
            else:
                challenge = services.propose_duel(
                    actor=current_user,
                    team_id=team.id,
                    rival_id=form.rival,
                    terms=terms,
                    ip=client_ip(),
                )
                flash(_("Challenge sent: the other captain has been told."), "success")
        except DomainError as error:
            attach_error(form, error)
        else:
            return redirect(url_for("teams.challenge", challenge_id=challenge.id))
    status = 422 if form.is_submitted() else 200
    return render("teams/challenge_new.html", team=team, form=form, status=status)


@bp.get("/challenges/<int:challenge_id>")
def challenge(challenge_id: int) -> BaseResponse:
    item = _challenge(challenge_id)
    phase = queries.phase_of(item)
    entries = queries.list_entries(item.id)
    may_answer = (
        phase == rules.PROPOSED and queries.awaiting_entry(item.id, current_user.id) is not None
    )
    joinable = []
    if item.kind == rules.LEAGUE and phase == rules.UPCOMING:
        entered = {t.id for _, t in entries}
        joinable = [
            t
            for t in team_queries.list_my_teams(current_user.id)
            if t.captain_id == current_user.id and t.bracket == item.bracket and t.id not in entered
        ]
    return render(
        "teams/challenge.html",
        entries=entries,
        may_answer=may_answer,
        joinable=joinable,
        certificate_code=queries.get_certificate_code(item.id, current_user.id),
        action_form=ActionForm(),
        **_result_context(item.id),
        **_standings_context(item, phase),
    )


def _result_context(challenge_id: int) -> dict[str, object]:
    """The reader's team-result certificate, and the share of their team's final result
    (offered to a member at the end or the captain who ``may_share``)."""
    entry_id = results.shareable_entry_id(challenge_id, current_user.id)
    if entry_id is None or not may_share(current_user, local_today()):
        entry_id = None
    shares = list_live_shares(current_user.id) if entry_id is not None else {}
    return {
        "result_certificate_code": results.get_result_certificate_code(
            challenge_id, current_user.id
        ),
        "share_result": entry_id is not None,
        "result_share_code": shares.get((ShareKind.TEAM_RESULT, str(entry_id))),
    }


@bp.get("/challenges/<int:challenge_id>/standings")
def challenge_standings(challenge_id: int) -> BaseResponse:
    item = _challenge(challenge_id)
    return render("teams/_standings.html", **_standings_context(item, queries.phase_of(item)))


def _standings_context(item: TeamChallenge, phase: str) -> dict[str, object]:
    shown = phase in (rules.UPCOMING, rules.RUNNING, rules.REVIEW, rules.FINAL)
    return {
        "challenge": item,
        "phase": phase,
        "standings": queries.get_standings(item) if shown else [],
        # Polls while the figures may still move (running, or late data in review).
        "polls": phase in (rules.RUNNING, rules.REVIEW),
        "poll_seconds": POLL_SECONDS,
        "last_day": item.ends_at - rules.LAST_INSTANT,
        "review_ends": item.ends_at + queries.review_of(item),
        "scenario_title": scenario_title(item.scenario_code),
    }


@bp.post("/challenges/<int:challenge_id>/answer")
def answer_challenge(challenge_id: int) -> BaseResponse:
    item = _challenge(challenge_id)
    if ActionForm().validate_on_submit():
        accept = request.form.get("answer") == "accept"
        try:
            services.answer_duel(
                actor=current_user, challenge_id=item.id, accept=accept, ip=client_ip()
            )
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Challenge accepted.") if accept else _("Challenge declined."), "success")
    return redirect(url_for("teams.challenge", challenge_id=item.id))


@bp.post("/challenges/<int:challenge_id>/join")
def join_challenge(challenge_id: int) -> BaseResponse:
    item = _challenge(challenge_id)
    team_id = request.form.get("team_id", "")
    if ActionForm().validate_on_submit() and team_id.isdigit():
        try:
            services.join_league(
                actor=current_user, challenge_id=item.id, team_id=int(team_id), ip=client_ip()
            )
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Your team is in the league."), "success")
    return redirect(url_for("teams.challenge", challenge_id=item.id))
