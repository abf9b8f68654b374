"""`shared-matches repoint`: the command line of shared_matches.cleanup.repoint."""

from __future__ import annotations

import argparse

from shared_matches.cleanup.repoint import repoint_players
from shared_matches.cli_support import add_lock_timeout_option
from shared_matches.paths import DataDir


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "repoint",
        help="after moving the data dir: make the cleaned DBs' views read its read layer",
        description=(
            "Bring the read layer up to date (a publish a stopped command left, or a layer "
            "never written), then make the compatibility views of every cleaned player DB (or "
            "of --players) read this data dir's read layer: run it once after moving or "
            "renaming the data dir. Each DB's three views are replaced in one transaction."
        ),
    )
    parser.add_argument("--players", help="comma-separated gamertags (default: every player)")
    add_lock_timeout_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    players = [p.strip() for p in args.players.split(",") if p.strip()] if args.players else None
    repoint_players(DataDir.from_env(args.data_dir), players, lock_timeout=args.lock_timeout)
    return 0
