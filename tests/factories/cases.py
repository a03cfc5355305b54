"""以碳代偿 cases: a court official, a case's fields (patterned on the Xiuning case: illegal
felling, damage ¥3,082 at ¥45 a tonne), a recorded case, and compensation retirements written
directly (the retirement service is tested on its own) with their blocks moved by holdings."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from portal.accounts.models import MemberRole, Organisation, OrgKind, User
from portal.clock import local_today
from portal.db import session
from portal.market import holdings
from portal.market.cases import services
from portal.market.cases.models import Case
from portal.market.models import BlockState, Retirement, RetirementPurpose
from tests.factories.accounts import make_membership, make_org, make_user
from tests.factories.base import next_number
from tests.factories.market import make_issued_batch


def make_court_official(
    org: Organisation | None = None, kind: OrgKind = OrgKind.COURT, **fields: Any
) -> User:
    """A member of ``org`` (a new court by default)."""
    user = make_user(**fields)
    make_membership(user, org or make_org(kind=kind), MemberRole.STAFF)
    return user


def case_fields(**fields: Any) -> services.CaseFields:
    values: dict[str, Any] = {
        "case_number": f"（2024）吉0102刑初{next_number()}号",
        "court_zh": "长春市朝阳区人民法院",
        "court_en": "Chaoyang District People's Court, Changchun",
        "procuratorate_zh": "长春市朝阳区人民检察院",
        "procuratorate_en": "Chaoyang District People's Procuratorate, Changchun",
        "case_type": "criminal_civil_pil",
        "defendant_name": "张三丰",
        "damage_facts_zh": "被告人未经许可滥伐林木 24.4 立方米。",
        "damage_facts_en": "The defendant felled 24.4 m³ of trees without a licence.",
        "appraiser_zh": "吉林省林业调查规划院",
        "appraiser_en": "Jilin Forestry Survey and Planning Institute",
        "appraisal_report_no": "吉林规鉴字〔2024〕第17号",
        "damage_fen": 308_200,
        "method": "value_price",
        "price_fen_per_tonne": 4_500,
        "deadline_on": local_today() + timedelta(days=60),
        "judgment_url": "https://wenshu.court.gov.cn/website/wenshu/181107ANFZ0BXSK4/index.html",
    }
    values.update(fields)
    return services.CaseFields(**values)


def make_case(official: User | None = None, **fields: Any) -> Case:
    return services.record_case(
        actor=official or make_court_official(), fields=case_fields(**fields)
    )


def retire_for_case(
    case_id: int, tonnes: int, holder_org_id: int, retired_by_id: int
) -> Retirement:
    """A compensation retirement of ``tonnes`` for ``case_id`` by ``holder_org_id``: a fresh
    batch's tonnes moved to the holder, then retired with this retirement's id."""
    batch = make_issued_batch(issued_tonnes=tonnes, buffer_tonnes=0)
    holdings.move(
        holdings.Source(BlockState.AVAILABLE, batch_id=batch.id),
        tonnes,
        holdings.Destination(BlockState.HELD, holder_org_id=holder_org_id),
    )
    retirement = Retirement(
        code=secrets.token_urlsafe(12),
        holder_org_id=holder_org_id,
        retired_by_id=retired_by_id,
        tonnes=tonnes,
        purpose=RetirementPurpose.COMPENSATION.value,
        case_id=case_id,
        beneficiary_zh="生态环境损害赔偿",
        beneficiary_en="Ecological damage compensation",
        idempotency_key=f"test:{secrets.token_hex(8)}",
    )
    session().add(retirement)
    session().flush()
    holdings.move(
        holdings.Source(BlockState.HELD, holder_org_id=holder_org_id, batch_id=batch.id),
        tonnes,
        holdings.Destination(BlockState.RETIRED, holder_org_id, retirement_id=retirement.id),
    )
    session().commit()
    return retirement
