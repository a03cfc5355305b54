"""Science quizzes: anyone reads the list and what each quiz is; a logged-in citizen starts one
(its clock starts then, and only that attempt counts), answers it before the time is up, and
then sees every answer explained with its source. A pass earns the knowledge badge, never
points."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse

from portal.accounts.models import Role
from portal.blueprints.learn import bp
from portal.blueprints.learn.forms import answer_form, in_language
from portal.clock import utcnow
from portal.errors import Conflict, DomainError
from portal.gamification import services
from portal.gamification.queries import (
    QuizState,
    get_quiz_attempt,
    list_quiz_states,
    quiz_state,
)
from portal.gamification.quizbank import Quiz, get_quiz
from portal.web.auth import require_role
from portal.web.errors import attach_error
from portal.web.htmx import render
from portal.web.i18n import language


@bp.context_processor
def _quiz_helpers() -> dict[str, Any]:
    return {"tr": lambda text: in_language(text, language()), "QuizState": QuizState}


def _quiz_or_404(quiz_key: str) -> Quiz:
    quiz = get_quiz(quiz_key)
    if quiz is None:
        abort(404)
    return quiz


def _viewer_id() -> int | None:
    signed_in = current_user.is_authenticated and current_user.has_role(Role.CITIZEN)
    return int(current_user.id) if signed_in else None


@bp.get("")
def index() -> Response:
    return render("learn/index.html", quizzes=list_quiz_states(_viewer_id(), utcnow()))


@bp.get("/<quiz_key>")
def quiz(quiz_key: str) -> Response:
    item = _quiz_or_404(quiz_key)
    viewer = _viewer_id()
    attempt = get_quiz_attempt(viewer, item.key) if viewer is not None else None
    return render(
        "learn/quiz.html", quiz=item, state=quiz_state(item, attempt, utcnow()), attempt=attempt
    )


@bp.post("/<quiz_key>/start")
def start(quiz_key: str) -> BaseResponse:
    if (refused := require_role(Role.CITIZEN)) is not None:
        return refused
    item = _quiz_or_404(quiz_key)
    services.start_quiz(current_user.id, item.key)
    return redirect(url_for("learn.attempt", quiz_key=item.key))


@bp.route("/<quiz_key>/attempt", methods=["GET", "POST"])
def attempt(quiz_key: str) -> BaseResponse:
    if (refused := require_role(Role.CITIZEN)) is not None:
        return refused
    item = _quiz_or_404(quiz_key)
    started = get_quiz_attempt(current_user.id, item.key)
    state = quiz_state(item, started, utcnow())
    if started is None:
        return redirect(url_for("learn.quiz", quiz_key=item.key))
    if state is not QuizState.RUNNING:
        # Answers sent too late, or again, are not marked; the result says where they stand.
        late = state is QuizState.TIMED_OUT
        flash(str(services.TIME_UP if late else services.ALREADY_COUNTED), "info")
        return redirect(url_for("learn.result", quiz_key=item.key))
    form = answer_form(item, language())
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        answers = {q.key: str(form[q.key].data) for q in item.questions}
        try:
            marking = services.submit_quiz(current_user.id, item.key, answers)
        except Conflict as error:
            flash(str(error.message), "info")
            return redirect(url_for("learn.result", quiz_key=item.key))
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                _("Well done: you passed this quiz.")
                if marking.passed
                else _("Your answers are counted. See below what each one should have been."),
                "success" if marking.passed else "info",
            )
            return redirect(url_for("learn.result", quiz_key=item.key))
    return render(
        "learn/attempt.html",
        quiz=item,
        form=form,
        answer_by=started.started_at + item.time_allowed,
        status=status,
    )


@bp.get("/<quiz_key>/result")
def result(quiz_key: str) -> BaseResponse:
    if (refused := require_role(Role.CITIZEN)) is not None:
        return refused
    item = _quiz_or_404(quiz_key)
    done = get_quiz_attempt(current_user.id, item.key)
    state = quiz_state(item, done, utcnow())
    if done is None or state in (QuizState.NEW, QuizState.RUNNING):
        return redirect(url_for("learn.quiz", quiz_key=item.key))
    return render(
        "learn/result.html", quiz=item, attempt=done, state=state, answers=done.answers or {}
    )
