"""`shared-matches cleanup`: phase 5, per player, in this order.

Python orchestrates; dbt owns every SQL rule. The facts of the player DB (owner xuid, the
columns of its three v4 tables, how it spells event types, later its backup) are read here and
passed to dbt in HALO_COMPAT_FACTS (data, never Jinja text).

1. Gate, before any write: `dbt build --selector cleanup_gate` runs the phase-2 checklist of
   the player (nothing of its DB missing from the warehouse) and assert_phase5_values_kept
   (the compatibility views would give back every value its tables hold). A loss stops the
   run; a conflict (the warehouse kept another copy's non-NULL value) too, unless the user
   accepts the warehouse's values (--accept-warehouse-values). The differences are listed from
   the model compat_value_differences.
2. Backup: a verified copy under backups/<player>/<timestamp>/stats.duckdb.
3. Swap, in one transaction on the player DB: the columns are checked again under the write
   lock, recorded (compat_original_columns), the three tables are dropped and the views created
   once, from the SQL dbt compiled for them (models/compat/compat__*.sql, for these columns).
4. Checklist: `dbt build --selector checklist_phase5` (backup complete, tables gone, views with
   the original columns, answering, giving back every value of the backup); then the views are
   read as the app reads them (player DB opened directly, read-only, nothing attached: the
   views read the read layer's Parquet files, src/shared_matches/read_layer.py).
5. Space: the DB is rewritten without its free blocks (verified copy, atomic rename).

A run killed at any point leaves the player DB either as it was (nothing committed before
step 3's commit) or with its tables replaced by working views; a re-run sees which, and
finishes the job (steps 4 and 5). The whole run holds the warehouse lock of `migrate`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from shared_matches.cleanup.app_sync import read_findings, sync_arg
from shared_matches.cleanup.backup import Backup, create_backup, find_backup, verify_backup
from shared_matches.cleanup.sizes import format_size
from shared_matches.cleanup.state import CLEANED, ORIGINAL, inspect_player_db
from shared_matches.compaction import (
    Compaction,
    compact_player_db,
    estimate_cleaned_size,
)
from shared_matches.dbt_session import DbtSession
from shared_matches.duckdb_files import (
    MOVED_TABLES,
    RECORD_TABLE,
    SPELLINGS_TABLE,
    attach_file,
    ensure_writable,
    file_size,
    open_db,
    quote_ident,
    row_counts,
    table_columns,
)
from shared_matches.failpoints import failpoint
from shared_matches.locking import LOCK_TIMEOUT, warehouse_lock
from shared_matches.paths import DataDir, UserError
from shared_matches.player_identity import read_player_xuid
from shared_matches.read_layer import layer_dir, layer_state, publish

Printer = Callable[[str], None]
FACTS_ENV = "HALO_COMPAT_FACTS"
# the compiled model of each view a cleaned DB gets
VIEW_MODELS = {table: f"compat__{table}" for table in MOVED_TABLES}
DIFFERENCES_MODEL = "compat_value_differences"
LOST, CONFLICT, UPDATED = "lost", "conflict", "updated"
# a column type as DuckDB's catalog spells it (the views cast to it): nothing else is accepted
_TYPE = re.compile(r"^[A-Z][A-Z0-9_]*(\([0-9, ]+\))?(\[\])?$")
EXAMPLES = 5


class ChecklistFailed(UserError):
    """A check of a cleaned DB found a problem (the command exits 1, not 2)."""


@dataclass
class CompatFacts:
    """What dbt needs to know of the player DB to compile its views and checklist."""

    player_xuid: str
    columns: dict[str, list[tuple[str, str]]]
    spellings: dict[str, str] = field(default_factory=dict)
    backup_path: Path | None = None
    accepted_conflicts: bool = False
    # the read layer's folder (absolute): the views read its Parquet files by this path
    read_layer: Path | None = None

    def environment(self) -> dict[str, str]:
        document = {
            "player_xuid": self.player_xuid,
            "columns": {t: [list(c) for c in cols] for t, cols in self.columns.items()},
            "spellings": self.spellings,
            "backup_path": str(self.backup_path) if self.backup_path else None,
            "accepted_conflicts": self.accepted_conflicts,
            "read_layer": str(self.read_layer) if self.read_layer else None,
        }
        return {FACTS_ENV: json.dumps(document)}


@dataclass
class Differences:
    """What the views would give otherwise than the player's tables: counts and examples."""

    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def total(self, kind: str) -> int:
        return sum(n for (_, k), n in self.counts.items() if k == kind)

    def describe(self, kinds: tuple[str, ...]) -> str:
        lines = []
        for (table, kind), count in sorted(self.counts.items()):
            if kind in kinds:
                shown = "; ".join(self.examples.get((table, kind), []))
                lines.append(f"  {table}: {count} {kind} (e.g. {shown})")
        return "\n".join(lines)


