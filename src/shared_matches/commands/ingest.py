"""`shared-matches ingest`: the command line of shared_matches.ingest."""

from __future__ import annotations

import argparse
from pathlib import Path

from shared_matches.paths import DataDir


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="land recorded Halo API responses, merge them, write the player's rows",
        description=(
            "Read recorded API responses (match stats, skill, history pages, asset versions, "
            "film manifests and chunks named NN_<match_id>.gzip) from a directory, land them as "
            "received, merge them into the warehouse (phase 3), then write the player's rows of "
            "the matches they played into their v4 DB. Layout: docs/sync.md."
        ),
    )
    parser.add_argument("--player", required=True, help="gamertag of the DB's owner")
    parser.add_argument(
        "--from", dest="source", required=True, help="directory of recorded responses"
    )
    parser.add_argument(
        "--xuid", help="the owner's xuid (default: from their DB, else from the films)"
    )
    parser.add_argument(
        "--no-build", action="store_true", help="only land the responses (no merge, no rows)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported here: the film decoder and the API client take 0.6 s to import, which every
    # other command (a no-op migrate among them) would pay for building the parser
    from shared_matches.ingest import ingest_recorded

    data_dir = DataDir.from_env(args.data_dir)
    summary = ingest_recorded(
        data_dir,
        args.player,
        Path(args.source).expanduser().resolve(),
        xuid=args.xuid,
        build=not args.no_build,
    )
    print(summary.format())
    return 0
