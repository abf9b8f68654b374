"""The `shared-matches` command: one sub-command per job, each defined in its own module.

Every module listed in COMMAND_MODULES exposes ``register(subparsers)``, which adds its
sub-parser and sets ``func`` (called with the parsed args, returns an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import sys

import duckdb

from shared_matches.paths import UserError

COMMAND_MODULES = (
    "shared_matches.demo_data",
    "shared_matches.migrate",
    "shared_matches.report",
    "shared_matches.docs",
    "shared_matches.cleanup",
    "shared_matches.restore",
    "shared_matches.ingest",
    "shared_matches.sync",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shared-matches",
        description="Migrate per-player Halo Infinite stats DBs into one shared warehouse.",
    )
    parser.add_argument(
        "--data-dir",
        help="data directory (default: $HALO_DATA_DIR, else data/ in the project)",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (duckdb.Error, OSError) as exc:
        # a failure no command turned into a UserError: one line, no traceback
        from shared_matches.duckdb_files import unexpected_error

        print(f"error: {unexpected_error(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
