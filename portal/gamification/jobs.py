"""The gamification domain's background jobs, registered into the job table by
``portal.scheduler.table`` (which calls ``register_jobs``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.gamification.campaigns.bonuses import pay_campaign_bonuses
from portal.gamification.leaderboards.services import build_leaderboards
from portal.gamification.services import evaluate_badges
from portal.scheduler.registry import Job, JobContext, JobDetails, JobTable

BADGES_JOB = "badges"
CAMPAIGN_BONUSES_JOB = "campaign_bonuses"
LEADERBOARDS_JOB = "leaderboards"


def badges(context: JobContext) -> JobDetails:
    """Award the badges earned by people with new activity since the last run (idempotent)."""
    run = evaluate_badges()
    return {"badge_people": run.people, "badges_awarded": run.awarded, "batches": run.batches}


def campaign_bonuses(context: JobContext) -> JobDetails:
    """Pay the campaign bonuses of newly quantified records (idempotent)."""
    run = pay_campaign_bonuses()
    return {"bonus_records": run.records, "bonus_points": run.points, "batches": run.batches}


def leaderboards(context: JobContext) -> JobDetails:
    """Rebuild every leaderboard into a new snapshot and switch pages to it."""
    build = build_leaderboards()
    return {"snapshot": build.snapshot_id, "leaderboard_rows": build.rows}


def register_jobs(table: JobTable) -> None:
    table.register(
        Job(
            name=CAMPAIGN_BONUSES_JOB,
            func=campaign_bonuses,
            description=_l("Pays campaign bonus points for newly quantified records."),
            trigger="interval",
            trigger_args={"minutes": 5},
        )
    )
    table.register(
        Job(
            name=BADGES_JOB,
            func=badges,
            description=_l("Awards badges earned by people with new activity."),
            trigger="interval",
            trigger_args={"minutes": 5},
        )
    )
    table.register(
        Job(
            name=LEADERBOARDS_JOB,
            func=leaderboards,
            description=_l("Rebuilds the leaderboards from verified reductions."),
            trigger="interval",
            trigger_args={"minutes": 15},
        )
    )
