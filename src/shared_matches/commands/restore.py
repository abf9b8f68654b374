"""`shared-matches restore`: the command line of shared_matches.cleanup.restore."""

from __future__ import annotations

import argparse

from shared_matches.cleanup.backup import (
    list_backups,
)
from shared_matches.cleanup.restore import restore_player
from shared_matches.failpoints import RESTORE_STEPS, arm
from shared_matches.paths import DataDir


def run(args: argparse.Namespace) -> int:
    data_dir = DataDir.from_env(args.data_dir)
    arm(args.fail_at)
    if args.list:
        backups = list_backups(data_dir, args.player)
        for b in backups:
            print(f"{b.backup_id}  {b.kind:<12} {b.created_at}  {b.size_bytes} bytes")
        if not backups:
            print(f"no complete backup of {args.player}")
        return 0
    restore_player(data_dir, args.player, args.backup)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "restore",
        help="put a player DB back from a cleanup backup (the latest by default)",
        description=(
            "Restore a player DB from its backups/<player>/<timestamp>/stats.duckdb: the latest "
            "pre-cleanup backup unless --backup is given. The current file is kept first as a "
            "pre-restore backup. The matches synced since the backup are then written back "
            "from the warehouse."
        ),
    )
    parser.add_argument("--player", required=True, help="gamertag of the player DB")
    parser.add_argument("--backup", help="timestamp (folder name) of the backup to restore")
    parser.add_argument("--list", action="store_true", help="list the player's backups")
    parser.add_argument("--fail-at", choices=RESTORE_STEPS, help=argparse.SUPPRESS)
    parser.set_defaults(func=run)
