"""The court's 以碳代偿 pages (Role.COURT, guarded by the blueprint): the cases of the
official's court or procuratorate, recording and editing a case in two steps (the form, then
a summary with the tonnes it converts to, confirmed before anything is saved), and a case's
page with its progress and linked retirements."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from portal.accounts.models import Organisation
from portal.blueprints.court import bp
from portal.blueprints.court.forms import CaseForm
from portal.blueprints.shared.case_labels import CaseProgress, case_labels
from portal.clock import local_today
from portal.errors import DomainError
from portal.market.cases import queries, rules, services
from portal.market.cases.models import Case
from portal.web.auth import client_ip
from portal.web.errors import attach_error
from portal.web.htmx import render
from portal.web.i18n import localized
from portal.web.pagination import page_arg

bp.context_processor(case_labels)


def _my_org() -> Organisation:
    """The court or procuratorate whose cases the official works on (the first they belong
    to: a person serving two is rare, and the services record for the same one)."""
    orgs = queries.court_orgs(current_user)
    if not orgs:
        abort(403)
    return orgs[0]


def _my_case(case_id: int) -> Case:
    case = queries.get_case(case_id)
    if case is None or not queries.is_case_official(current_user, case):
        abort(404)
    return case


@bp.get("")
def index() -> Response:
    state = request.args.get("state") or None
    pagination = queries.list_org_cases(_my_org().id, state=state, page=page_arg())
    return render(
        "court/index.html",
        pagination=pagination,
        state=state,
        retired=queries.retired_tonnes_by_case(c.id for c in pagination.items),
    )


def _form(**kwargs: Any) -> CaseForm:
    form = CaseForm(**kwargs)
    form.defendant_org_id.choices = [
        SelectChoice("", _("— none: the court retires on their behalf —")),
        *(
            SelectChoice(str(org.id), localized(org, "name"))
            for org in queries.list_defendant_org_choices()
        ),
    ]
    return form


def _two_steps(form: CaseForm, case: Case | None) -> BaseResponse:
    """The form (again, on an error or "change"), the summary to confirm, or the save."""
    if form.validate_on_submit() and "change" not in request.form:
        fields = form.fields()
        try:
            if form.confirmed.data != "1":
                current = case.deadline_on if case else None
                preview = rules.case_values(fields, local_today(), current_deadline=current)
                return render("court/confirm.html", form=form, case=case, preview=preview)
            if case is None:
                saved = services.record_case(actor=current_user, fields=fields, ip=client_ip())
            else:
                saved = services.edit_case(
                    actor=current_user, case_id=case.id, fields=fields, ip=client_ip()
                )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Case %(number)s saved.", number=saved.case_number), "success")
            return redirect(url_for("court.case", case_id=saved.id))
    status = 422 if form.is_submitted() and "change" not in request.form else 200
    form.confirmed.data = ""
    return render("court/edit.html", form=form, case=case, status=status)


@bp.route("/cases/new", methods=["GET", "POST"])
def new_case() -> BaseResponse:
    org = _my_org()
    form = _form(court_zh=org.name_zh, court_en=org.name_en, method="value_price")
    return _two_steps(form, None)


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
def edit_case(case_id: int) -> BaseResponse:
    case = _my_case(case_id)
    form = _form(
        obj=case,
        damage_yuan=f"{case.damage_fen / 100:.2f}",
        price_yuan=""
        if case.price_fen_per_tonne is None
        else f"{case.price_fen_per_tonne / 100:.2f}",
        appraisal_tonnes=case.required_tonnes if case.method == "appraisal_tonnes" else None,
        defendant_org_id=str(case.defendant_org_id or ""),
    )
    return _two_steps(form, case)


@bp.get("/cases/<int:case_id>")
def case(case_id: int) -> Response:
    item = _my_case(case_id)
    return render(
        "court/case.html",
        case=item,
        progress=CaseProgress(queries.retired_tonnes(item.id), item.required_tonnes),
        retirements=queries.list_case_retirements(item.id),
    )
