"""Demo 以碳代偿 cases recorded by the demo court official (周法官 of the demo Changchun
Intermediate People's Court), patterned on real cases (research notes, registries §5) with
fictional demo case numbers: an illegal-felling case converted by value (the Xiuning pattern:
¥3,082 of sink loss at a reference price, rounded up to whole tonnes) and a timber-theft case
whose appraisal states the tonnes (the Jinggangshan pattern: 40 t). Both start open; the
second is the one meant to be fulfilled by a demo retirement. Idempotent: a case is found by
its 案号."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from portal.clock import local_today
from portal.db import session
from portal.demo.accounts import DEMO_LOGINS, find_user
from portal.market.cases.models import Case
from portal.market.cases.services import CaseFields, record_case

COURT_LOGIN = next(d.login for d in DEMO_LOGINS if d.audience == "court official")
COURT = ("长春市中级人民法院（演示）", "Changchun Intermediate People's Court (demo)")
PROCURATORATE = ("长春市人民检察院（演示）", "Changchun People's Procuratorate (demo)")


def _cases() -> list[CaseFields]:
    today = local_today()
    common: dict[str, Any] = {
        "court_zh": COURT[0],
        "court_en": COURT[1],
        "procuratorate_zh": PROCURATORATE[0],
        "procuratorate_en": PROCURATORATE[1],
        "appraiser_zh": "吉林省林业调查规划院（演示）",
        "appraiser_en": "Jilin Forestry Survey and Planning Institute (demo)",
    }
    return [
        CaseFields(
            case_number="（2026）吉01刑初901号",
            case_type="criminal_civil_pil",
            defendant_name="王德林",
            damage_facts_zh="被告人未经林业主管部门许可，在长春市双阳区集体林地滥伐落叶松"
            "12.6 立方米，造成林木固碳能力损失。经鉴定，碳汇损失价值 3,082 元。",
            damage_facts_en="Without a licence from the forestry authority, the defendant felled "
            "12.6 m³ of larch on collective forest land in Shuangyang District, Changchun, so "
            "the trees no longer store carbon. The appraisal valued the lost sink at ¥3,082.",
            appraisal_report_no="吉林规鉴〔2026〕第 31 号（演示）",
            damage_fen=308_200,
            method="value_price",
            price_fen_per_tonne=4_500,
            deadline_on=today + timedelta(days=60),
            **common,
        ),
        CaseFields(
            case_number="（2026）吉01民初902号",
            case_type="civil_pil",
            defendant_name="邓春生",
            damage_facts_zh="被告盗伐国有林场红松 24.42 立方米。检察机关提起民事公益诉讼，"
            "被告同意认购并注销经核证的碳减排量以替代部分生态修复责任。",
            damage_facts_en="The defendant stole 24.42 m³ of Korean pine from a state forest "
            "farm. The procuratorate brought a civil public-interest suit, and the defendant "
            "agreed to buy and retire certified carbon reductions in place of part of the "
            "restoration.",
            appraisal_report_no="吉林规鉴〔2026〕第 32 号（演示）",
            damage_fen=1_200_000,
            method="appraisal_tonnes",
            appraisal_tonnes=40,
            deadline_on=today + timedelta(days=30),
            **common,
        ),
    ]


def seed_cases() -> list[Case]:
    """Record the demo cases that are missing; returns every demo case."""
    official = find_user(COURT_LOGIN)
    assert official is not None, "seed the accounts first"
    cases = []
    for fields in _cases():
        case = session().scalars(select(Case).where(Case.case_number == fields.case_number)).first()
        cases.append(case or record_case(actor=official, fields=fields))
    return cases
