"""Timing and peak memory of the benchmark's steps."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from shared_matches.dbt_runner import run_dbt
from shared_matches.paths import DataDir
from shared_matches.v4_schema import create_v4_schema

# A phase-2 build that selects nothing: the same command shape as a player's run (same
# selector, flags and player), so it pays dbt's start-up, parse and project loading only.
NOTHING_SELECTED = [
    "build",
    "--selector",
    "phase2",
    "--exclude-resource-type",
    "model",
    "test",
    "unit_test",
]


@dataclass(frozen=True)
class StepResult:
    figures: dict
    wall_seconds: float
    peak_kib: int  # max RSS of the step's process and of every process it waited for


def run_step(*args: str) -> StepResult:
    """Run `python -m shared_matches.bench.worker ARGS` and read its figures and peak RSS."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "shared_matches.bench.worker", *args],
            stdout=out,
            stderr=err,
            text=True,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark step {args[0]} failed:\n{stderr[-4000:]}{stdout[-2000:]}")
    return StepResult(json.loads(stdout.strip().splitlines()[-1]), wall, usage.ru_maxrss)


def warm_page_cache(paths: list[Path]) -> None:
    """Read the files once so that the first measured step does not pay the cold reads alone."""
    for path in paths:
        with path.open("rb") as handle:
            while handle.read(1 << 24):
                pass


@dataclass(frozen=True)
class FixedCost:
    """dbt's start-up: a phase-2 build selecting nothing, with the player var."""

    per_call: float  # median, the player var changing between calls (as in a migration)
    same_player: float  # median, the same player var again (dbt's partial parsing applies)
    samples: list[float]


def measure_fixed_cost(data_dir: DataDir, players: list[str], repeats: int = 3) -> FixedCost:
    changing, same = [], []
    for number in range(repeats):
        player = players[number % len(players)]
        if len(players) > 1 or number == 0:
            changing.append(run_dbt(NOTHING_SELECTED, data_dir, player=player).seconds)
        same.append(run_dbt(NOTHING_SELECTED, data_dir, player=player).seconds)
    return FixedCost(statistics.median(changing), statistics.median(same), changing + same)


def create_empty_players(data_dir: DataDir, players: list[str]) -> None:
    """Player DBs with the v4 layout and their identity but no match: the same migration
    (same players, calls and nodes) with no data to move."""
    for number, gamertag in enumerate(players):
        path = data_dir.player_db(gamertag)
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
        try:
            create_v4_schema(con)
            con.execute(
                "insert into sync_meta (key, value) values ('xuid', ?), ('gamertag', ?)",
                [f"xuid-empty-{number}", gamertag],
            )
        finally:
            con.close()
