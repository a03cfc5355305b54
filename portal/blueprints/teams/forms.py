"""Team forms: they check shape (a size limit typed as digits, a code typed at all); the
services check the rules and name the field they refuse."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.blueprints.shared.forms import PortalForm
from portal.blueprints.shared.methodology.fields import WholeNumberField
from portal.blueprints.shared.team_labels import BRACKET_LABELS, KIND_LABELS, METRIC_LABELS
from portal.gamification.volunteering import rules as volunteering_rules
from portal.teams import rules

_DIGITS = re.compile(r"[0-9]{1,9}")
LEAGUE_CHOICE = "league"


class TeamForm(PortalForm):
    name = StringField(
        _l("Team name"),
        validators=[InputRequired(_l("Give the team a name.")), Length(max=200)],
        description=_l("At most %(count)s characters, such as 初二（3）班.", count=rules.NAME_MAX),
    )
    kind = SelectField(
        _l("Kind of team"), choices=[SelectChoice(k, label) for k, label in KIND_LABELS.items()]
    )
    bracket = SelectField(
        _l("School level"),
        choices=[SelectChoice(code, BRACKET_LABELS[code]) for code in rules.SCHOOL_BRACKETS],
        description=_l("For a school only; a class takes its school's level."),
        validate_choice=False,  # only a school needs one: the service checks it
    )
    parent_id = SelectField(
        _l("School of the class"),
        choices=[],
        description=_l("For a class only: a school team you captain or belong to."),
        validate_choice=False,  # checked below, and again by the service
    )
    size_limit = StringField(
        _l("Size limit"),
        validators=[InputRequired(_l("Enter the size limit."))],
        description=_l(
            "Members at most, from %(low)s to %(high)s.", low=rules.MIN_SIZE, high=rules.MAX_SIZE
        ),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )

    def __init__(self, *args: Any, schools: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parent_id.choices = [SelectChoice("", str(_l("No school")))] + [
            SelectChoice(str(i), n) for i, n in schools
        ]

    def validate_size_limit(self, field: StringField) -> None:
        if not _DIGITS.fullmatch((field.data or "").strip()):
            raise ValidationError(_l("Enter the size limit as a whole number, such as 50."))

    def validate_parent_id(self, field: SelectField) -> None:
        if self.kind.data != rules.CLASS:
            return
        if not field.data or field.data not in {c.value for c in field.choices}:
            raise ValidationError(_l("A class belongs to a school: choose one."))

    @property
    def limit(self) -> int:
        return int((self.size_limit.data or "").strip())

    @property
    def parent(self) -> int | None:
        return int(self.parent_id.data) if self.parent_id.data else None


class CodeForm(PortalForm):
    code = StringField(
        _l("Team code"),
        validators=[InputRequired(_l("Type the team code the captain gave you."))],
        description=_l("8 letters and digits, such as K7QM-9XDP."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class ConfirmJoinForm(PortalForm):
    """The confirmation step: the invite (link token or code) carried over."""

    token = HiddenField()
    code = HiddenField()


class ActionForm(PortalForm):
    """A captain's or member's button: CSRF only."""


MINUTES_FORMAT = "%Y-%m-%dT%H:%M"  # what a datetime-local input sends, and shows back


class ActivityForm(PortalForm):
    """A volunteer activity: the captain's own words, shown as written; the service checks the
    rules (``gamification.volunteering.rules.check_fields``) and names the field it refuses."""

    title = StringField(
        _l("Title"),
        validators=[InputRequired(_l("Give the activity a title.")), Length(max=200)],
        description=_l("At most %(count)s characters.", count=volunteering_rules.TITLE_MAX),
    )
    place = StringField(
        _l("Place"),
        validators=[InputRequired(_l("Say where the activity takes place.")), Length(max=200)],
    )
    description = TextAreaField(
        _l("Description (optional)"),
        validators=[Optional(), Length(max=4000)],
        description=_l("What members will do, what to bring. Shown as you write it."),
        render_kw={"rows": 4},
    )
    starts_at = DateTimeLocalField(
        _l("Starts (Beijing time)"),
        format=MINUTES_FORMAT,
        validators=[InputRequired(_l("Give the start time."))],
    )
    ends_at = DateTimeLocalField(
        _l("Ends (Beijing time)"),
        format=MINUTES_FORMAT,
        validators=[InputRequired(_l("Give the end time."))],
        description=_l("Members can check in from the start until this time."),
    )
    minutes = WholeNumberField(
        _l("Volunteer time credited (minutes)"),
        validators=[InputRequired(_l("Give the minutes credited, such as 120."))],
        description=_l("Each member who checks in is credited this many minutes."),
        render_kw={"inputmode": "numeric"},
    )


class CheckinForm(PortalForm):
    code = StringField(
        _l("Check-in code"),
        validators=[InputRequired(_l("Type the code shown on the captain's screen."))],
        description=_l("6 digits; the code changes every minute."),
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"},
    )


class ChallengeForm(PortalForm):
    """A captain's challenge: another team of the bracket, or a league others join. The
    service checks the rules (the bracket, the days, overlaps) and names the field."""

    rival_id = SelectField(
        _l("Opponent"),
        choices=[],
        description=_l(
            "A team of your bracket, or a league that other teams join before it starts."
        ),
        validate_choice=False,  # the service checks the rival
    )
    metric = SelectField(
        _l("Measured on"),
        choices=[SelectChoice(code, label) for code, label in METRIC_LABELS.items()],
        validate_choice=False,
    )
    scenario = SelectField(
        _l("Activity"),
        choices=[],
        description=_l("Only when the challenge counts the records of one activity."),
        validate_choice=False,
    )
    starts_on = DateField(
        _l("First day"), validators=[Optional()], description=_l("Beijing time, from tomorrow.")
    )
    ends_on = DateField(_l("Last day"), validators=[Optional()], description=_l("Included."))

    def __init__(
        self, *args: Any, rivals: list[tuple[int, str]], scenarios: list[tuple[str, str]], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.rival_id.choices = [SelectChoice(LEAGUE_CHOICE, str(_l("Open a league")))] + [
            SelectChoice(str(i), n) for i, n in rivals
        ]
        self.scenario.choices = [SelectChoice("", str(_l("Choose an activity")))] + [
            SelectChoice(code, title) for code, title in scenarios
        ]

    @property
    def rival(self) -> int | None:
        """The challenged team's id; None for a league (or a choice that is no team)."""
        value = self.rival_id.data or ""
        return int(value) if value.isdigit() else None
