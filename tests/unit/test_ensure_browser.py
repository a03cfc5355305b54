"""`make test` finds a browser for the browser tests, or stops before them saying what to run."""

from __future__ import annotations

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ensure-browser"


def run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/bash", str(SCRIPT)],
        env={"PATH": str(tmp_path), "VENV": str(tmp_path / "no-venv"), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def test_a_browser_path_pointing_nowhere_stops_with_the_commands_to_run(tmp_path: Path) -> None:
    result = run(tmp_path, CHROMIUM_PATH=str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert f"CHROMIUM_PATH={tmp_path / 'nowhere'} is not an executable browser" in result.stderr
    assert "apt-get install chromium fonts-noto-cjk" in result.stderr
    assert "playwright install chromium" in result.stderr
    assert "make test-fast" in result.stderr


def test_without_a_browser_or_a_way_to_install_one_it_stops(tmp_path: Path) -> None:
    stub(tmp_path, "id", "echo 1000")  # not root: apt-get is not tried
    result = run(tmp_path)
    assert result.returncode == 1
    assert "no Chromium found" in result.stderr
    assert "apt-get install chromium fonts-noto-cjk" in result.stderr


def test_a_chromium_on_the_path_with_a_chinese_font_is_used_quietly(tmp_path: Path) -> None:
    stub(tmp_path, "chromium", "exit 0")
    stub(tmp_path, "fc-list", "echo '/usr/share/fonts/NotoSansCJK.ttc: Noto Sans CJK SC'")
    stub(tmp_path, "head", '/usr/bin/head "$@"')
    result = run(tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_without_a_browser_root_installs_debians(tmp_path: Path) -> None:
    log = tmp_path / "apt.log"
    stub(tmp_path, "id", "echo 0")
    # apt-get "installs" chromium by creating it on the PATH, as the real one would.
    stub(
        tmp_path,
        "apt-get",
        f'echo "$@" >> {log}\n'
        f'case "$*" in *install*) printf "#!/bin/sh\\n" > {tmp_path}/chromium;'
        f" /bin/chmod +x {tmp_path}/chromium;; esac",
    )
    result = run(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "install -y -qq chromium fonts-noto-cjk" in log.read_text()
