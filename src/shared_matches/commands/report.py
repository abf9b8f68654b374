"""`shared-matches report`: the command line of shared_matches.report."""

from __future__ import annotations

import argparse

from shared_matches.cli_support import add_lock_timeout_option
from shared_matches.paths import DataDir
from shared_matches.report import write_report
from shared_matches.report.history import latest_document, state_digest


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="rebuild the migration report (checklists, no-loss counts, sizes) from the files",
        description=(
            "Rebuild the migration report from the current player DBs and warehouse: every "
            "phase's checklist is run (dbt, read-only on the player DBs) and shown test by "
            "test with the rows it compared. When nothing changed since the latest report, "
            "that report is kept (--force writes a new one)."
        ),
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="write a new report even when nothing changed since the latest one",
    )
    add_lock_timeout_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from shared_matches.report.figures import open_warehouse

    data_dir = DataDir.from_env(args.data_dir)
    open_warehouse(data_dir).close()  # a clear error when there is no warehouse yet
    latest = latest_document(data_dir)
    if not args.force and latest and latest.get("state_digest") == state_digest(data_dir):
        print(
            f"Nothing changed since the latest report ({latest.get('generated_at')}): kept "
            f"{data_dir.reports_dir / 'latest.html'} (--force writes a new one)."
        )
        return 0
    files = write_report(data_dir, lock_timeout=args.lock_timeout)
    if files.figures is not None and not files.figures.checks_passed:
        print("error: some checklist tests failed (see the report)")
        return 1
    return 0
