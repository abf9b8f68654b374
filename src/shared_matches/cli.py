"""The `shared-matches` command: one sub-command per job, each defined in its own module.

Every module listed in COMMAND_MODULES exposes ``register(subparsers)``, which adds its
sub-parser and sets ``func`` (called with the parsed args, returns an exit code).
"""

from __future__ import annotations

import argparse
import errno
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
    except duckdb.Error as exc:
        # a DuckDB failure no command turned into a UserError: one line, no traceback
        print(f"error: {unexpected_duckdb_error(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {unexpected_os_error(exc)}", file=sys.stderr)
        return 2


def unexpected_duckdb_error(exc: duckdb.Error) -> str:
    from shared_matches.duckdb_files import first_line, is_corruption_error, is_disk_full

    if is_disk_full(exc):
        return f"no space left on a device ({first_line(exc)}): free some space, then run again."
    if is_corruption_error(exc):
        return (
            f"a DuckDB file is damaged ({first_line(exc)}): put back a copy of it (backups/ "
            "holds the player DBs'), then run again."
        )
    return f"DuckDB failed: {first_line(exc)}"


def unexpected_os_error(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return f"no space left on the device{where}: free some space, then run again."
    return f"{exc.strerror or exc}{where}: check that path, then run again."


if __name__ == "__main__":
    sys.exit(main())
