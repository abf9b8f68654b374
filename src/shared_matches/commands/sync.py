"""`shared-matches sync`: the command line of shared_matches.sync."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from shared_matches.paths import DataDir


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sync",
        help="fetch a player's new matches from the Halo API into the warehouse and their DB",
        description=(
            "Page the player's match history down to their newest synced match; fetch only the "
            "matches the group lacks (stats, skill, film), landing every response as received; "
            "merge the landing into the warehouse (phase 3); then write the player's rows of "
            "every synced match, new or known, into their DB from the warehouse. Works the "
            "same before and after the player's cleanup. Tokens come from HALO_SPARTAN_TOKEN / "
            "HALO_CLEARANCE_TOKEN or a tokens file (see docs/sync.md)."
        ),
    )
    parser.add_argument("--player", required=True, help="gamertag of the tracked player")
    parser.add_argument(
        "--xuid", help="the player's xuid (default: from their DB, else asked to the API)"
    )
    parser.add_argument(
        "--max-matches",
        type=int,
        metavar="N",
        help="sync at most the N newest unsynced matches (older ones: a later --full)",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="read the whole history instead of stopping at the newest synced match",
    )
    parser.add_argument(
        "--no-build",
        action="store_true",
        help="only land the responses: no merge, nothing written into the player DB (the next "
        "sync, or dbt build --selector phase3, merges them)",
    )
    parser.add_argument("--tokens-file", help="JSON file with spartan_token and clearance_token")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    # Advanced: send the API requests to another server (the offline test server).
    parser.add_argument("--api-base-url", help=argparse.SUPPRESS)
    parser.add_argument("--requests-per-second", type=int, default=5, help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from shared_matches.paths import UserError
    from shared_matches.sync.api_client import API_BASE_URL_ENV, HaloApi, load_tokens
    from shared_matches.sync.engine import SyncEngine, SyncOptions

    if args.max_matches is not None and args.max_matches < 1:
        raise UserError("--max-matches must be at least 1.")
    data_dir = DataDir.from_env(args.data_dir)
    tokens = load_tokens(data_dir, args.tokens_file)
    options = SyncOptions(
        max_matches=args.max_matches,
        full=args.full,
        build=not args.no_build,
        progress=not args.no_progress and sys.stderr.isatty(),
        xuid=args.xuid,
    )
    base_url = args.api_base_url or os.environ.get(API_BASE_URL_ENV) or None

    async def go() -> str:
        async with HaloApi.connect(
            tokens,
            api_base_url=base_url,
            requests_per_second=args.requests_per_second,
            data_dir=data_dir,
        ) as api:
            engine = SyncEngine(data_dir, args.player, api, options)
            try:
                summary = await engine.run()
            except UserError:
                done = engine.summary
                if done.new or done.known or done.skipped:  # what was written stays written
                    print(done.format(), file=sys.stderr)
                raise
            return summary.format()

    print(asyncio.run(go()))
    return 0