@dataclass
class CleanupOutcome:
    player: str
    resumed: bool
    backup: Backup
    view_rows: dict[str, int]
    compaction: Compaction | None
    differences: Differences = field(default_factory=Differences)


def require_layer_current(data_dir: DataDir) -> None:
    """A read-only command compares the views (they read the read layer) with the warehouse:
    refuse while the layer lags it, saying how to finish it."""
    state = layer_state(data_dir)
    if state.lags:
        raise UserError(f"The read layer {state.describe()}.")


def require_warehouse(data_dir: DataDir) -> Path:
    if not data_dir.warehouse.is_file():
        raise UserError(
            f"Warehouse not found: {data_dir.warehouse} (run `shared-matches migrate` first)."
        )
    return data_dir.warehouse


# --- the facts ------------------------------------------------------------------------------


def _checked_columns(path: Path, table: str, columns: list[tuple[str, str]]) -> None:
    if not columns:
        raise UserError(f"{path} has no table {table}: it is not a v4 player DB.")
    for name, data_type in columns:
        if not _TYPE.match(data_type):
            raise UserError(f"{path}: column {table}.{name} has an unexpected type {data_type!r}.")


def event_type_spellings(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, str]:
    """How the DB spells event types that the warehouse keeps lower case ('kill' -> 'Kill')."""
    rows = con.execute(
        "select distinct lower(event_type), event_type from highlight_events "
        "where event_type is distinct from lower(event_type)"
    ).fetchall()
    spellings: dict[str, str] = {}
    for lower, original in rows:
        if lower in spellings:
            raise UserError(
                f"{path} spells the event type {lower!r} in several ways "
                f"({spellings[lower]!r}, {original!r}): a view cannot give each row its own "
                "spelling back, so nothing was changed."
            )
        spellings[lower] = original
    mixed = con.execute(
        "select count(*) from highlight_events where event_type = lower(event_type) "
        "and lower(event_type) = any(?::varchar[])",
        [list(spellings)],
    ).fetchone()[0]
    if spellings and mixed:
        raise UserError(
            f"{path} spells some event types both in lower case and otherwise: a view cannot "
            "give each row its own spelling back, so nothing was changed."
        )
    return spellings


def read_facts(path: Path, layer: Path) -> CompatFacts:
    """The facts of a player DB that still has its three tables (read-only); ``layer``: the
    read layer's folder the views will read."""
    with open_db(path, read_only=True) as con:
        xuid = read_player_xuid(con, str(path))
        columns = {table: table_columns(con, table) for table in MOVED_TABLES}
        for table, cols in columns.items():
            _checked_columns(path, table, cols)
        spellings = event_type_spellings(con, path)
    return CompatFacts(xuid, columns, spellings, read_layer=layer)


def recorded_facts(path: Path, backup: Backup | None, layer: Path) -> CompatFacts:
    """The facts of a DB whose tables the cleanup dropped (from its record, read-only);
    ``backup``: its verified backup (None: the views only, no checklist); ``layer``: the read
    layer's folder the views read."""
    db = inspect_player_db(path)
    with open_db(path, read_only=True) as con:
        xuid = read_player_xuid(con, str(path))
    spellings = recorded_spellings(path, backup)
    return CompatFacts(
        xuid,
        db.recorded_columns,
        spellings,
        backup_path=backup.db_path if backup else None,
        read_layer=layer,
    )


# --- step 1: the gate -------------------------------------------------------------------


def compile_compat(session: DbtSession, player: str, facts: CompatFacts) -> dict[str, str]:
    """The SQL dbt compiles for the three views and the differences, for this DB's facts."""
    result = session.run(
        ["compile", "--select", "tag:phase5"], player=player, env=facts.environment()
    )
    compiled = {}
    for name in [*VIEW_MODELS.values(), DIFFERENCES_MODEL]:
        node = result.node(name)
        if node is None or not node.compiled_code:
            raise UserError(f"dbt did not compile the model {name} for {player}.")
        compiled[name] = node.compiled_code
    return compiled


