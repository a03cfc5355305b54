"""The developer's forms: a new draft (who develops it, what it is called, and version 1), the
revision of a draft, and the note sent with a submission. The definition part is shared with
the officials' new-version form (``portal.blueprints.shared.methodology``)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.blueprints.shared.forms import PortalForm
from portal.blueprints.shared.methodology.definition import DefinitionForm
from portal.blueprints.shared.methodology.fields import TEXT_MAX, strip
from portal.methodology.categories import CATEGORIES

CODE_PATTERN = r"^[A-Z]{2,6}-[A-Z]{2}-\d{3}$"


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def category_choices(language: str) -> list[SelectChoice]:
    return [
        SelectChoice(c.code, f"{c.name_zh if language == 'zh' else c.name_en} ({c.prefix})")
        for c in CATEGORIES
    ]


class DraftForm(DefinitionForm):
    """A developer's new methodology: who develops it, what it is called, and version 1."""

    MIN_FACTORS = 1

    organisation_id = SelectField(_l("Developer organisation"), coerce=int)
    code = StringField(
        _l("Methodology code"),
        validators=[
            DataRequired(),
            Regexp(
                CODE_PATTERN,
                message=_l(
                    "Use the pattern JLCH-TR-011: letters, dash, two letters, dash, three digits."
                ),
            ),
        ],
        filters=[_upper],
        description=_l("Like JLCH-TR-011: your prefix, the category's two letters, a number."),
        render_kw={"autocapitalize": "characters", "spellcheck": "false", "data-kind": "code"},
    )
    scenario_code = StringField(
        _l("Scenario code"),
        validators=[
            DataRequired(),
            Regexp(r"^[a-z][a-z0-9_]{1,63}$", message=_l("Lower-case letters, digits and _.")),
        ],
        filters=[strip],
        description=_l("The behaviour it quantifies, e.g. cycling or metro."),
        render_kw={"autocapitalize": "off", "spellcheck": "false", "data-kind": "code"},
    )
    title_zh = StringField(
        _l("Title (Chinese)"), validators=[DataRequired(), Length(max=120)], filters=[strip]
    )
    title_en = StringField(
        _l("Title (English)"), validators=[DataRequired(), Length(max=200)], filters=[strip]
    )
    category = SelectField(
        _l("Category"),
        validators=[DataRequired()],
        description=_l("Its two letters are the middle of the code."),
    )

    def __init__(self, *args: Any, language: str = "zh", **kwargs: Any) -> None:
        super().__init__(*args, language=language, **kwargs)
        self.category.choices = category_choices(language)


class DraftEditForm(DraftForm):
    """The draft form for revising a draft: its code and organisation never change, so they are
    no fields here (the page shows them read-only) and a posted value for them is ignored."""

    organisation_id = None
    code = None


class SubmitForm(PortalForm):
    comment = TextAreaField(
        _l("Note for the reviewer (optional)"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        filters=[strip],
        render_kw={"rows": 2},
    )
