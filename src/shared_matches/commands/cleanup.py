"""`shared-matches cleanup`: the command line of shared_matches.cleanup.steps."""

from __future__ import annotations

import argparse
import sys

import duckdb

from shared_matches.cleanup.sizes import format_size, write_size_report
from shared_matches.cleanup.state import CLEANED, ORIGINAL, inspect_player_db
from shared_matches.cleanup.steps import ChecklistFailed, cleanup_player, dry_run, verify_player
from shared_matches.compaction import (
    compact_file,
)
from shared_matches.dbt_session import DbtSession
from shared_matches.failpoints import CLEANUP_STEPS, arm
from shared_matches.locking import warehouse_lock
from shared_matches.paths import DataDir, UserError


def run(args: argparse.Namespace) -> int:
    data_dir = DataDir.from_env(args.data_dir)
    arm(args.fail_at)
    if args.sizes:
        report = write_size_report(data_dir)
        print(report.to_text())
        return 0
    players = data_dir.discover_players() if args.all else [args.player]
    if not players:
        raise UserError(f"No player DB under {data_dir.players_dir}.")
    if args.verify:
        failed = []
        for player in players:
            try:
                verify_player(data_dir, player)
            except ChecklistFailed as exc:  # a check failed: exit 1 (a user error exits 2)
                print(f"error: {exc}", file=sys.stderr)
                failed.append(player)
        return 1 if failed else 0
    if args.dry_run:
        for player in players:
            dry_run(data_dir, player)
        return 0
    failures: list[str] = []
    session = DbtSession(data_dir)
    for player in players:
        try:
            cleanup_player(
                data_dir,
                player,
                compact=not args.no_compact,
                accept_warehouse_values=args.accept_warehouse_values,
                session=session,
            )
        except UserError as exc:
            if not args.all:
                raise
            failures.append(f"{player} ({_state_after_failure(data_dir, player)})")
            print(f"[{player}] stopped: {exc}")
    if args.compact_warehouse:
        with warehouse_lock(data_dir, "cleanup: compact the warehouse"):
            result = compact_file(data_dir.warehouse)
        print(
            f"warehouse rewritten: {format_size(result.before_bytes)} -> "
            f"{format_size(result.after_bytes)}"
            if result.rewritten
            else "warehouse has no free blocks: not rewritten"
        )
    report = write_size_report(data_dir)
    print(report.to_text())
    if failures:
        print(f"cleanup stopped for: {', '.join(failures)}")
        return 1
    return 0


def _state_after_failure(data_dir: DataDir, player: str) -> str:
    """What a failed cleanup left: the DB as it was, or cleaned with its views (a failure
    after the swap: the checks or the rewrite), which the next run finishes."""
    try:
        state = inspect_player_db(data_dir.player_db(player)).state
    except (UserError, duckdb.Error, OSError):
        return "its DB could not be read"
    if state == ORIGINAL:
        return "DB left as it was"
    if state == CLEANED:
        return "DB already cleaned, views in place: run the cleanup again to finish it"
    return f"DB in state {state}"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "cleanup",
        help="phase 5: drop the migrated tables from player DBs, leave compatibility views",
        description=(
            "Per player: check that everything is in the warehouse, back the DB up (verified), "
            "drop match_participants, highlight_events and xuid_aliases and create views of "
            "the same names over the warehouse, then rewrite the file to free the space. "
            "Safe to re-run; an interrupted run is finished by the next one."
        ),
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--player", help="gamertag of the player DB to clean up")
    which.add_argument("--all", action="store_true", help="every player DB, in the plan's order")
    which.add_argument(
        "--sizes", action="store_true", help="only print (and write) the size report"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be dropped and freed; no write"
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="run the phase-5 checklist of an already cleaned player DB again (no write)",
    )
    parser.add_argument(
        "--accept-warehouse-values",
        action="store_true",
        help="clean up even where the warehouse kept another copy's value than the player's "
        "(the player's stays in the backup)",
    )
    parser.add_argument(
        "--no-compact", action="store_true", help="do not rewrite the file to free the space"
    )
    parser.add_argument(
        "--compact-warehouse",
        action="store_true",
        help="then rewrite the warehouse without its free blocks (space left by merges)",
    )
    parser.add_argument("--fail-at", choices=CLEANUP_STEPS, help=argparse.SUPPRESS)
    parser.set_defaults(func=run)
