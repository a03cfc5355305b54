"""The application form and the applicant's own applications, each with its status and the
official's reason once decided."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.blueprints.merchant_apply import bp
from portal.blueprints.merchant_apply.forms import ApplicationForm
from portal.blueprints.shared.merchant_labels import merchant_labels
from portal.errors import DomainError
from portal.merchants.applications import ApplicationInput, apply_for_merchant
from portal.merchants.queries import list_own_applications
from portal.web.errors import attach_error
from portal.web.htmx import render
from portal.web.i18n import language
from portal.web.pagination import page_arg

bp.context_processor(merchant_labels)


@bp.route("", methods=["GET", "POST"])
def apply() -> Response:
    form = ApplicationForm(language=language())
    if form.validate_on_submit():
        try:
            apply_for_merchant(
                actor=current_user,
                item=ApplicationInput(
                    name_zh=form.name_zh.data or "",
                    name_en=form.name_en.data or "",
                    unified_credit_code=form.unified_credit_code.data or "",
                    category=form.category.data or "",
                    contact_name=form.contact_name.data or "",
                    contact_phone=form.contact_phone.data or "",
                    city_codes=form.city_codes.data or [],
                ),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Application sent. An ecology official will decide it."), "success")
            return redirect(url_for("merchant_apply.apply"))
    return render(
        "merchant_apply/apply.html",
        form=form,
        applications=list_own_applications(current_user.id, page_arg()),
        status=422 if form.is_submitted() else 200,
    )
