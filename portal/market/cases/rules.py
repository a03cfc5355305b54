"""Pure rules of 以碳代偿 cases: the 案号's standard form, the conversion of damage into tonnes,
the defendant's public pseudonym, and the shape of every value a court records. No database,
no Flask request: each check returns the stored value or raises InvalidInput naming the field.

案号 (最高人民法院《关于人民法院案件案号的若干规定》): ``（year）court code + case-type code +
number + 号``, e.g. ``（2024）吉0102民初1234号``; parentheses full-width or half-width (stored
full-width, so one case never has two numbers), the court code a province abbreviation and
digits (none for a high court: ``（2023）吉刑终12号``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from portal.errors import InvalidInput
from portal.market.cases.models import CaseType, ConversionMethod
from portal.merchants.rules import plain_text

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼兵"
# Case-type codes of the 案号 rules that a 以碳代偿 judgment or its enforcement can carry.
CASE_TYPE_CODES = (
    "民初", "民终", "民再", "民申", "民特", "民撤", "民辖", "民监",
    "刑初", "刑终", "刑再", "刑申", "刑更", "刑监",
    "行初", "行终", "行再", "行申", "行审",
    "执恢", "执保", "执异", "执复", "执监", "执",
    "公益", "刑他",
)  # fmt: skip
CASE_NUMBER = re.compile(
    r"[（(](?P<year>\d{4})[）)]"
    rf"(?P<court>[{PROVINCES}]\d{{0,6}})"
    rf"(?P<kind>{'|'.join(CASE_TYPE_CODES)})"
    r"(?P<number>[1-9]\d{0,6})号"
)
FIRST_YEAR = 1990
MAX_DAMAGE_FEN = 10**12  # ¥10 billion: far above any recorded case, below any overflow
MAX_PRICE_FEN = 10**9  # ¥10 million per tonne
MAX_TONNES = 10**8
TEXT_MAX = 4000


@dataclass(frozen=True)
class CaseNumber:
    """A 案号's parts and its canonical text (full-width parentheses)."""

    year: int
    court_code: str
    type_code: str
    number: int

    @property
    def text(self) -> str:
        return f"（{self.year}）{self.court_code}{self.type_code}{self.number}号"


def parse_case_number(value: str, this_year: int) -> CaseNumber:
    """``value`` (spaces ignored) as a 案号 of a year from 1990 to ``this_year``."""
    match = CASE_NUMBER.fullmatch(re.sub(r"\s+", "", value or ""))
    if match is None:
        raise InvalidInput(
            _l(
                "Case number: write it in the standard form, such as "
                "（2024）吉0102民初1234号 or (2024)吉01刑初56号."
            ),
            field="case_number",
        )
    year = int(match["year"])
    if not FIRST_YEAR <= year <= this_year:
        raise InvalidInput(
            _l(
                "Case number: the year must be from %(low)s to %(high)s.",
                low=FIRST_YEAR,
                high=this_year,
            ),
            field="case_number",
        )
    return CaseNumber(year, match["court"], match["kind"], int(match["number"]))


