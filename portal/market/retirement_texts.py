"""What a retirement certificate says, in Chinese and English, fixed at issue (a certificate
never changes its words afterwards, whatever the reader's language; pages translate codes)."""

from __future__ import annotations

from typing import Any

from portal.accounts.models import Organisation
from portal.certificates.services import CertificateText
from portal.market.models import Retirement, RetirementPurpose


def purpose_phrases(retirement: Retirement, titles: tuple[str, str] | None) -> tuple[str, str]:
    """``(zh, en)`` of what the tonnes were retired for, as a certificate's wording."""
    zh_title, en_title = titles or ("", "")
    purpose = RetirementPurpose(retirement.purpose)
    if purpose is RetirementPurpose.OPERATIONS:
        year = retirement.purpose_year
        return f"抵消{year}年度运营排放", f"offsetting its {year} operations"
    if purpose is RetirementPurpose.EVENT:
        return f"活动“{zh_title}”的碳中和", f"the carbon neutrality of the event “{en_title}”"
    if purpose is RetirementPurpose.COMPENSATION:
        return (
            f"以碳代偿案件“{zh_title}”的生态损害赔偿",
            f"ecological-damage compensation in the case “{en_title}”",
        )
    return "自愿减排", "a voluntary offset"


def certificate_text(
    retirement: Retirement,
    holder: Organisation,
    serials: list[str],
    titles: tuple[str, str] | None,
) -> CertificateText:
    zh_purpose, en_purpose = purpose_phrases(retirement, titles)
    listed = "；".join(serials), "; ".join(serials)
    return CertificateText(
        title_zh="碳普惠减排量注销证明",
        title_en="Certificate of retirement of carbon-inclusion reductions",
        description_zh=(
            f"{holder.name_zh}注销了{retirement.tonnes}吨二氧化碳当量的碳普惠减排量"
            f"（序列号：{listed[0]}），用于{zh_purpose}，受益方：{retirement.beneficiary_zh}。"
            f"注销编号：{retirement.code}。"
        ),
        description_en=(
            f"{holder.name_en} retired {retirement.tonnes} t CO₂e of carbon-inclusion "
            f"reductions (serial numbers {listed[1]}) for {en_purpose}, on behalf of "
            f"{retirement.beneficiary_en}. Retirement code: {retirement.code}."
        ),
    )


def certificate_details(
    retirement: Retirement,
    holder: Organisation,
    serials: list[str],
    titles: tuple[str, str] | None,
) -> dict[str, Any]:
    """The JSON parameters kept with the certificate, which its pages show as facts."""
    zh_purpose, en_purpose = purpose_phrases(retirement, titles)
    return {
        "retirement_code": retirement.code,
        "organisation_zh": holder.name_zh,
        "organisation_en": holder.name_en,
        "tonnes": retirement.tonnes,
        "serials": serials,
        "purpose": retirement.purpose,
        "purpose_zh": zh_purpose,
        "purpose_en": en_purpose,
        "beneficiary_zh": retirement.beneficiary_zh,
        "beneficiary_en": retirement.beneficiary_en,
    }
