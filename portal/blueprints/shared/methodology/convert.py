"""A definition form and a stored definition, each made from the other: the form's data
becomes the version definition through ``portal.methodology.versions.definition_from_spec``, so a
drafted definition has exactly the shape of a seeded one; the inverse prefills the form."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from portal.blueprints.shared.methodology.definition import DefinitionForm
from portal.blueprints.shared.methodology.rows import FACTOR_ROWS, PARAMETER_ROWS, SOURCE_ROWS
from portal.methodology.engine import (
    PERIODS,
    Caps,
    FactorSpec,
    PeriodCap,
    RecordParameter,
    Source,
)
from portal.methodology.texts import STORED_KEY, STORED_PARTS, stored_texts
from portal.methodology.versions import (
    EVIDENCE_TIERS,
    Plausibility,
    VersionSpec,
    definition_from_spec,
)

_ZERO, _ONE = Decimal(0), Decimal(1)


def _dec(raw: str | None) -> Decimal | None:
    return Decimal(raw) if raw else None


def definition_from_form(form: DefinitionForm) -> dict[str, Any]:
    """The version definition of a validated form, in exactly the stored shape."""
    caps = form.caps.form
    spec = VersionSpec(
        activity_unit=form.activity_unit.data or "",
        formula=form.formula.data or "",
        parameters=tuple(
            RecordParameter(
                name=row.name.data or "",
                unit=row.unit.data or "",
                label_zh=row.label_zh.data or "",
                label_en=row.label_en.data or "",
                default=_dec(row.default.data),
                is_flag=bool(row.is_flag.data),
                # A flag's range is 0 to 1; otherwise 0 unless the form says otherwise.
                plausible_min=_ZERO if row.is_flag.data else _dec(row.plausible_min.data) or _ZERO,
                plausible_max=_ONE if row.is_flag.data else _dec(row.plausible_max.data),
            )
            for row in form.used_parameters()
        ),
        factors=tuple(
            FactorSpec(
                name=row.name.data or "",
                value=Decimal(row.value.data or "0"),
                unit=row.unit.data or "",
                basis=row.basis.data or "",
                confidence=row.confidence.data or "estimate",
                sources=tuple(
                    Source(
                        title=s.form.title.data or "",
                        issuer=s.form.issuer.data or "",
                        year=s.form.year.data,
                        url=s.form.url.data or None,
                    )
                    for s in row.sources
                    if s.form.is_used()
                ),
            )
            for row in form.used_factors()
        ),
        caps=Caps(
            **{
                period: PeriodCap(
                    grams=getattr(caps, period).form.grams.data,
                    quantity=_dec(getattr(caps, period).form.quantity.data),
                    records=getattr(caps, period).form.records.data,
                )
                for period in PERIODS
            }
        ),
        plausibility=Plausibility(
            max_quantity=_dec(form.max_quantity.data),
            max_speed_kmh=_dec(form.max_speed_kmh.data),
        ),
        evidence_tiers=tuple(t for t in EVIDENCE_TIERS if t in (form.evidence_tiers.data or ())),
        self_report=bool(form.self_report.data),
        formula_text=form.formula_text.data or "",
        unit_text=form.unit_text.data or "",
        caps_text=form.caps_text.data or "",
        interpretation=form.interpretation.data or "",
        notes=form.notes.data or "",
    )
    definition = definition_from_spec(spec)
    texts = stored_texts(
        {
            part: (form[f"{part}_zh"].data or "", form[f"{part}_en"].data or "")
            for part in STORED_PARTS
        },
        {
            row.name.data or "": {
                "name": (row.label_zh.data or "", row.label_en.data or ""),
                "note": (row.note_zh.data or "", row.note_en.data or ""),
            }
            for row in form.used_factors()
        },
    )
    if texts:
        definition[STORED_KEY] = texts
    return definition


def _stored_pair(stored: Mapping[str, Any], key: str) -> dict[str, str]:
    pair = stored.get(key) or {}
    return {"zh": pair.get("zh", ""), "en": pair.get("en", "")}


def _padded(rows: list[dict[str, Any]], minimum: int) -> list[dict[str, Any]]:
    """The stored rows plus one blank row, and at least ``minimum`` rows in all."""
    return rows + [{}] * max(1, minimum - len(rows))


def form_data_from_definition(definition: Mapping[str, Any], is_saleable: bool) -> dict[str, Any]:
    """Keyword data that prefills a :class:`DefinitionForm` with a stored definition."""
    caps = definition.get("caps", {})
    plausibility = definition.get("plausibility", {})
    texts = definition.get(STORED_KEY, {})
    words = texts.get("factors", {})
    return {
        **{
            f"{part}_{lang}": value
            for part in STORED_PARTS
            for lang, value in _stored_pair(texts, part).items()
        },
        "activity_unit": definition["activity_unit"],
        "formula": definition["formula"],
        "formula_text": definition.get("formula_text", ""),
        "unit_text": definition.get("unit_text", ""),
        "is_saleable": is_saleable,
        "parameters": _padded(
            [
                {
                    "name": p["name"],
                    "unit": p["unit"],
                    "label_zh": p["label_zh"],
                    "label_en": p["label_en"],
                    "default": p.get("default") or "",
                    "is_flag": bool(p.get("is_flag")),
                    "plausible_min": p.get("plausible_min") or "",
                    "plausible_max": p.get("plausible_max") or "",
                }
                for p in definition.get("parameters", [])
            ],
            PARAMETER_ROWS,
        ),
        "factors": _padded(
            [
                {
                    "name": f["name"],
                    "value": f["value"],
                    "unit": f["unit"],
                    "basis": f["basis"],
                    "confidence": f["confidence"],
                    **{
                        f"{field}_{lang}": value
                        for field, key in (("label", "name"), ("note", "note"))
                        for lang, value in _stored_pair(words.get(f["name"], {}), key).items()
                    },
                    "sources": _padded(
                        [
                            {
                                "title": s["title"],
                                "issuer": s["issuer"],
                                "year": s.get("year"),
                                "url": s.get("url") or "",
                            }
                            for s in f.get("sources", [])
                        ],
                        SOURCE_ROWS,
                    ),
                }
                for f in definition.get("factors", [])
            ],
            FACTOR_ROWS,
        ),
        "caps": {
            period: {
                "grams": caps.get(period, {}).get("grams"),
                "quantity": caps.get(period, {}).get("quantity") or "",
                "records": caps.get(period, {}).get("records"),
            }
            for period in PERIODS
        },
        "caps_text": definition.get("caps_text", ""),
        "max_quantity": plausibility.get("max_quantity") or "",
        "max_speed_kmh": plausibility.get("max_speed_kmh") or "",
        "evidence_tiers": list(definition.get("evidence_tiers", [])),
        "self_report": bool(definition.get("self_report")),
        "interpretation": definition.get("interpretation", ""),
        "notes": definition.get("notes", ""),
    }
