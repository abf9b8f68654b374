"""`shared-matches migrate`: the command line of shared_matches.migrate."""

from __future__ import annotations

import argparse

from shared_matches.cli_support import add_lock_timeout_option
from shared_matches.dbt_session import DbtSession
from shared_matches.migrate import UP_TO_DATE, PlayerRun, migrate_players
from shared_matches.paths import DataDir


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
    parser.add_argument(
        "--reprocess",
        action="store_true",
        help="merge every match of every chosen player again, even an unchanged DB",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="say what would be merged per player (new / known matches, rows per table); "
        "write nothing",
    )
    parser.add_argument("--docs", action="store_true", help="also write the static lineage docs")
    parser.add_argument("--no-report", action="store_true", help="skip the report")
    add_lock_timeout_option(parser)
    parser.set_defaults(func=run)


def _chosen_players(args: argparse.Namespace) -> list[str] | None:
    return [p.strip() for p in args.players.split(",")] if args.players else None


def run(
    args: argparse.Namespace,
    session: DbtSession | None = None,
    runs_out: list[PlayerRun] | None = None,
) -> int:
    """The command. The benchmark passes its own ``session`` (to read its timings) and
    ``runs_out`` (filled with the players' runs)."""
    data_dir = DataDir.from_env(args.data_dir)
    print(f"Data dir: {data_dir.root}")
    if args.dry_run:
        from shared_matches.plan import run_dry_run

        return run_dry_run(data_dir, _chosen_players(args))
    if args.demo_if_empty and not data_dir.discover_players():
        from shared_matches.demo.generate import generate_demo_data

        print("No player DB found: generating the demo data set first")
        print(generate_demo_data(data_dir).format())
    players = _chosen_players(args)
    session = session or DbtSession(data_dir)
    runs = migrate_players(
        data_dir,
        players,
        lock_timeout=args.lock_timeout,
        reprocess=args.reprocess,
        session=session,
    )
    if runs_out is not None:
        runs_out.extend(runs)
    nothing_changed = all(run.status == UP_TO_DATE for run in runs)
    if nothing_changed:
        print("Nothing to do: every player DB is up to date (the latest report is kept).")
    elif not args.no_report:
        from shared_matches.report import write_report

        write_report(data_dir, runs)
    if args.docs:
        from shared_matches.docs import LINEAGE_PAGE, docs_dir, docs_up_to_date, generate_docs

        if nothing_changed and docs_up_to_date(data_dir):
            print(f"Lineage docs: {docs_dir(data_dir) / LINEAGE_PAGE} (up to date)")
        else:
            generate_docs(data_dir, session=session)
    return 0
