"""`shared-matches migrate`: phase 1 if needed, then phase 2 for each player, then the report.

dbt does the data work (one `dbt build --selector phase2` per player, which also runs the
phase-2 checklist); this module orders the players, holds the warehouse lock, keeps a copy
of the warehouse during each player's run so a failure leaves it as it was, and reports.
"""

from __future__ import annotations

import argparse
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from shared_matches import player_db
from shared_matches.compaction import compact_file, free_blocks
from shared_matches.dbt_runner import run_dbt
from shared_matches.locking import warehouse_lock
from shared_matches.paths import DataDir, UserError, order_players

SHARED_TABLES = (
    "match_registry",
    "match_players",
    "match_participants",
    "highlight_events",
    "xuid_aliases",
)
COMPACT_FREE_RATIO = 0.1
# Compaction rewrites the whole warehouse: worth it after a run that added a large share of
# it (a first migration), not after a small incremental run whose free blocks (DuckDB
# rewrites a changed index whole at each checkpoint) the next run reuses anyway.
COMPACT_MIN_NEW_SHARE = 0.1
_DBT_STEP = re.compile(r"\d+ of \d+ (OK created|PASS|FAIL|ERROR|WARN)\S* .*?(?:\w+\.)?(\w+)\s+\.")


@dataclass
class PlayerRun:
    """What one player's phase-2 run did."""

    gamertag: str
    matches: int
    new_matches: int
    known_matches: int
    seconds: float


def warehouse_ready(data_dir: DataDir) -> bool:
    """True when the warehouse exists and holds every shared table."""
    if not data_dir.warehouse.is_file():
        return False
    con = duckdb.connect(str(data_dir.warehouse), read_only=True)
    try:
        names = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    finally:
        con.close()
    return set(SHARED_TABLES) <= names


def registry_match_ids(data_dir: DataDir) -> set[str]:
    con = duckdb.connect(str(data_dir.warehouse), read_only=True)
    try:
        return {r[0] for r in con.execute("select match_id from match_registry").fetchall()}
    finally:
        con.close()


def run_phase1(data_dir: DataDir, say: Callable[[str], None] = print) -> None:
    say("Phase 1: creating the shared tables in " + str(data_dir.warehouse))
    data_dir.warehouse_dir.mkdir(parents=True, exist_ok=True)
    run_dbt(["build", "--selector", "phase1"], data_dir)  # its checklist runs in the build
    say("Phase 1: checklist passed (warehouse, tables, indexes)")


def _snapshot_paths(data_dir: DataDir) -> list[tuple[Path, Path]]:
    wh = data_dir.warehouse
    pairs = [(wh, wh.with_name(wh.name + ".before-run"))]
    wal = wh.with_name(wh.name + ".wal")
    if wal.exists():
        pairs.append((wal, wal.with_name(wal.name + ".before-run")))
    return pairs


def migrate_player(
    data_dir: DataDir, gamertag: str, say: Callable[[str], None] = print
) -> PlayerRun:
    """Merge one player's DB into the warehouse (caller holds the lock, phase 1 is done)."""
    path = data_dir.require_player(gamertag)
    started = time.perf_counter()
    ids = player_db.match_ids(path)  # also proves the file is readable (not locked)
    known = ids & registry_match_ids(data_dir)
    say(f"  {gamertag}: {len(ids)} matches ({len(ids) - len(known)} new, {len(known)} known)")
    snapshots = _snapshot_paths(data_dir)
    for original, copy in snapshots:
        shutil.copy2(original, copy)
    try:
        run_dbt(
            ["build", "--selector", "phase2"],
            data_dir,
            player=gamertag,
            on_line=lambda line: _echo_step(line, say),
        )
    except BaseException:
        for original, copy in snapshots:
            shutil.copy2(copy, original)
        say(f"  {gamertag}: failed; the warehouse is back as it was before this player's run")
        raise
    finally:
        for _, copy in snapshots:
            copy.unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    say(f"  {gamertag}: merged and checked in {seconds:.1f} s")
    return PlayerRun(gamertag, len(ids), len(ids) - len(known), len(known), seconds)


def _echo_step(line: str, say: Callable[[str], None]) -> None:
    match = _DBT_STEP.search(line)
    if match:
        status, name = match.groups()
        say(f"    {'merged' if status.startswith('OK') else status.lower():>6} {name}")
    elif "Could not set lock" in line or "Compilation Error" in line:
        say("    " + line.strip())


def migrate_players(
    data_dir: DataDir,
    players: list[str] | None = None,
    *,
    say: Callable[[str], None] = print,
    lock_timeout: float = 600.0,
) -> list[PlayerRun]:
    """Phase 1 if needed, then phase 2 for each player in the plan's order."""
    chosen = order_players(players) if players else data_dir.discover_players()
    if not chosen:
        raise UserError(f"No player DB found under {data_dir.players_dir}")
    for gamertag in chosen:
        data_dir.require_player(gamertag)
    runs: list[PlayerRun] = []
    with warehouse_lock(data_dir, "migrate " + ", ".join(chosen), timeout=lock_timeout):
        if not warehouse_ready(data_dir):
            run_phase1(data_dir, say)
        for number, gamertag in enumerate(chosen, start=1):
            say(f"[{number}/{len(chosen)}] Phase 2: {gamertag}")
            runs.append(migrate_player(data_dir, gamertag, say))
        new_matches = sum(run.new_matches for run in runs)
        if new_matches >= COMPACT_MIN_NEW_SHARE * len(registry_match_ids(data_dir)):
            compact_warehouse(data_dir, say)
    return runs


def compact_warehouse(data_dir: DataDir, say: Callable[[str], None] = print) -> None:
    """Give the blocks that merges left free back to the disk (DuckDB never shrinks a file
    in place): a verified rewrite, swapped in atomically, when a tenth or more is free."""
    free, total = free_blocks(data_dir.warehouse)
    if total == 0 or free / total < COMPACT_FREE_RATIO:
        return
    result = compact_file(data_dir.warehouse)
    say(
        f"Warehouse compacted: {result.before_bytes / 2**20:.1f} MiB -> "
        f"{result.after_bytes / 2**20:.1f} MiB"
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "migrate",
        help="migrate player DBs into the shared warehouse (phase 1 + phase 2) and report",
    )
    parser.add_argument("--players", help="comma-separated gamertags (default: every player DB)")
    parser.add_argument(
        "--demo-if-empty",
        action="store_true",
        help="generate the demo player DBs first when the data dir holds none",
    )
    parser.add_argument("--docs", action="store_true", help="also write the static lineage docs")
    parser.add_argument("--no-report", action="store_true", help="skip the report")
    parser.add_argument(
        "--lock-timeout",
        type=float,
        default=600.0,
        help="seconds to wait for another command that holds the warehouse (default 600)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    data_dir = DataDir.from_env(args.data_dir)
    print(f"Data dir: {data_dir.root}")
    if args.demo_if_empty and not data_dir.discover_players():
        from shared_matches.demo_data import generate_demo_data

        print("No player DB found: generating the demo data set first")
        print(generate_demo_data(data_dir).format())
    players = [p.strip() for p in args.players.split(",")] if args.players else None
    runs = migrate_players(data_dir, players, lock_timeout=args.lock_timeout)
    if not args.no_report:
        from shared_matches.report import write_report

        write_report(data_dir, runs)
    if args.docs:
        from shared_matches.docs import generate_docs

        generate_docs(data_dir)
    return 0
