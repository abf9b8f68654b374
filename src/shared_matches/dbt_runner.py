"""Run dbt as a subprocess (in-process dbtRunner keeps DuckDB files locked)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shared_matches.paths import PROJECT_ROOT, DataDir, UserError


@dataclass
class DbtResult:
    args: list[str]
    returncode: int
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def dbt_target_dir(data_dir: DataDir) -> Path:
    """dbt's target/ for runs on this data dir (kept apart so that runs on two data dirs
    never overwrite each other's compiled files, manifest or docs)."""
    return data_dir.root / ".dbt" / "target"


def dbt_env(data_dir: DataDir) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HALO_DATA_DIR=str(data_dir.root),
        HALO_PROJECT_ROOT=str(PROJECT_ROOT),
        DBT_PROJECT_DIR=str(PROJECT_ROOT),
        DBT_PROFILES_DIR=str(PROJECT_ROOT / "profiles"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_USE_COLORS="false",
        DBT_TARGET_PATH=str(dbt_target_dir(data_dir)),
        DBT_LOG_PATH=str(data_dir.root / ".dbt" / "logs"),
    )
    return env


# read by the player() macro when --vars gives no player
PLAYER_ENV = "HALO_PLAYER"


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(
    args: list[str],
    data_dir: DataDir,
    player: str | None = None,
    extra_vars: dict | None = None,
    check: bool = True,
    echo: bool = False,
    on_line: Callable[[str], None] | None = None,
) -> DbtResult:
    """Run one dbt command from the project root; raise UserError with dbt's message on failure."""
    cmd = [dbt_executable(), *args]
    env = dbt_env(data_dir)
    env.pop(PLAYER_ENV, None)
    dbt_vars = dict(extra_vars or {})
    if player is not None:
        if _target(args) == "compat":
            # the compat target's profile attaches the player DB by var('player')
            dbt_vars["player"] = player
        else:
            # the player() macro reads it: dbt keeps its partial parsing between players
            env[PLAYER_ENV] = player
    if dbt_vars:
        cmd += ["--vars", json.dumps(dbt_vars)]
    started = time.perf_counter()
    lines: list[str] = []
    with subprocess.Popen(
        cmd,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if echo:
                print(line, end="")
            if on_line is not None:
                on_line(line.rstrip("\n"))
    output = "".join(lines)
    result = DbtResult(cmd, proc.returncode, output, time.perf_counter() - started)
    if check and not result.ok:
        raise UserError(f"dbt {' '.join(args[:1])} failed:\n{summarise_failure(output)}")
    return result


def _target(args: list[str]) -> str | None:
    """The --target of a dbt command line, if any."""
    if "--target" in args[:-1]:
        return args[args.index("--target") + 1]
    return None


_TIMESTAMP = re.compile(r"^\d\d:\d\d:\d\d\s+")


def summarise_failure(output: str) -> str:
    """The part of dbt's output that says what went wrong (its closing error summary)."""
    lines = [_TIMESTAMP.sub("", line).rstrip() for line in output.splitlines()]
    starts = [
        i
        for i, line in enumerate(lines)
        if line.startswith(("Completed with", "Encountered an error"))
    ]
    if starts:
        block = lines[starts[-1] + 1 :]
    else:
        block = lines[-30:]
    keep = [
        line
        for line in block
        if line.strip()
        and not line.startswith(("Done.", "  > "))
        and "compiled code at" not in line
    ]
    return "\n".join(keep[-40:])
