"""The public certificate pages: /verify/<code>, the printable A4 page with its QR code, the
credential file checked offline against /.well-known/jwks.json, and the holder's list."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from portal.accounts.models import Role
from portal.certificates import services
from portal.certificates.credentials import InvalidCredential, verify_credential
from portal.certificates.reasons import FRAUD
from tests import factories
from tests.unit.test_zh_punctuation import latin_punctuation_next_to_chinese
from tests.web.test_zh_punctuation_pages import visible_text

STATIC = Path(__file__).resolve().parents[2] / "portal" / "static"
ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
PHONE = "13912345678"
# Three English words in a row: a sentence, not a code, a URL or a unit.
ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b")


def _holder() -> Any:
    return factories.make_user(phone=PHONE, display_name="绿色骑手", email="rider@example.cn")


def _english_in(page: str) -> list[str]:
    # The issuer's brand and the standard's name are names, not sentences.
    text = visible_text(page).replace("Open Badges", "")
    return ENGLISH_WORDS.findall(text)


def test_verify_shows_a_valid_certificate_with_the_alias_only(client: FlaskClient) -> None:
    cert = factories.make_certificate(_holder())
    page = client.get(f"/verify/{cert.code}", headers=ZH)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "有效" in text and "绿色骑手" in text and "公益捐赠证书：长白山植树" in text
    assert "持有人向长白山植树项目捐赠了 500 碳积分。" in text
    assert PHONE not in page.text and "rider@example.cn" not in page.text
    assert f"/certificates/{cert.code}.jwt" in page.text


def test_verify_shows_a_revoked_certificate_and_its_reason(client: FlaskClient) -> None:
    cert = factories.make_certificate(_holder())
    services.revoke_certificate(cert.code, FRAUD, actor=factories.make_user_with_role(Role.ADMIN))
    zh = visible_text(client.get(f"/verify/{cert.code}", headers=ZH).text)
    assert "已撤销" in zh and "以欺诈手段取得" in zh
    en = client.get(f"/verify/{cert.code}", headers=EN)
    assert "Revoked" in en.text and "Obtained by fraud" in en.text
    assert f"/certificates/{cert.code}.jwt" not in en.text
    assert client.get(f"/certificates/{cert.code}.jwt").status_code == 410


def test_unknown_codes_are_404(client: FlaskClient, db: Any) -> None:
    for path in ["/verify/nope", "/certificates/nope", "/certificates/nope.jwt"]:
        assert client.get(path).status_code == 404, path


def test_printable_page_is_a4_with_a_qr_code_to_the_absolute_verify_url(
    client: FlaskClient,
) -> None:
    cert = factories.make_certificate(_holder())
    page = client.get(f"/certificates/{cert.code}", headers=ZH)
    assert page.status_code == 200
    assert "<svg" in page.text and 'class="segno"' in page.text
    verify_url = f"http://localhost/verify/{cert.code}"
    assert verify_url in page.text
    assert "绿色骑手" in page.text and PHONE not in page.text
    assert "@page { size: A4" in (STATIC / "css" / "app.css").read_text(encoding="utf-8")


def test_qr_code_encodes_the_verify_url(client: FlaskClient) -> None:
    import segno

    cert = factories.make_certificate(_holder())
    page = client.get(f"/certificates/{cert.code}", headers=ZH).text
    expected = segno.make(f"http://localhost/verify/{cert.code}", error="m").svg_inline(scale=4)
    assert expected in page


def test_both_languages_render_without_english_on_the_chinese_page(client: FlaskClient) -> None:
    cert = factories.make_certificate(_holder())
    for path in [f"/verify/{cert.code}", f"/certificates/{cert.code}"]:
        zh = client.get(path, headers=ZH).text
        assert _english_in(zh) == [], path
        assert latin_punctuation_next_to_chinese(visible_text(zh)) == [], path
        en = client.get(path, headers=EN).text
        assert "Donation certificate: tree planting on Changbai Mountain" in en, path
        assert "长白山" not in visible_text(en), path


def test_credential_file_verifies_offline_against_the_published_keys(client: FlaskClient) -> None:
    cert = factories.make_certificate(_holder())
    download = client.get(f"/certificates/{cert.code}.jwt", headers=EN)
    assert download.status_code == 200 and download.mimetype == "application/jwt"
    assert "attachment" in download.headers["Content-Disposition"]
    jwks = client.get("/.well-known/jwks.json").get_json()
    kids = [key["kid"] for key in jwks["keys"]]
    header_kid = re.search(r'"kid":\s*"([^"]+)"', _header(download.text))
    assert header_kid and header_kid.group(1) in kids
    claims = verify_credential(download.text, jwks)
    vc = claims["vc"]
    assert vc["id"] == f"http://localhost/verify/{cert.code}"
    assert "OpenBadgeCredential" in vc["type"]
    assert vc["credentialSubject"]["identifier"][0]["identityHash"] == "绿色骑手"
    assert vc["credentialSubject"]["achievement"]["inLanguage"] == "en"
    assert PHONE not in str(claims) and "rider@example.cn" not in str(claims)
    altered = download.text[:-2] + ("AA" if not download.text.endswith("AA") else "BB")
    try:
        verify_credential(altered, jwks)
    except InvalidCredential:
        pass
    else:
        raise AssertionError("an altered credential verified")


def _header(token: str) -> str:
    import base64

    return base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()


def test_jwks_lists_public_keys_only(client: FlaskClient, db: Any) -> None:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    (key,) = response.get_json()["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and key["alg"] == "ES256"
    assert key["use"] == "sig" and key["kid"] and "d" not in key
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_my_certificates_lists_mine_only(client: FlaskClient, login_as: Any) -> None:
    me = login_as("citizen")
    mine = factories.make_certificate(me)
    other = factories.make_certificate(factories.make_user())
    page = client.get("/me/certificates", headers=ZH)
    assert page.status_code == 200
    assert f"/verify/{mine.code}" in page.text and f"/verify/{other.code}" not in page.text
    assert "我的证书" in page.text


def test_my_certificates_when_there_are_none(client: FlaskClient, login_as: Any) -> None:
    login_as("citizen")
    page = client.get("/me/certificates", headers=EN)
    assert page.status_code == 200 and "You have no certificates yet" in page.text


def _readme_command() -> str:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^python -c '(.+)' certificate-CODE\.jwt jwks\.json$", readme, re.M)
    assert match, "the README's offline verification command"
    return match.group(1)


def test_the_readme_command_verifies_offline_and_refuses_an_altered_file(
    client: FlaskClient, tmp_path: Path
) -> None:
    import subprocess
    import sys

    cert = factories.make_certificate(_holder())
    token = client.get(f"/certificates/{cert.code}.jwt").text
    (tmp_path / "jwks.json").write_text(client.get("/.well-known/jwks.json").text)
    header, payload, signature = token.split(".")
    altered = ".".join([header, payload, signature[:10] + "xyz" + signature[13:]])
    outcomes = []
    for name, text in [("good.jwt", token), ("altered.jwt", altered)]:
        (tmp_path / name).write_text(text)
        outcomes.append(
            subprocess.run(
                [sys.executable, "-c", _readme_command(), name, "jwks.json"],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                check=False,
            )
        )
    good, bad = outcomes
    assert good.returncode == 0 and "绿色骑手" in good.stdout, good.stderr
    assert bad.returncode != 0 and "BadSignatureError" in bad.stderr


def test_cli_revokes_and_prints_a_new_key(app: Any, client: FlaskClient) -> None:
    cert = factories.make_certificate(_holder())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "revoke", cert.code, "--reason", FRAUD])
    assert result.exit_code == 0 and cert.is_revoked, result.output
    again = runner.invoke(args=["certificates", "revoke", cert.code, "--reason", FRAUD])
    assert again.exit_code == 1
    key = runner.invoke(args=["certificates", "new-key"])
    assert key.exit_code == 0 and key.output.startswith("-----BEGIN PRIVATE KEY-----")


def test_admin_revokes_from_the_certificates_page(client: FlaskClient, login_as: Any) -> None:
    cert = factories.make_certificate(_holder())
    login_as("admin")
    listing = client.get("/admin/certificates", headers=ZH)
    assert listing.status_code == 200 and "绿色骑手" in listing.text
    assert f"/admin/certificates/{cert.code}/revoke" in listing.text
    done = client.post(f"/admin/certificates/{cert.code}/revoke", data={"reason": FRAUD})
    assert done.status_code == 302 and cert.is_revoked and cert.revoked_reason == FRAUD
    assert "以欺诈手段取得" in client.get("/admin/certificates", headers=ZH).text
    again = client.post(
        f"/admin/certificates/{cert.code}/revoke", data={"reason": FRAUD}, headers=ZH
    )
    assert again.status_code == 302
    assert "该证书已被撤销。" in client.get("/admin/certificates", headers=ZH).text
    audit = client.get("/admin/audit", headers=ZH).text
    assert "证书已撤销" in audit


def test_admin_revoke_needs_a_known_reason(client: FlaskClient, login_as: Any) -> None:
    cert = factories.make_certificate(_holder())
    login_as("admin")
    client.post(f"/admin/certificates/{cert.code}/revoke", data={"reason": "whim"})
    assert not cert.is_revoked
