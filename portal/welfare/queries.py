"""Public-welfare reads: projects with what they raised, their donors by alias, updates."""

from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from portal.accounts.models import Organisation
from portal.clock import local_today
from portal.db import session
from portal.welfare import rules
from portal.welfare.models import Donation, Project, ProjectStatus, ProjectUpdate

PER_PAGE = 12
DONORS_PER_PAGE = 20


@dataclass(frozen=True)
class Progress:
    """Whole points raised of a project's goal, the bar's percent and the donor count."""

    raised_points: int
    goal_points: int
    donors: int

    @property
    def permille(self) -> int:
        return rules.progress_permille(self.raised_points, self.goal_points)

    @property
    def percent(self) -> str:
        """The percent raised with one decimal ("0.9"), computed in integers."""
        return f"{self.permille // 10}.{self.permille % 10}"


def list_public_projects(page: int = 1) -> Pagination:
    """Open and closed projects (never drafts), open ones first, newest first."""
    from portal.extensions import db

    stmt = (
        select(Project)
        .where(Project.status != ProjectStatus.DRAFT.value)
        .order_by((Project.status == ProjectStatus.OPEN.value).desc(), Project.id.desc())
    )
    return db.paginate(stmt, page=max(page, 1), per_page=PER_PAGE, error_out=False)


def list_all_projects(page: int = 1) -> Pagination:
    """Every project, drafts included, newest first (the operator's list)."""
    from portal.extensions import db

    stmt = select(Project).order_by(Project.id.desc())
    return db.paginate(stmt, page=max(page, 1), per_page=PER_PAGE, error_out=False)


def get_project(project_id: int, *, public: bool) -> Project | None:
    """A project by id; a draft only when not ``public``."""
    project = session().get(Project, project_id)
    if project is None or (public and project.status == ProjectStatus.DRAFT.value):
        return None
    return project


def get_progress(project_ids: list[int]) -> dict[int, Progress]:
    """Each project's progress, from its donations (one statement for the whole list)."""
    rows = session().execute(
        select(
            Donation.project_id,
            func.coalesce(func.sum(Donation.points), 0),
            func.count(func.distinct(Donation.user_id)),
        )
        .where(Donation.project_id.in_(project_ids))
        .group_by(Donation.project_id)
    )
    raised = {int(p): (int(total), int(donors)) for p, total, donors in rows}
    goals = session().execute(
        select(Project.id, Project.goal_points).where(Project.id.in_(project_ids))
    )
    return {
        int(pid): Progress(
            raised_points=raised.get(int(pid), (0, 0))[0],
            goal_points=int(goal),
            donors=raised.get(int(pid), (0, 0))[1],
        )
        for pid, goal in goals
    }


def list_donations(project_id: int, page: int = 1) -> Pagination:
    """A project's donations, newest first (show donors by ``accounts.queries.get_public_names``:
    the alias of those who may be listed, "Anonymous" for the others)."""
    from portal.extensions import db

    stmt = select(Donation).where(Donation.project_id == project_id).order_by(Donation.id.desc())
    return db.paginate(stmt, page=max(page, 1), per_page=DONORS_PER_PAGE, error_out=False)


def list_updates(project_id: int) -> list[ProjectUpdate]:
    """A project's updates, newest first."""
    return list(
        session().scalars(
            select(ProjectUpdate)
            .where(ProjectUpdate.project_id == project_id)
            .order_by(ProjectUpdate.id.desc())
        )
    )


def list_my_donations(user_id: int, limit: int = 10) -> list[Donation]:
    """The user's latest donations (for their certificate links)."""
    return list(
        session().scalars(
            select(Donation)
            .where(Donation.user_id == user_id)
            .order_by(Donation.id.desc())
            .limit(limit)
        )
    )


def get_donation(user_id: int, donation_id: int) -> Donation | None:
    """The user's own donation by id (None for someone else's)."""
    donation = session().get(Donation, donation_id)
    return donation if donation is not None and donation.user_id == user_id else None


def may_donate(project: Project) -> bool:
    """Whether the project takes donations today (the page shows the button only then)."""
    return rules.refusal(project.status, project.starts_on, project.ends_on, local_today()) is None


def list_beneficiary_choices(limit: int = 500) -> list[Organisation]:
    """Organisations the operator may name as a project's beneficiary, by Chinese name."""
    return list(session().scalars(select(Organisation).order_by(Organisation.name_zh).limit(limit)))
