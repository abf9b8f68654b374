"""`shared-matches docs`: the command line of shared_matches.docs."""

from __future__ import annotations

import argparse

from shared_matches.cli_support import add_lock_timeout_option
from shared_matches.docs import generate_docs
from shared_matches.paths import DataDir


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "docs",
        help="write the dbt lineage docs as one static page ($HALO_DATA_DIR/docs/lineage.html)",
    )
    add_lock_timeout_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    generate_docs(DataDir.from_env(args.data_dir), lock_timeout=args.lock_timeout)
    return 0
