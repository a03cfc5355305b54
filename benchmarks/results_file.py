"""The JSON file every benchmark writes: its name, the commit measured, the machine, and the
benchmark's own sections."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def write_results(out: str, benchmark: str, **sections: Any) -> None:
    """Write ``sections`` to ``out`` under the benchmark's name, commit and machine; say so."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    payload = {
        "benchmark": benchmark,
        "commit": commit,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        **sections,
    }
    Path(out).write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {out}")
