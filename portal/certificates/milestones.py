"""The carbon milestones: net grams of CO₂e reduced that earn a certificate, and its text.

Pure: which milestones a total has reached, and the certificate's title and description in
Chinese and English (stored on the certificate, so the text a holder got never changes).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Milestone:
    grams: int
    key: str  # the achievement key and part of the idempotency key
    amount_zh: str
    amount_en: str

    def idempotency_key(self, user_id: int) -> str:
        return f"{self.key}:user:{user_id}"

    def texts(self) -> dict[str, str]:
        """Title and description in both languages (``title_zh``, ``title_en``, …)."""
        return {
            "title_zh": f"碳减排里程碑：累计减排 {self.amount_zh}",
            "title_en": f"Carbon milestone: {self.amount_en} reduced",
            "description_zh": (
                f"持有人在碳惠吉林记录的低碳行为，经已备案的方法学量化，"
                f"累计净减排量已达 {self.amount_zh}二氧化碳当量。"
            ),
            "description_en": (
                f"The holder's low-carbon behaviours recorded on Tanhui Jilin, quantified by filed "
                f"methodologies, have reduced a net {self.amount_en} of CO₂e in total."
            ),
        }


MILESTONES = (
    Milestone(10_000, "milestone-10kg", "10 千克", "10 kg"),
    Milestone(100_000, "milestone-100kg", "100 千克", "100 kg"),
    Milestone(1_000_000, "milestone-1t", "1 吨", "1 t"),
)


def reached(net_grams: int) -> list[Milestone]:
    """The milestones a total of ``net_grams`` (integer grams CO₂e) has reached, smallest first."""
    return [m for m in MILESTONES if net_grams >= m.grams]