def list_differences(
    data_dir: DataDir, player_db: Path, original: Path | None, differences_sql: str
) -> Differences:
    """Run the compiled compat_value_differences query (read-only on every file)."""
    found = Differences()
    con = duckdb.connect(str(data_dir.warehouse), read_only=True)
    try:
        attach_file(con, player_db, "player_db")
        if original is not None:
            attach_file(con, original, "phase5_backup")
        rows = con.execute(
            "select table_name, kind, count(*), "
            "list(coalesce(row_key, '') || coalesce(' ' || column_name, '') || coalesce(': '"
            " || original_value, '') || coalesce(' -> ' || view_value, '') order by row_key)"
            f"[1:{EXAMPLES}] from ({differences_sql}) as differences group by all"
        ).fetchall()
    finally:
        con.close()
    for table, kind, count, examples in rows:
        found.counts[(table, kind)] = int(count)
        found.examples[(table, kind)] = list(examples or [])
    return found


def run_gate(
    session: DbtSession,
    player: str,
    facts: CompatFacts,
    compiled: dict[str, str],
    out: Printer,
) -> Differences:
    """Refuse (UserError) unless the warehouse holds every row and value of the player's DB;
    nothing is written either way."""
    data_dir = session.data_dir
    path = data_dir.player_db(player)
    result = session.run(
        ["build", "--selector", "cleanup_gate"],
        player=player,
        env=facts.environment(),
        check=False,
    )
    differences = list_differences(data_dir, path, None, compiled[DIFFERENCES_MODEL])
    if differences.total(LOST):
        raise UserError(
            f"{player} is not fully in the warehouse: nothing was written.\n"
            f"The views would lose:\n{differences.describe((LOST,))}\n"
            f"Migrate the player first: shared-matches migrate --players {player}"
        )
    if differences.total(CONFLICT) and not facts.accepted_conflicts:
        raise UserError(
            f"{player}: the warehouse holds other values than the player's DB for "
            f"{differences.total(CONFLICT)} value(s) (another player's copy of the same "
            f"match): nothing was written.\n{differences.describe((CONFLICT,))}\n"
            "The views would show the warehouse's values; the player's stay in the backup. "
            "To accept that, run again with --accept-warehouse-values."
        )
    if not result.ok:
        raise UserError(
            f"{player}: the cleanup gate failed (checklist_phase2): nothing was written.\n"
            + result.summary()
            + f"\nMigrate the player first: shared-matches migrate --players {player}"
        )
    accepted = differences.total(CONFLICT)
    out(
        f"[{player}] gate passed: nothing missing from the warehouse, checklist_phase2 green"
        + (f"; {accepted} conflicting value(s) accepted" if accepted else "")
        + f"; {differences.total(UPDATED)} value(s) completed or newer in the warehouse"
    )
    return differences


# --- step 3: tables -> views, one transaction ----------------------------------------------


def swap_tables_for_views(
    data_dir: DataDir,
    player: str,
    backup: Backup,
    facts: CompatFacts,
    compiled: dict[str, str],
) -> dict[str, int]:
    """In one transaction: check again, record the columns, drop the three tables and create
    the views in their place (each must have the table's exact columns and answer). A crash
    or a failed check before the commit leaves the DB as it was."""
    path = data_dir.player_db(player)
    with open_db(path, read_only=False) as con:
        catalog = con.execute("select current_database()").fetchone()[0]
        con.execute("begin transaction")
        try:
            counts = row_counts(con, catalog)
            if counts != backup.row_counts:
                raise UserError(
                    f"{path} changed since its backup {backup.backup_id} was taken (row counts "
                    "differ): nothing was dropped. Run the cleanup again."
                )
            if {t: table_columns(con, t, catalog) for t in MOVED_TABLES} != facts.columns:
                raise UserError(f"{path}: table columns changed meanwhile; nothing was dropped.")
            record_columns(con, catalog, facts.columns, counts, backup.backup_id)
            record_spellings(con, catalog, facts.spellings)
            for table in MOVED_TABLES:
                name = f"{quote_ident(catalog)}.main.{quote_ident(table)}"
                con.execute(f"drop table {name}")
                con.execute(f"create view {name} as {compiled[VIEW_MODELS[table]]}")
                got = table_columns(con, table, catalog)
                if got != facts.columns[table]:
                    raise UserError(
                        f"{path}: the compiled view {table} has columns {got}, the table had "
                        f"{facts.columns[table]}: nothing was dropped."
                    )
                con.execute(f"select count(*) from {name}").fetchone()
            failpoint("during_drop")
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("commit")
        con.execute("checkpoint")
    return {t: counts[t] for t in MOVED_TABLES}