def tonnes_for_value(damage_fen: int, price_fen_per_tonne: int) -> int:
    """Whole tonnes whose value at ``price_fen_per_tonne`` covers ``damage_fen``: the damage
    divided by the price, rounded up (a part tonne is a whole serial number to retire)."""
    if price_fen_per_tonne <= 0:
        raise ValueError("price must be positive")
    return -(-damage_fen // price_fen_per_tonne)


# The commonest surnames in Jilin and their pinyin, for the English pseudonym; any other
# surname reads "the defendant", and the court may write its own pseudonym instead.
_SURNAME_PINYIN = (
    "王:Wang 李:Li 张:Zhang 刘:Liu 陈:Chen 杨:Yang 赵:Zhao 黄:Huang 周:Zhou 吴:Wu "
    "徐:Xu 孙:Sun 胡:Hu 朱:Zhu 高:Gao 林:Lin 何:He 郭:Guo 马:Ma 罗:Luo 梁:Liang 宋:Song "
    "郑:Zheng 谢:Xie 韩:Han 唐:Tang 冯:Feng 于:Yu 董:Dong 萧:Xiao 程:Cheng 曹:Cao 袁:Yuan "
    "邓:Deng 许:Xu 傅:Fu 沈:Shen 曾:Zeng 彭:Peng 吕:Lü 苏:Su 卢:Lu 蒋:Jiang 蔡:Cai 贾:Jia "
    "丁:Ding 魏:Wei 薛:Xue 叶:Ye 阎:Yan 余:Yu 潘:Pan 杜:Du 戴:Dai 夏:Xia 钟:Zhong 汪:Wang "
    "田:Tian 任:Ren 姜:Jiang 范:Fan 方:Fang 石:Shi 姚:Yao 谭:Tan 廖:Liao 邹:Zou 熊:Xiong "
    "金:Jin 陆:Lu 郝:Hao 孔:Kong 白:Bai 崔:Cui 康:Kang 毛:Mao 邱:Qiu 秦:Qin 江:Jiang "
    "史:Shi 顾:Gu 侯:Hou 邵:Shao 孟:Meng 龙:Long 万:Wan 段:Duan 雷:Lei 钱:Qian 汤:Tang "
    "尹:Yin 黎:Li 易:Yi 常:Chang 武:Wu 乔:Qiao 贺:He 赖:Lai 龚:Gong 文:Wen 朴:Piao "
    "全:Quan 安:An 隋:Sui 付:Fu 佟:Tong 关:Guan 那:Na 鲁:Lu 岳:Yue 齐:Qi"
)
SURNAMES = {zh: en for zh, en in (pair.split(":") for pair in _SURNAME_PINYIN.split())}


def pseudonym(name: str, *, is_org: bool) -> tuple[str, str]:
    """The defendant as public pages show them, (Chinese, English): a person by surname and
    某 (张三 → 张某, "Zhang (pseudonymised)"), an organisation as 某单位."""
    if is_org or not name.strip():
        return "某单位", "an organisation (pseudonymised)"
    surname = name.strip()[0]
    english = SURNAMES.get(surname)
    return (
        f"{surname}某",
        f"{english} (pseudonymised)" if english else "the defendant (pseudonymised)",
    )


def https_url(value: str) -> str | None:
    """A judgment link: empty for none, else an https URL with a host, at most 500 long."""
    text = (value or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.hostname or len(text) > 500 or " " in text:
        raise InvalidInput(
            _l("Judgment link: enter an address starting with https://."), field="judgment_url"
        )
    return text


def bounded(value: int, field: str, low: int, high: int, label: object) -> int:
    """``value`` from ``low`` to ``high``; the message names the field by ``label``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            _l(
                "%(field)s: enter a whole number from %(low)s to %(high)s.",
                field=label,
                low=low,
                high=high,
            ),
            field=field,
        )
    return value


def required_tonnes(
    method: str, damage_fen: int, price_fen_per_tonne: int | None, appraisal_tonnes: int | None
) -> tuple[int, int | None]:
    """(required tonnes, stored price) for a conversion ``method``: value_price divides the
    damage by the price and rounds up; appraisal_tonnes takes the appraisal's tonnes."""
    if method == ConversionMethod.VALUE_PRICE:
        price = bounded(
            price_fen_per_tonne if price_fen_per_tonne is not None else 0,
            "price_yuan",
            1,
            MAX_PRICE_FEN,
            _l("Reference price per tonne"),
        )
        tonnes = tonnes_for_value(damage_fen, price)
        if tonnes <= 0:
            raise InvalidInput(
                _l("Damage: a damage of zero converts to no tonnes; enter the damage."),
                field="damage_yuan",
            )
        return bounded(tonnes, "damage_yuan", 1, MAX_TONNES, _l("Required tonnes")), price
    if method == ConversionMethod.APPRAISAL_TONNES:
        tonnes = appraisal_tonnes if appraisal_tonnes is not None else 0
        return bounded(
            tonnes, "appraisal_tonnes", 1, MAX_TONNES, _l("Tonnes in the appraisal")
        ), None
    raise InvalidInput(_l("Conversion method: choose one."), field="method")


def check_deadline(deadline: date, today: date) -> date:
    """A deadline of today or later (the Asia/Shanghai day)."""
    if deadline < today:
        raise InvalidInput(
            _l("Deadline: choose today or a later day; the date entered has passed."),
            field="deadline_on",
        )
    return deadline


def check_case_type(value: str) -> str:
    if value not in {kind.value for kind in CaseType}:
        raise InvalidInput(_l("Case type: choose one."), field="case_type")
    return value


def is_late(fulfilled_on: date, deadline: date) -> bool:
    """Fulfilled after the deadline's day."""
    return fulfilled_on > deadline


def progress_permille(retired_tonnes: int, required: int) -> int:
    """Tenths of a percent of the required tonnes retired, rounded down, capped at 1000."""
    return min(1000, retired_tonnes * 1000 // required) if required > 0 else 0


@dataclass(frozen=True)
class CaseFields:
    """What a court records about a case. Money in fen; ``price_fen_per_tonne`` is read for
    value_price, ``appraisal_tonnes`` for appraisal_tonnes. Empty public-defendant texts mean
    "derive the pseudonym"; ``defendant_org_id`` is the organisation on the platform that
    retires for the defendant, if any (otherwise the court retires on their behalf)."""

    case_number: str
    court_zh: str
    court_en: str
    case_type: str
    defendant_name: str
    damage_facts_zh: str
    damage_facts_en: str
    appraiser_zh: str
    appraiser_en: str
    appraisal_report_no: str
    damage_fen: int
    method: str
    deadline_on: date
    price_fen_per_tonne: int | None = None
    appraisal_tonnes: int | None = None
    procuratorate_zh: str = ""
    procuratorate_en: str = ""
    is_defendant_org: bool = False
    defendant_org_id: int | None = None
    public_defendant_zh: str = ""
    public_defendant_en: str = ""
    judgment_url: str = ""


def _optional_text(value: str, field: str, max_length: int) -> str:
    return plain_text(value, field, max_length) if (value or "").strip() else ""


def case_values(
    fields: CaseFields, today: date, *, current_deadline: date | None = None
) -> dict[str, object]:
    """Every column a case stores, checked: InvalidInput names the first field at fault. An
    edit that keeps ``current_deadline`` may keep a deadline that has passed since."""
    number = parse_case_number(fields.case_number, today.year)
    damage = bounded(fields.damage_fen, "damage_yuan", 0, MAX_DAMAGE_FEN, _l("Damage"))
    tonnes, price = required_tonnes(
        fields.method, damage, fields.price_fen_per_tonne, fields.appraisal_tonnes
    )
    if fields.deadline_on != current_deadline:
        check_deadline(fields.deadline_on, today)
    name = plain_text(fields.defendant_name, "defendant_name", 120)
    derived_zh, derived_en = pseudonym(name, is_org=fields.is_defendant_org)
    public_zh = _optional_text(fields.public_defendant_zh, "public_defendant_zh", 120)
    public_en = _optional_text(fields.public_defendant_en, "public_defendant_en", 160)
    if name in (public_zh, public_en):
        raise InvalidInput(
            _l("Public name: it must not be the defendant's real name."),
            field="public_defendant_zh",
        )
    return {
        "case_number": number.text,
        "court_zh": plain_text(fields.court_zh, "court_zh", 120),
        "court_en": plain_text(fields.court_en, "court_en", 160),
        "procuratorate_zh": _optional_text(fields.procuratorate_zh, "procuratorate_zh", 120),
        "procuratorate_en": _optional_text(fields.procuratorate_en, "procuratorate_en", 160),
        "case_type": check_case_type(fields.case_type),
        "defendant_name": name,
        "is_defendant_org": bool(fields.is_defendant_org),
        "defendant_org_id": fields.defendant_org_id,
        "public_defendant_zh": public_zh or derived_zh,
        "public_defendant_en": public_en or derived_en,
        "damage_facts_zh": plain_text(
            fields.damage_facts_zh, "damage_facts_zh", TEXT_MAX, multiline=True
        ),
        "damage_facts_en": plain_text(
            fields.damage_facts_en, "damage_facts_en", TEXT_MAX, multiline=True
        ),
        "appraiser_zh": plain_text(fields.appraiser_zh, "appraiser_zh", 120),
        "appraiser_en": plain_text(fields.appraiser_en, "appraiser_en", 160),
        "appraisal_report_no": plain_text(fields.appraisal_report_no, "appraisal_report_no", 80),
        "damage_fen": damage,
        "method": fields.method,
        "price_fen_per_tonne": price,
        "required_tonnes": tonnes,
        "deadline_on": fields.deadline_on,
        "judgment_url": https_url(fields.judgment_url),
    }


# ``services.check_case_retirement``'s codes, in words for the retirement form.
RETIREMENT_REFUSALS = {
    "case_not_found": _l("Case: no case with this number is recorded."),
    "case_fulfilled": _l("Case: this case is already fulfilled; nothing more is needed."),
    "not_case_party": _l(
        "Case: only the defendant's organisation, or the court on the defendant's behalf, "
        "may retire tonnes for this case."
    ),
    "not_holder_member": _l("Case: you are not a member of the organisation holding the tonnes."),
}
