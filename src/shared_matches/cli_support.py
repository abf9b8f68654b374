"""What every sub-command shares: the exit codes, the options every command takes, --json.

The exit codes of `shared-matches` (also in `--help` and the README):
0 the command did its job; 2 a user error (a bad option, a missing player DB or warehouse, a
busy warehouse: the message says what to do); 1 a failure (a checklist that failed, a command
that stopped part way: the message says what was left as it was); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import Any

from shared_matches.locking import LOCK_TIMEOUT
from shared_matches.paths import DataDir

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130

EXIT_CODES_EPILOG = (
    "exit codes: 0 ok; 2 user error (bad option, missing player DB or warehouse, busy "
    "warehouse); 1 failure (a check failed or a command stopped part way); 130 interrupted.\n"
    "--data-dir (default $HALO_DATA_DIR, else data/ in the project) may come before or after "
    "the command."
)
DATA_DIR_HELP = "data directory (default: $HALO_DATA_DIR, else data/ in the project)"


def add_common_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    """--data-dir, on the main parser (default None) and on every sub-command (where it is
    only set when given, so that `--data-dir X status` and `status --data-dir X` both work)."""
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None if top_level else argparse.SUPPRESS,
        help=DATA_DIR_HELP,
    )


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print the result as JSON (for scripts) instead"
    )


def add_lock_timeout_option(parser: argparse.ArgumentParser) -> None:
    """--lock-timeout, for the commands that wait for the warehouse's write lock."""
    parser.add_argument(
        "--lock-timeout",
        type=float,
        default=LOCK_TIMEOUT,
        help=f"seconds to wait for another command that holds the warehouse "
        f"(default {LOCK_TIMEOUT:g})",
    )


def data_dir_of(args: argparse.Namespace) -> DataDir:
    return DataDir.from_env(getattr(args, "data_dir", None))


def print_json(document: Any) -> None:
    json.dump(document, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def subcommand_helps(subparsers: argparse._SubParsersAction) -> dict[str, str | None]:
    """The one-line description each sub-command shows in `shared-matches --help`."""
    return {action.dest: action.help for action in subparsers._choices_actions}


def finish_subcommands(subparsers: argparse._SubParsersAction, names: Iterable[str]) -> None:
    """Give every sub-command the common options, its one-line help as the description of its
    own --help when it has none, and the exit codes as epilog."""
    helps = subcommand_helps(subparsers)
    for name in names:
        parser = subparsers.choices[name]
        add_common_options(parser, top_level=False)
        if not parser.description and helps.get(name):
            parser.description = helps[name][:1].upper() + helps[name][1:] + "."
        if not parser.epilog:
            parser.epilog = EXIT_CODES_EPILOG
            if parser.formatter_class is argparse.HelpFormatter:
                parser.formatter_class = argparse.RawDescriptionHelpFormatter