def create_missing_views(
    data_dir: DataDir, player: str, facts: CompatFacts, compiled: dict[str, str]
) -> None:
    """Tables gone but views missing (not left by this command, whose swap is one
    transaction): create the missing views, in one transaction."""
    path = data_dir.player_db(player)
    with open_db(path, read_only=False) as con:
        catalog = con.execute("select current_database()").fetchone()[0]
        present = {
            r[0]
            for r in con.execute(
                "select view_name from duckdb_views() where database_name = ?", [catalog]
            ).fetchall()
        }
        con.execute("begin transaction")
        try:
            for table in MOVED_TABLES:
                if table not in present:
                    name = f"{quote_ident(catalog)}.main.{quote_ident(table)}"
                    con.execute(f"create view {name} as {compiled[VIEW_MODELS[table]]}")
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("commit")


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


def record_spellings(
    con: duckdb.DuckDBPyConnection, catalog: str, spellings: dict[str, str]
) -> None:
    """How the DB spelt event types, kept in the DB: `repoint` compiles the views again
    from the DB alone (the backup may have been moved or deleted)."""
    record = f"{quote_ident(catalog)}.main.{SPELLINGS_TABLE}"
    con.execute(
        f"create table if not exists {record} "
        "(event_type varchar primary key, original varchar not null)"
    )
    con.execute(f"delete from {record}")
    for lower_case, original in spellings.items():
        con.execute(f"insert into {record} values (?, ?)", [lower_case, original])


def recorded_spellings(path: Path, backup: Backup | None) -> dict[str, str]:
    """The spellings the cleanup recorded in the DB; for a DB cleaned before they were
    recorded, read again from its backup."""
    with open_db(path, read_only=True) as con:
        try:
            return dict(con.execute(f"select * from main.{SPELLINGS_TABLE}").fetchall())
        except duckdb.CatalogException:
            pass
    if backup is None:
        raise UserError(
            f"{path}: its event-type spellings are not recorded in it and it has no backup to "
            "read them from: restore the backup folder, then run again."
        )
    with open_db(backup.db_path, read_only=True) as con:
        return event_type_spellings(con, backup.db_path)


# --- step 4: the checklist and the app's view --------------------------------------------------


def run_checklist(session: DbtSession, player: str, facts: CompatFacts) -> None:
    """The phase-5 checklist against the backup (dbt), as one build."""
    result = session.run(
        ["build", "--selector", "checklist_phase5"],
        player=player,
        env=facts.environment(),
        check=False,
    )
    if not result.ok:
        raise ChecklistFailed(
            f"{player}: the phase-5 checklist failed (the player DB keeps its views; its "
            f"backup is {facts.backup_path}; `shared-matches restore --player {player}` puts "
            f"the tables back):\n{result.summary()}"
        )


def verify_views(data_dir: DataDir, player: str) -> dict[str, int]:
    """Open the player DB as the app does (directly, read-only, nothing attached): views
    answer with the recorded columns. Returns each view's row count."""
    path = data_dir.player_db(player)
    db = inspect_player_db(path)
    if db.state != CLEANED:
        raise UserError(f"{path}: the compatibility views were not all created ({db.views}).")
    rows: dict[str, int] = {}
    with open_db(path, read_only=True) as con:
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
    lock_timeout: float = LOCK_TIMEOUT,
    accept_warehouse_values: bool = False,
    session: DbtSession | None = None,
) -> CleanupOutcome:
    """Run (or resume) the cleanup of one player; raise UserError when it must stop."""
    path = data_dir.require_player(player)
    warehouse = require_warehouse(data_dir)
    session = session or DbtSession(data_dir)
    with warehouse_lock(data_dir, f"cleanup {player}", timeout=lock_timeout):
        ensure_writable(path)
        ensure_writable(warehouse)
        return _cleanup_locked(session, player, compact, out, accept_warehouse_values)


