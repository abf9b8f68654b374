"""The `shared-matches` command: one sub-command per job, each defined in its own module.

Every module listed in COMMAND_MODULES (the package shared_matches.commands) exposes
``register(subparsers)``, which adds its sub-parser (with a one-line ``help``) and sets
``func`` (called with the parsed args, returns an exit code). build_parser then gives every
sub-command what they share (cli_support): ``--data-dir`` before or after the command, a
description, the exit codes as epilog.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

import duckdb

from shared_matches import __version__
from shared_matches.cli_support import EXIT_CODES_EPILOG, add_common_options, finish_subcommands
from shared_matches.paths import UserError

COMMAND_MODULES = tuple(
    f"shared_matches.commands.{name}"
    for name in (
        "status",
        "demo_data",
        "migrate",
        "report",
        "docs",
        "cleanup",
        "restore",
        "repoint",
        "ingest",
        "sync",
    )
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shared-matches",
        description="Migrate per-player Halo Infinite stats DBs into one shared warehouse.",
        epilog=EXIT_CODES_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"shared-matches {__version__}")
    add_common_options(parser, top_level=True)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    finish_subcommands(subparsers, list(subparsers.choices))
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
    except BrokenPipeError:
        # the reader went away (`status --json | head`): stop quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (duckdb.Error, OSError) as exc:
        # a failure no command turned into a UserError: one line, no traceback
        from shared_matches.duckdb_files import unexpected_error

        print(f"error: {unexpected_error(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
