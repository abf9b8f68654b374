"""One measured step of the benchmark, run in its own process so that its peak memory (and
that of the dbt processes it starts) can be read on exit: `python -m shared_matches.bench.worker`.

    floor <data_dir> <output.duckdb> [memory_limit]
    migrate <data_dir> <calls_dir> [gamertag ...]

Prints one JSON object on its last line of stdout.
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

from shared_matches import migrate
from shared_matches.bench.floor import run_floor
from shared_matches.dbt_runner import DbtResult, dbt_target_dir
from shared_matches.paths import DataDir


def peak_kib(who: int) -> int:
    return resource.getrusage(who).ru_maxrss  # KiB on Linux


def floor_step(data_dir: DataDir, output: Path, memory_limit: str | None) -> dict:
    result = run_floor(data_dir, output, memory_limit=memory_limit)
    return {"seconds": result.seconds, "rows": result.rows}


def migrate_step(data_dir: DataDir, calls_dir: Path, players: list[str]) -> dict:
    """migrate_players, with every dbt call timed and its run_results.json kept."""
    calls: list[dict] = []
    calls_dir.mkdir(parents=True, exist_ok=True)
    real_run_dbt = migrate.run_dbt

    def timed_run_dbt(args: list[str], data_dir: DataDir, **kwargs) -> DbtResult:
        result = real_run_dbt(args, data_dir, **kwargs)
        number = len(calls) + 1
        kept = calls_dir / f"{number:02d}-run_results.json"
        shutil.copyfile(dbt_target_dir(data_dir) / "run_results.json", kept)
        calls.append(
            {
                "args": args,
                "player": kwargs.get("player"),
                "seconds": result.seconds,
                "run_results": str(kept),
            }
        )
        return result

    migrate.run_dbt = timed_run_dbt
    started = time.perf_counter()
    try:
        runs = migrate.migrate_players(data_dir, players or None, say=lambda _: None)
    finally:
        migrate.run_dbt = real_run_dbt
    return {
        "seconds": time.perf_counter() - started,
        "runs": [asdict(r) for r in runs],
        "calls": calls,
        "dbt_peak_kib": peak_kib(resource.RUSAGE_CHILDREN),
    }


def main(argv: list[str]) -> int:
    command, data_dir = argv[0], DataDir.from_env(argv[1])
    if command == "floor":
        figures = floor_step(data_dir, Path(argv[2]), argv[3] if len(argv) > 3 else None)
    elif command == "migrate":
        figures = migrate_step(data_dir, Path(argv[2]), argv[3:])
    else:
        raise SystemExit(f"unknown step {command!r}")
    figures["self_peak_kib"] = peak_kib(resource.RUSAGE_SELF)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
