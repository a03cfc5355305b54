"""Demo public welfare: the operator's two projects (tree planting on Changbai Mountain, solar
panels for a village school), an update, and a few donations by the demo citizens, each with
its certificate. Idempotent: a project is found by its Chinese title; each donation replays a
fixed form token, so a rerun donates nothing twice."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from portal.accounts.models import User
from portal.clock import local_today
from portal.db import session
from portal.demo.accounts import DEMO_LOGINS, EXTRA_CITIZENS, ensure_user
from portal.ledger.queries import get_balance
from portal.welfare.models import Donation, Project, ProjectStatus
from portal.welfare.services import ProjectFields, donate, move_project, post_update, save_project

_PROJECTS = (
    {
        "title_zh": "长白山植树",
        "title_en": "Tree planting on Changbai Mountain",
        "summary_zh": "在长白山北坡的火烧迹地补植红松和落叶松，"
        "一千积分种下一棵树，并由林场养护三年。",
        "summary_en": "Korean pines and larches replanted on burnt land on the northern slope of "
        "Changbai Mountain: 1,000 points plant one tree, which the forest farm tends for three "
        "years.",
        "beneficiary_zh": "长白山林业局",
        "beneficiary_en": "Changbai Mountain Forestry Bureau",
        "goal_points": 200_000,
    },
    {
        "title_zh": "乡村小学太阳能板",
        "title_en": "Solar panels for a village school",
        "summary_zh": "为延边州一所乡村小学的屋顶安装太阳能板，让教室冬季取暖和照明用上清洁电力。",
        "summary_en": "Solar panels on the roof of a village primary school in Yanbian, so that "
        "its classrooms are lit and heated with clean power in winter.",
        "beneficiary_zh": "延边州和龙市西城镇中心小学",
        "beneficiary_en": "Xicheng Town Central Primary School, Helong, Yanbian",
        "goal_points": 120_000,
    },
)
_UPDATE = (
    "首批三百棵红松已在五月种下，成活率百分之九十五。",
    "The first 300 Korean pines were planted in May; 95 per cent have taken root.",
)
# (donor: the demo citizen or one of the extra citizens, project index, points)
_DONORS = (
    (DEMO_LOGINS[0].login, DEMO_LOGINS[0].display_name, DEMO_LOGINS[0].city_code),
    *EXTRA_CITIZENS[:3],
)
_DONATIONS = ((0, 0, 500), (1, 0, 1_000), (2, 0, 300), (3, 1, 800), (0, 1, 200))


def _project(admin: User, fields: dict[str, Any]) -> Project:
    found = session().scalars(select(Project).where(Project.title_zh == fields["title_zh"])).first()
    if found is not None:
        return found
    today = local_today()
    project = save_project(
        actor=admin,
        fields=ProjectFields(
            **fields,
            starts_on=today - timedelta(days=60),
            ends_on=today + timedelta(days=300),
        ),
    )
    move_project(actor=admin, project_id=project.id, move="open")
    if fields is _PROJECTS[0]:
        post_update(actor=admin, project_id=project.id, text_zh=_UPDATE[0], text_en=_UPDATE[1])
    return project


def seed_welfare() -> int:
    """Seed the projects, the update and the donations (those a donor's balance allows);
    returns how many donations the demo holds."""
    admin = ensure_user(DEMO_LOGINS[-1].login, DEMO_LOGINS[-1].display_name, "220100")
    projects = [_project(admin, fields) for fields in _PROJECTS]
    made = 0
    for n, (donor_index, project_index, points) in enumerate(_DONATIONS):
        donor = ensure_user(*_DONORS[donor_index])
        project = projects[project_index]
        if project.status != ProjectStatus.OPEN.value:
            continue
        token = hashlib.sha256(f"demo-donation:{n}".encode()).hexdigest()[:32]
        if not _donated(token) and get_balance(donor.id) < points:
            continue  # a replay of a donation made is fine; a new one needs the points
        donate(donor=donor, project_id=project.id, points=points, form_token=token)
        made += 1
    return made


def _donated(token: str) -> bool:
    key = f"donate:{token}"
    return session().scalar(select(Donation.id).where(Donation.idempotency_key == key)) is not None
