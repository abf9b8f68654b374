"""`shared-matches cleanup`: phase 5, per player, in this order.

1. Gate: the phase-2 no-loss checklist (the tests of `dbt test --selector checklist_phase2`)
   and a direct comparison of the player DB with the warehouse; anything missing stops the
   run before any write, with the list of what is missing. The same dbt run compiles the
   compatibility views (models/compat) for this DB's own columns.
2. Backup: a verified copy under backups/<player>/<timestamp>/stats.duckdb.
3. Swap, in one transaction on the player DB: the gate is checked again under the write lock,
   the original columns of match_participants, highlight_events and xuid_aliases are
   recorded (compat_original_columns), the three tables are dropped and views of the same
   names are created from the SQL dbt compiled for them (models/compat, for those columns).
4. Views by dbt: `dbt build --target compat` of the phase5 selector's models (re)creates the
   views, runs their tests and the phase-5 checklist (checklist_phase5); then the views are
   checked as the app uses them (player DB opened directly, warehouse attached).
5. Space: the DB is rewritten without its free blocks (verified copy, atomic rename).

A run killed at any point leaves the player DB either as it was (nothing committed before
step 3's commit) or with its tables replaced by working views; a re-run sees which, and
finishes the job (steps 4 and 5). The whole run holds the warehouse lock of `migrate`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from shared_matches.backup import Backup, create_backup, find_backup, verify_backup
from shared_matches.cleanup_sizes import format_size, write_size_report
from shared_matches.cleanup_state import CLEANED, ORIGINAL, inspect_player_db
from shared_matches.compaction import (
    Compaction,
    compact_file,
    compact_player_db,
    estimate_cleaned_size,
)
from shared_matches.dbt_runner import dbt_target_dir, run_dbt, summarise_failure
from shared_matches.duckdb_files import (
    MOVED_TABLES,
    RECORD_TABLE,
    attach_warehouse,
    ensure_writable,
    file_size,
    open_db,
    quote_ident,
    row_counts,
    table_columns,
)
from shared_matches.failpoints import CLEANUP_STEPS, arm, failpoint
from shared_matches.locking import warehouse_lock
from shared_matches.noloss import find_missing, missing_rows
from shared_matches.paths import DataDir, UserError
from shared_matches.player_identity import read_player_xuid

Printer = Callable[[str], None]

# One dbt run (default target) for the gate: the phase-2 checklist (the checklist_phase2
# selector's tag) plus the compatibility models, which compiles their SQL for this DB.
GATE_SELECTION = ["tag:checklist_phase2", "path:models/compat"]
# One dbt run (target compat) for the views: the phase5 selector's models, their tests and the
# phase-5 checklist (the checklist_phase5 selector's tag).
VIEWS_SELECTION = ["path:models/compat", "tag:checklist_phase5"]


@dataclass
class CleanupOutcome:
    player: str
    resumed: bool
    backup: Backup
    view_rows: dict[str, int]
    compaction: Compaction | None


def require_warehouse(data_dir: DataDir) -> Path:
    if not data_dir.warehouse.is_file():
        raise UserError(
            f"Warehouse not found: {data_dir.warehouse} (run `shared-matches migrate` first)."
        )
    return data_dir.warehouse


# --- step 1: the gate -------------------------------------------------------------------


def run_gate(data_dir: DataDir, player: str, out: Printer) -> dict[str, str]:
    """Refuse (UserError) unless every row of the player's DB is in the warehouse; return the
    SQL of the three compatibility views, compiled by dbt in the same run for this DB.
    The direct comparison runs first (it is cheap, and says exactly what is missing)."""
    missing = find_missing(data_dir, player)
    if missing.total:
        raise UserError(
            f"{player} is not fully in the warehouse: nothing was written.\n"
            f"Missing from the warehouse:\n{missing.describe()}\n"
            f"Migrate the player first: shared-matches migrate --player {player}"
        )
    files = compiled_view_files(data_dir)
    for file in files.values():
        file.unlink(missing_ok=True)
    result = run_dbt(["build", "--select", *GATE_SELECTION], data_dir, player=player, check=False)
    if not result.ok:
        raise UserError(
            f"{player}: the checklist_phase2 tests (or the compilation of the compatibility "
            "views) failed: nothing was written.\n"
            + summarise_failure(result.output)
            + f"\nMigrate the player first: shared-matches migrate --player {player}"
        )
    absent = [str(f) for f in files.values() if not f.is_file()]
    if absent:
        raise UserError(f"dbt did not compile the compatibility views: {', '.join(absent)}")
    out(f"[{player}] gate passed: nothing missing from the warehouse, checklist_phase2 green")
    return {table: file.read_text() for table, file in files.items()}


def compiled_view_files(data_dir: DataDir) -> dict[str, Path]:
    folder = dbt_target_dir(data_dir) / "compiled" / "shared_matches" / "models" / "compat"
    return {table: folder / f"compat__{table}.sql" for table in MOVED_TABLES}


# --- step 3: tables -> views, one transaction ----------------------------------------------


def original_columns(path: Path) -> dict[str, list[tuple[str, str]]]:
    with open_db(path, read_only=True) as con:
        return {table: table_columns(con, table) for table in MOVED_TABLES}


def swap_tables_for_views(
    data_dir: DataDir,
    player: str,
    backup: Backup,
    columns: dict[str, list[tuple[str, str]]],
    view_sql: dict[str, str],
) -> dict[str, int]:
    """In one transaction: check again, record the columns, drop the three tables and create
    the views in their place (each must have the table's exact columns and answer). A crash
    or a failed check before the commit leaves the DB as it was."""
    path = data_dir.player_db(player)
    with open_db(path, read_only=False) as con:
        xuid = read_player_xuid(con, str(path))
        catalog = con.execute("select current_database()").fetchone()[0]
        attach_warehouse(con, data_dir.warehouse)
        con.execute("begin transaction")
        try:
            counts = row_counts(con, catalog)
            if counts != backup.row_counts:
                raise UserError(
                    f"{path} changed since its backup {backup.backup_id} was taken (row counts "
                    "differ): nothing was dropped. Run the cleanup again."
                )
            if {t: table_columns(con, t, catalog) for t in MOVED_TABLES} != columns:
                raise UserError(f"{path}: table columns changed meanwhile; nothing was dropped.")
            missing = missing_rows(con, xuid)
            if missing.total:
                raise UserError(
                    f"{player}: missing from the warehouse, nothing was dropped:\n"
                    + missing.describe()
                )
            record_columns(con, catalog, columns, counts, backup.backup_id)
            for table in MOVED_TABLES:
                name = f"{quote_ident(catalog)}.main.{quote_ident(table)}"
                con.execute(f"drop table {name}")
                con.execute(f"create view {name} as {view_sql[table]}")
                got = table_columns(con, table, catalog)
                if got != columns[table]:
                    raise UserError(
                        f"{path}: the compiled view {table} has columns {got}, the table had "
                        f"{columns[table]}: nothing was dropped."
                    )
                con.execute(f"select count(*) from {name}").fetchone()
            failpoint("during_drop")
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("commit")
        con.execute("checkpoint")
    return {t: counts[t] for t in MOVED_TABLES}


def record_columns(
    con: duckdb.DuckDBPyConnection,
    catalog: str,
    columns: dict[str, list[tuple[str, str]]],
    counts: dict[str, int],
    backup_id: str,
) -> None:
    record = f"{quote_ident(catalog)}.main.{RECORD_TABLE}"
    con.execute(
        f"create table if not exists {record} ("
        "table_name varchar, column_index integer, column_name varchar, data_type varchar, "
        "row_count bigint, backup_id varchar, recorded_at timestamp, "
        "primary key (table_name, column_index))"
    )
    for table in MOVED_TABLES:
        con.execute(f"delete from {record} where table_name = ?", [table])
        for index, (name, data_type) in enumerate(columns[table], 1):
            con.execute(
                f"insert into {record} values (?, ?, ?, ?, ?, ?, now()::timestamp)",
                [table, index, name, data_type, counts[table], backup_id],
            )


# --- step 4: the views ---------------------------------------------------------------------


def build_views(data_dir: DataDir, player: str) -> None:
    """dbt builds the views (selector phase5) and runs the phase-5 checklist, in one call."""
    run_dbt(["build", "--select", *VIEWS_SELECTION, "--target", "compat"], data_dir, player=player)


def verify_views(data_dir: DataDir, player: str) -> dict[str, int]:
    """Open the player DB as the app does (directly, warehouse attached): views answer with
    the recorded columns. Returns each view's row count."""
    path = data_dir.player_db(player)
    db = inspect_player_db(path)
    if db.state != CLEANED:
        raise UserError(f"{path}: the compatibility views were not all created ({db.views}).")
    rows: dict[str, int] = {}
    with open_db(path, read_only=True) as con:
        attach_warehouse(con, data_dir.warehouse)
        for table in MOVED_TABLES:
            columns = table_columns(con, table)
            if columns != db.recorded_columns[table]:
                raise UserError(
                    f"{path}: view {table} has columns {columns}, "
                    f"the original table had {db.recorded_columns[table]}."
                )
            rows[table] = con.execute(f"select count(*) from {quote_ident(table)}").fetchone()[0]
    return rows


# --- the whole job -------------------------------------------------------------------------


def cleanup_player(
    data_dir: DataDir,
    player: str,
    compact: bool = True,
    out: Printer = print,
    lock_timeout: float = 600.0,
) -> CleanupOutcome:
    """Run (or resume) the cleanup of one player; raise UserError when it must stop."""
    path = data_dir.require_player(player)
    warehouse = require_warehouse(data_dir)
    with warehouse_lock(data_dir, f"cleanup {player}", timeout=lock_timeout):
        ensure_writable(path)
        ensure_writable(warehouse)
        return _cleanup_locked(data_dir, player, compact, out)


def _cleanup_locked(data_dir: DataDir, player: str, compact: bool, out: Printer) -> CleanupOutcome:
    path = data_dir.player_db(player)
    warehouse = data_dir.warehouse
    db = inspect_player_db(path)
    resumed = db.state != ORIGINAL
    if not resumed:
        view_sql = run_gate(data_dir, player, out)
        failpoint("after_gate")
        backup = create_backup(data_dir, player)
        out(
            f"[{player}] backup verified: {backup.db_path} "
            f"({len(backup.row_counts)} tables, {format_size(backup.size_bytes)})"
        )
        failpoint("after_backup")
        columns = original_columns(path)
        dropped = swap_tables_for_views(data_dir, player, backup, columns, view_sql)
        out(
            f"[{player}] tables replaced by views in one transaction: "
            + ", ".join(f"{t} ({n} rows)" for t, n in dropped.items())
        )
        failpoint("after_drop")
    else:
        backup_ids = {r for r in db.recorded_backup_ids if r}
        if len(backup_ids) != 1:
            raise UserError(f"{path}: the tables are gone but no single backup is recorded.")
        backup = find_backup(data_dir, player, backup_ids.pop())
        verify_backup(backup)
        out(f"[{player}] already {db.state}; its backup {backup.backup_id} is verified")
        if db.state != CLEANED:
            # Tables gone but views missing (not left by this command, whose swap is one
            # transaction): build the views first, so that the checklist below finds them.
            run_dbt(
                ["build", "--selector", "phase5", "--target", "compat"], data_dir, player=player
            )
    build_views(data_dir, player)
    failpoint("after_views")
    view_rows = verify_views(data_dir, player)
    out(
        f"[{player}] views answer: "
        + ", ".join(f"{t} ({n} rows)" for t, n in view_rows.items())
        + "; checklist_phase5 green"
    )
    failpoint("after_checks")
    compaction = compact_player_db(path, warehouse) if compact else None
    if compaction and compaction.rewritten:
        out(
            f"[{player}] rewritten: {format_size(compaction.before_bytes)} -> "
            f"{format_size(compaction.after_bytes)}"
        )
    return CleanupOutcome(player, resumed, backup, view_rows, compaction)


def dry_run(data_dir: DataDir, player: str, out: Printer = print) -> None:
    """Say what a cleanup would drop and free; read-only (estimates on a temporary copy)."""
    path = data_dir.require_player(player)
    require_warehouse(data_dir)
    db = inspect_player_db(path)
    size = file_size(path)
    if db.state == CLEANED:
        out(f"[{player}] already cleaned: nothing to drop ({path}, {format_size(size)}).")
        return
    if db.state != ORIGINAL:
        out(f"[{player}] tables already dropped, views missing: a run would build the views.")
        return
    out(f"[{player}] dry run, nothing is written. {path}: {format_size(size)}")
    for table in MOVED_TABLES:
        out(f"  would drop table {table} ({db.moved_row_counts[table]} rows) -> view {table}")
    missing = find_missing(data_dir, player)
    if missing.total:
        out("  the gate would refuse: missing from the warehouse:\n" + missing.describe())
    else:
        out("  warehouse check: every row is in the warehouse (dbt checklist_phase2 not run)")
    after = estimate_cleaned_size(path)
    out(
        f"  would free {format_size(size - after)} ({format_size(size)} -> {format_size(after)}, "
        f"{(size - after) / size:.0%}); the backup would take {format_size(size)}"
    )


# --- command line --------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    data_dir = DataDir.from_env(args.data_dir)
    arm(args.fail_at)
    if args.sizes:
        report = write_size_report(data_dir)
        print(report.to_text())
        return 0
    players = data_dir.discover_players() if args.all else [args.player]
    if not players:
        raise UserError(f"No player DB under {data_dir.players_dir}.")
    if args.dry_run:
        for player in players:
            dry_run(data_dir, player)
        return 0
    failures: list[str] = []
    for player in players:
        try:
            cleanup_player(data_dir, player, compact=not args.no_compact)
        except UserError as exc:
            if not args.all:
                raise
            failures.append(player)
            print(f"[{player}] stopped: {exc}")
    if args.compact_warehouse:
        with warehouse_lock(data_dir, "cleanup: compact the warehouse"):
            result = compact_file(data_dir.warehouse)
        print(
            f"warehouse rewritten: {format_size(result.before_bytes)} -> "
            f"{format_size(result.after_bytes)}"
            if result.rewritten
            else "warehouse has no free blocks: not rewritten"
        )
    report = write_size_report(data_dir)
    print(report.to_text())
    if failures:
        print(f"cleanup stopped for: {', '.join(failures)} (their DBs were left as they were)")
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "cleanup",
        help="phase 5: drop the migrated tables from player DBs, leave compatibility views",
        description=(
            "Per player: check that everything is in the warehouse, back the DB up (verified), "
            "drop match_participants, highlight_events and xuid_aliases and create views of "
            "the same names over the warehouse, then rewrite the file to free the space. "
            "Safe to re-run; an interrupted run is finished by the next one."
        ),
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--player", help="gamertag of the player DB to clean up")
    which.add_argument("--all", action="store_true", help="every player DB, in the plan's order")
    which.add_argument(
        "--sizes", action="store_true", help="only print (and write) the size report"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be dropped and freed; no write"
    )
    parser.add_argument(
        "--no-compact", action="store_true", help="do not rewrite the file to free the space"
    )
    parser.add_argument(
        "--compact-warehouse",
        action="store_true",
        help="then rewrite the warehouse without its free blocks (space left by merges)",
    )
    parser.add_argument("--fail-at", choices=CLEANUP_STEPS, help=argparse.SUPPRESS)
    parser.set_defaults(func=run)
