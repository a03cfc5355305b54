"""Demo accounts: one login per audience (with its organisation and membership), the admin, and
ten more citizens whose records fill the activity demo. Idempotent: users are found by their
login, organisations by their Chinese name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.identity import parse_identifier
from portal.accounts.models import MemberRole, Organisation, OrgKind, User
from portal.accounts.queries import get_user_by_identifier
from portal.clock import utcnow
from portal.db import session, transaction

DEMO_PASSWORD = "Jilin2026demo"
PRIVACY_VERSION = "2026-11"


@dataclass(frozen=True)
class DemoLogin:
    audience: str
    login: str
    display_name: str
    city_code: str
    org: tuple[str, str, OrgKind] | None = None  # (name_zh, name_en, kind)
    member_role: MemberRole = MemberRole.MANAGER


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("citizen", "13900000001", "林小绿", "220100"),
    DemoLogin(
        "team captain",
        "13900000002",
        "王老师",
        "220100",
        ("长春市绿园实验小学（演示）", "Lvyuan Experimental Primary School (demo)", OrgKind.SCHOOL),
    ),
    DemoLogin(
        "merchant staff",
        "13900000003",
        "赵店长",
        "220200",
        (
            "江城绿色生活超市（演示）",
            "Jiangcheng Green Living Supermarket (demo)",
            OrgKind.MERCHANT,
        ),
    ),
    DemoLogin(
        "organisation buyer",
        "buyer@demo.tanhui-jilin.cn",
        "孙经理",
        "220100",
        (
            "长春新能源装备有限公司（演示）",
            "Changchun New Energy Equipment Co. (demo)",
            OrgKind.ENTERPRISE,
        ),
    ),
    DemoLogin(
        "court official",
        "court@demo.tanhui-jilin.cn",
        "周法官",
        "220100",
        (
            "长春市中级人民法院（演示）",
            "Changchun Intermediate People's Court (demo)",
            OrgKind.COURT,
        ),
    ),
    DemoLogin(
        "ecology official",
        "official@demo.tanhui-jilin.cn",
        "吴处长",
        "220100",
        (
            "吉林省生态环境厅（演示）",
            "Jilin Department of Ecology and Environment (demo)",
            OrgKind.REGULATOR,
        ),
    ),
    # Three more officials of the same department: the registry's four-eyes steps (sample
    # review, verification, issue) need three different people.
    *(
        DemoLogin(
            "ecology official",
            f"{duty}@demo.tanhui-jilin.cn",
            name,
            "220100",
            (
                "吉林省生态环境厅（演示）",
                "Jilin Department of Ecology and Environment (demo)",
                OrgKind.REGULATOR,
            ),
        )
        for duty, name in (
            ("reviewer", "钱审核员"),
            ("verifier", "孙核证员"),
            ("issuer", "李登记员"),
        )
    ),
    DemoLogin(
        "bank",
        "bank@demo.tanhui-jilin.cn",
        "郑客户经理",
        "220100",
        ("吉林绿色发展银行（演示）", "Jilin Green Development Bank (demo)", OrgKind.BANK),
    ),
    DemoLogin(
        "event organiser",
        "events@demo.tanhui-jilin.cn",
        "马主任",
        "220100",
        (
            "长春马拉松组委会（演示）",
            "Changchun Marathon Organising Committee (demo)",
            OrgKind.EVENT_ORGANISER,
        ),
    ),
    DemoLogin("admin", "admin@demo.tanhui-jilin.cn", "平台管理员", "220100"),
)


# Citizens with no audience of their own: the activity demo's riders, commuters and recyclers.
EXTRA_CITIZENS = (
    ("13900001001", "长春骑行者", "220100"),
    ("13900001002", "净月跑友", "220100"),
    ("13900001003", "松花江畔", "220200"),
    ("13900001004", "四平小陈", "220300"),
    ("13900001005", "辽源环保妈妈", "220400"),
    ("13900001006", "通化山城", "220500"),
    ("13900001007", "长白山下", "220600"),
    ("13900001008", "查干湖渔夫", "220700"),
    ("13900001009", "白城风电人", "220800"),
    ("13900001010", "延吉早高峰", "222400"),
)


# Demo accounts signed up this many days ago: before their first record (portal.demo.activities
# seeds DAYS < SIGNED_UP_DAYS_AGO days of them) and before they linked any partner app.
SIGNED_UP_DAYS_AGO = 30


def find_user(login: str) -> User | None:
    identifier = parse_identifier(login)
    assert identifier is not None, login
    return get_user_by_identifier(identifier)


def ensure_user(
    login: str, display_name: str, city_code: str, birth_year: int | None = None
) -> User:
    """The demo account with this login, signed up (before the demo's records) if missing."""
    user = find_user(login)
    if user is None:
        user = accounts.register_user(
            login=login,
            password=DEMO_PASSWORD,
            display_name=display_name,
            city_code=city_code,
            district=None,
            privacy_notice_version=PRIVACY_VERSION,
            birth_year=birth_year,
        )
        _date_sign_up(user)
    return user


def _date_sign_up(user: User) -> None:
    # Registration has no clock parameter (a real sign-up happens now); the demo account says it
    # signed up before the weeks of records the activity demo gives it, not after them.
    signed_up = utcnow() - timedelta(days=SIGNED_UP_DAYS_AGO)
    with transaction():
        user.created_at = user.consented_at = signed_up


def ensure_organisation(
    admin: User, name_zh: str, name_en: str, kind: OrgKind, city_code: str
) -> Organisation:
    """The organisation of that Chinese name, created by ``admin`` if it is missing."""
    org = session().scalar(select(Organisation).where(Organisation.name_zh == name_zh))
    if org is None:
        org = accounts.create_organisation(
            actor=admin, name_zh=name_zh, name_en=name_en, kind=kind.value, city_code=city_code
        )
    return org


@dataclass(frozen=True)
class DemoAccounts:
    admin: User
    citizens: list[User]  # the demo citizen's login first, then EXTRA_CITIZENS in order


def seed_accounts() -> DemoAccounts:
    """Create the demo logins, their organisations and memberships, and the extra citizens,
    whatever is missing; the admin creates the organisations and grants the memberships."""
    admin_demo = DEMO_LOGINS[-1]
    admin = ensure_user(admin_demo.login, admin_demo.display_name, admin_demo.city_code)
    if not admin.is_admin:
        admin = accounts.bootstrap_admin(admin_demo.login)
    for demo in DEMO_LOGINS[:-1]:
        user = ensure_user(demo.login, demo.display_name, demo.city_code)
        if demo.org is None:
            continue
        org = ensure_organisation(admin, *demo.org, demo.city_code)
        if not any(m.organisation_id == org.id for m in user.memberships):
            accounts.grant_membership(
                actor=admin, organisation_id=org.id, login=demo.login, role=demo.member_role.value
            )
    citizen = DEMO_LOGINS[0]
    citizens = [(citizen.login, citizen.display_name, citizen.city_code), *EXTRA_CITIZENS]
    return DemoAccounts(admin, [ensure_user(*fields) for fields in citizens])
