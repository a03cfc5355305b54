"""A quiz's answer sheet: one radio group per question, built from the question bank in the
reader's language; the service marks the answers and checks the time and the one attempt."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from portal.blueprints.shared.forms import PortalForm
from portal.gamification.quizbank import Quiz, Text


def in_language(text: Text, lang: str) -> str:
    return text.en if lang == "en" else text.zh


def answer_form(quiz: Quiz, lang: str) -> PortalForm:
    """A form with a required choice per question, named by the question's key."""

    class AnswerForm(PortalForm):
        pass

    for number, question in enumerate(quiz.questions, 1):
        setattr(
            AnswerForm,
            question.key,
            RadioField(
                f"{number}. {in_language(question.prompt, lang)}",
                choices=[SelectChoice(o.key, in_language(o.label, lang)) for o in question.options],
                validators=[InputRequired(_l("Choose one answer."))],
            ),
        )
    return AnswerForm()
