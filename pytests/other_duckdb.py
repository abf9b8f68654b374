"""Run real code with the DuckDB releases of the users' app (1.4.x, 1.5.x), not the project's.

The project writes its files with DuckDB 2.0; the app opens them with 1.4.x or 1.5.x. Each
release lives in a side environment, ``.venv/compat/duckdb-<version>`` (its Python with the
``duckdb`` package, and the ``duckdb`` CLI of the ``duckdb-cli`` package), made by
``make compat`` from the pins of requirements-compat.lock (``make test`` makes it first).

A missing side environment fails the test, naming the command that makes it: a test that
skipped would let a file the app cannot open pass unnoticed (and CI runs ``make test``, which
makes them).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from shared_matches.paths import PROJECT_ROOT

OTHER_DUCKDB_VERSIONS = ("1.4.4", "1.5.5")
COMPAT_DIR = PROJECT_ROOT / ".venv" / "compat"
PINS_FILE = PROJECT_ROOT / "requirements-compat.lock"
# a script that hangs (a lock wait) fails its test instead of stopping the suite
TIMEOUT_SECONDS = 300


def side_env(version: str) -> Path:
    """The side environment of one DuckDB release."""
    if version not in OTHER_DUCKDB_VERSIONS:
        pytest.fail(f"DuckDB {version} has no side environment (known: {OTHER_DUCKDB_VERSIONS})")
    return COMPAT_DIR / f"duckdb-{version}"


def _require(path: Path, version: str) -> Path:
    if not path.is_file():
        pytest.fail(
            f"{path} is missing: the side environment of DuckDB {version} is not made; run "
            "`make compat` (or `make test`, which makes it first)."
        )
    return path


def other_python(version: str) -> Path:
    """The Python of the side environment whose ``duckdb`` package is this release."""
    return _require(side_env(version) / "bin" / "python", version)


def duckdb_cli(version: str) -> Path:
    """The ``duckdb`` command-line executable of this release."""
    return _require(side_env(version) / "bin" / "duckdb", version)


def run_other(version: str, code: str, *args: str) -> Any:
    """Run ``code`` (a Python script whose last act prints one JSON document) with this
    release's Python, ``args`` as its sys.argv[1:]; the parsed JSON. A script that fails
    fails the test, with its stderr."""
    python = other_python(version)
    try:
        done = subprocess.run(
            [str(python), "-c", code, *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            cwd=PROJECT_ROOT,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"DuckDB {version}: the script ran over {TIMEOUT_SECONDS} s: {exc.stderr}")
    if done.returncode != 0:
        pytest.fail(
            f"DuckDB {version}: the script exited with {done.returncode}:\n{done.stderr}",
            pytrace=False,
        )
    return _last_json(done.stdout, version)


def _last_json(stdout: str, version: str) -> Any:
    """The JSON document a script printed last: its whole output, else its last line (a
    DuckDB progress bar or a print before it is not the script's answer)."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    for text in (stdout, lines[-1] if lines else ""):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            continue
    pytest.fail(f"DuckDB {version}: the script printed no JSON document:\n{stdout}", pytrace=False)
