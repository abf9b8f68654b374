"""`shared-matches demo-data`: write demo v4 player DBs (or add new matches to one).

The default set is the plan's four players: Chocoboflor (about 1000 matches) and three
friends who share 95% (Madina97294), 75% (JGtm) and 100% (xxdameongamerxx) of their
matches with Chocoboflor, with the real data's mess (an older-layout DB, incomplete
copies, gamertag changes). Same seed, same table contents.
"""

from __future__ import annotations

import argparse

from shared_matches.demo.generate import append_new_matches, generate_demo_data
from shared_matches.demo.players import parse_overlap
from shared_matches.demo.summary import DemoSummary, PlayerSummary
from shared_matches.paths import DataDir, UserError

__all__ = [
    "DemoSummary",
    "PlayerSummary",
    "append_new_matches",
    "generate_demo_data",
    "register",
]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo-data",
        help="generate demo player DBs (v4 layout) under $HALO_DATA_DIR/players",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--players",
        help="comma-separated gamertags (default: Chocoboflor,Madina97294,JGtm,xxdameongamerxx)",
    )
    parser.add_argument(
        "--matches",
        type=int,
        default=1000,
        help="matches of the reference player, Chocoboflor (default: 1000)",
    )
    parser.add_argument(
        "--overlap",
        action="append",
        default=[],
        metavar="NAME=FRACTION",
        help="fraction of NAME's matches also in Chocoboflor's DB (repeatable; "
        "defaults: Madina97294 0.95, JGtm 0.75, xxdameongamerxx 1.0, others 0.5)",
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiplies every match count (default: 1)"
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    parser.add_argument("--force", action="store_true", help="overwrite existing player DBs")
    parser.add_argument(
        "--append-to",
        metavar="GAMERTAG",
        help="instead of generating a set, add --new-matches brand-new matches to this "
        "player's existing DB",
    )
    parser.add_argument(
        "--new-matches",
        type=int,
        default=10,
        help="how many matches --append-to adds (default: 10)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    data_dir = DataDir.from_env(args.data_dir)
    if args.append_to:
        match_ids = append_new_matches(data_dir, args.append_to, args.new_matches, args.seed)
        print(f"Added {len(match_ids)} new matches to {data_dir.player_db(args.append_to)}:")
        for match_id in match_ids:
            print(f"  {match_id}")
        return 0
    players = None
    if args.players is not None:
        players = [p.strip() for p in args.players.split(",") if p.strip()]
        if not players:
            raise UserError("--players is empty.")
    overlaps = dict(parse_overlap(text) for text in args.overlap)
    summary = generate_demo_data(
        data_dir,
        players=players,
        matches=args.matches,
        overlaps=overlaps,
        scale=args.scale,
        seed=args.seed,
        force=args.force,
        progress=not args.quiet,
    )
    print(summary.format())
    return 0
