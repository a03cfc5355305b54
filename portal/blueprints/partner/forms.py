"""The partner CSV upload form: it checks that a .csv file of at most 2 MB was chosen; what is
inside the file is for ``portal.activities.intake.csv_upload.upload_partner_csv``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize

from portal.activities.intake.csv_upload import CSV_MAX_BYTES
from portal.blueprints.shared.forms import PortalForm


class UploadForm(PortalForm):
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv"], _l("Choose a file ending in .csv.")),
            FileSize(max_size=CSV_MAX_BYTES, message=_l("The file is larger than 2 MB.")),
        ],
        description=_l(
            "UTF-8 (Excel: “CSV UTF-8”), comma-separated, a header row, "
            "at most 1,000 records and 2 MB."
        ),
    )
