"""One measured step of the benchmark, run in its own process so that its wall time and peak
memory are the ones a user's command has: `python -m shared_matches.bench.worker STEP ...`.

    floor <data_dir> <output.duckdb> [memory_limit]
    migrate <data_dir> [gamertag ...]      `shared-matches migrate`
    cleanup <data_dir>                      what `shared-matches cleanup --all` does
    view <data_dir> <gamertag> <lookups>    one match's events through a compatibility view

Prints one JSON object on its last line of stdout.
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()


def floor_step(data_dir: Path, output: Path, memory_limit: str | None) -> dict:
    from shared_matches.bench.floor import run_floor
    from shared_matches.paths import DataDir

    result = run_floor(DataDir(data_dir), output, memory_limit=memory_limit)
    return {"seconds": result.seconds, "rows": result.rows}


def migrate_step(data_dir: Path, players: list[str]) -> dict:
    """`shared-matches migrate` itself (the report included), with a session whose timings
    are read afterwards. dbt is imported when the command first needs it, as in the
    command: a no-op run never imports it."""
    from shared_matches.cli import build_parser
    from shared_matches.commands import migrate
    from shared_matches.dbt_session import DbtSession
    from shared_matches.paths import DataDir

    imported = time.perf_counter()
    argv = ["migrate", "--data-dir", str(data_dir)]
    if players:
        argv += ["--players", ",".join(players)]
    args = build_parser().parse_args(argv)
    session = DbtSession(DataDir(data_dir))
    timed: list = []
    with contextlib.redirect_stdout(io.StringIO()):
        code = migrate.run(args, session=session, runs_out=timed)
    if code:
        raise SystemExit(f"migrate exited with {code}")
    return {
        "python_import_seconds": imported - STARTED,
        "dbt_import_and_parse_seconds": session.parse_seconds,
        "runs": [
            {"gamertag": r.gamertag, "status": r.status, "seconds": r.seconds, "new": r.new_matches}
            for r in timed
        ],
    }


def cleanup_step(data_dir: Path) -> dict:
    from shared_matches.cli import main

    code = main(["cleanup", "--all", "--data-dir", str(data_dir)])
    if code:
        raise SystemExit(f"cleanup --all exited with {code}")
    return {}


# one match's events through the view, for `lookups` different matches, in whichever DuckDB
# runs it (the first lookup opens the files: timed apart); only duckdb is imported, so that
# the Python of a side environment (.venv/compat) runs it too
LOOKUPS = """
import duckdb, json, statistics, sys, time
con = duckdb.connect(sys.argv[1], read_only=True)
match_ids = [r[0] for r in con.execute(
    "select match_id from match_stats order by hash(match_id) limit ?", [int(sys.argv[2]) + 1]
).fetchall()]
times, rows = [], []
for match_id in match_ids:
    started = time.perf_counter()
    found = con.execute(
        "select * from highlight_events where match_id = ? order by id", [match_id]
    ).fetchall()
    times.append(time.perf_counter() - started)
    rows.append(len(found))
con.close()
print(json.dumps({
    "duckdb": duckdb.__version__,
    "first_ms": 1000 * times[0],
    "median_ms": 1000 * statistics.median(times[1:]),
    "max_ms": 1000 * max(times[1:]),
    "lookups": len(times) - 1,
    "median_rows": statistics.median(rows[1:]),
}))
"""


def view_step(data_dir: Path, gamertag: str, lookups: int) -> dict:
    """Open the cleaned player DB as the app does (read-only, nothing attached: the views read
    the read layer's Parquet files) and read one match's events through the highlight_events
    view, for `lookups` different matches: with the project's DuckDB, then with each DuckDB
    release of the app that `make compat` installed (1.4.x, 1.5.x), one after the other."""
    import subprocess

    from shared_matches.paths import PROJECT_ROOT, DataDir

    path = str(DataDir(data_dir).player_db(gamertag))
    pythons = [Path(sys.executable)]
    pythons += sorted((PROJECT_ROOT / ".venv" / "compat").glob("duckdb-*/bin/python"))
    releases = []
    for python in pythons:
        done = subprocess.run(
            [str(python), "-c", LOOKUPS, path, str(lookups)],
            capture_output=True,
            text=True,
            check=True,
        )
        releases.append(json.loads(done.stdout.strip().splitlines()[-1]))
    # the figure: the slowest release's median (the app runs whichever the user has)
    slowest = max(releases, key=lambda r: r["median_ms"])
    return {**slowest, "releases": releases}


def peak_rss_kib() -> int:
    """This process's own peak RSS since it started (VmHWM of /proc/self/status). Not
    getrusage's ru_maxrss: Linux carries the parent's high-water mark over fork and exec, so
    every step would report at least the benchmark's own size (it generates the data sets
    and runs the syncs in-process)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str]) -> int:
    command, data_dir = argv[0], Path(argv[1])
    if command == "floor":
        figures = floor_step(data_dir, Path(argv[2]), argv[3] if len(argv) > 3 else None)
    elif command == "migrate":
        figures = migrate_step(data_dir, argv[2:])
    elif command == "cleanup":
        figures = cleanup_step(data_dir)
    elif command == "view":
        figures = view_step(data_dir, argv[2], int(argv[3]))
    else:
        raise SystemExit(f"unknown step {command!r}")
    figures["self_peak_kib"] = peak_rss_kib()
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
