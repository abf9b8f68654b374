"""`shared-matches status`: the command line of shared_matches.status."""

from __future__ import annotations

import argparse

from shared_matches.cli_support import add_json_option, data_dir_of, print_json
from shared_matches.status import collect_status, render_text


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "status",
        help="show where each player and the warehouse stand (read-only)",
        description=(
            "Per player: migrated (when, matches, new vs known), changed since its last merge, "
            "cleaned up or not, last backup, last sync and what it brought. For the warehouse: "
            "size, free space, matches, last run. Opens every file read-only; writes nothing."
        ),
    )
    add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    status = collect_status(data_dir_of(args))
    if args.json:
        print_json(status.to_json())
    else:
        print(render_text(status), end="")
    return 0