def _cleanup_locked(
    session: DbtSession, player: str, compact: bool, out: Printer, accept: bool
) -> CleanupOutcome:
    data_dir = session.data_dir
    path = data_dir.player_db(player)
    # the views read the read layer: finish a publish a killed merge left, or write the
    # layer of a warehouse that has none yet
    published = publish(data_dir, say=out)
    if published.files:
        out(f"[{player}] {published.describe()}")
    db = inspect_player_db(path)
    resumed = db.state != ORIGINAL
    differences = Differences()
    if not resumed:
        facts = read_facts(path, layer_dir(data_dir))
        facts.accepted_conflicts = accept
        compiled = compile_compat(session, player, facts)
        differences = run_gate(session, player, facts, compiled, out)
        failpoint("after_gate")
        backup = create_backup(data_dir, player)
        out(
            f"[{player}] backup verified: {backup.db_path} "
            f"({len(backup.row_counts)} tables, {format_size(backup.size_bytes)})"
        )
        failpoint("after_backup")
        dropped = swap_tables_for_views(data_dir, player, backup, facts, compiled)
        out(
            f"[{player}] tables replaced by views in one transaction: "
            + ", ".join(f"{t} ({n} rows)" for t, n in dropped.items())
        )
        failpoint("after_drop")
        facts.backup_path = backup.db_path
    else:
        backup_ids = {r for r in db.recorded_backup_ids if r}
        if len(backup_ids) != 1:
            raise UserError(f"{path}: the tables are gone but no single backup is recorded.")
        backup = find_backup(data_dir, player, backup_ids.pop())
        verify_backup(backup)
        out(f"[{player}] already {db.state}; its backup {backup.backup_id} is verified")
        facts = recorded_facts(path, backup, layer_dir(data_dir))
        facts.accepted_conflicts = accept
        if db.state != CLEANED:
            create_missing_views(data_dir, player, facts, compile_compat(session, player, facts))
    run_checklist(session, player, facts)
    failpoint("after_views")
    view_rows = verify_views(data_dir, player)
    out(
        f"[{player}] views answer: "
        + ", ".join(f"{t} ({n} rows)" for t, n in view_rows.items())
        + "; checklist_phase5 green"
    )
    failpoint("after_checks")
    compaction = compact_player_db(path) if compact else None
    if compaction and compaction.rewritten:
        out(
            f"[{player}] rewritten: {format_size(compaction.before_bytes)} -> "
            f"{format_size(compaction.after_bytes)}"
        )
    return CleanupOutcome(player, resumed, backup, view_rows, compaction, differences)


def verify_player(data_dir: DataDir, player: str, out: Printer = print) -> None:
    """Run the phase-5 checklist of a cleaned player DB again (read-only)."""
    path = data_dir.require_player(player)
    require_warehouse(data_dir)
    db = inspect_player_db(path)
    if db.state == ORIGINAL:
        raise UserError(f"{player} is not cleaned up: there is no phase-5 checklist to run.")
    backup_ids = {r for r in db.recorded_backup_ids if r}
    if len(backup_ids) != 1:
        raise UserError(f"{path}: the tables are gone but no single backup is recorded.")
    backup = find_backup(data_dir, player, backup_ids.pop())
    verify_backup(backup)
    session = DbtSession(data_dir)
    with warehouse_lock(data_dir, f"cleanup --verify {player}"):
        require_layer_current(data_dir)
        run_checklist(session, player, recorded_facts(path, backup, layer_dir(data_dir)))
        # what another program wrote since the cleanup (the app's own sync): a match without
        # its shared roster fails; a stray table is reported only
        findings = read_findings(data_dir, player)
    if findings.blocking:
        raise ChecklistFailed(
            f"{player}: "
            + findings.matches_text(findings.blocking)
            + f"; then run `shared-matches cleanup --verify --player {sync_arg(player)}` again."
        )
    out(f"[{player}] checklist_phase5 green (backup {backup.backup_id})")
    for line in findings.lines(path):
        out(f"[{player}] note: {line}")


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
    require_layer_current(data_dir)
    facts = read_facts(path, layer_dir(data_dir))
    session = DbtSession(data_dir)
    compiled = compile_compat(session, player, facts)
    with warehouse_lock(data_dir, f"cleanup --dry-run {player}"):
        differences = list_differences(data_dir, path, None, compiled[DIFFERENCES_MODEL])
    if differences.total(LOST):
        out("  the gate would refuse: the views would lose\n" + differences.describe((LOST,)))
    elif differences.total(CONFLICT):
        out(
            "  the gate would refuse without --accept-warehouse-values: conflicting values\n"
            + differences.describe((CONFLICT,))
        )
    else:
        out(
            "  every row and value is in the warehouse "
            f"({differences.total(UPDATED)} completed or newer there)"
        )
    after = estimate_cleaned_size(path)
    out(
        f"  would free {format_size(size - after)} ({format_size(size)} -> {format_size(after)}, "
        f"{(size - after) / size:.0%}); the backup would take {format_size(size)}"
    )


# --- command line --------------------------------------------------------------------------
