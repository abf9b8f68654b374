"""`shared-matches repoint`: make every cleaned player DB's views read this data dir's layer.

A compatibility view reads the read layer's Parquet files by absolute path (no ATTACH, no
lock). After the data dir is moved (another disk, another machine, a renamed folder), the views
still name the old folder and fail with DuckDB's "No files found that match the pattern
'<old folder>/read_layer/...'". This command, under the warehouse lock:

1. brings the read layer up to date (a publish a killed merge left, or a layer never written);
2. for each cleaned player DB whose views do not read this layer: compiles the views again
   from the facts the cleanup recorded (columns in the DB, spellings in its backup), and
   replaces the three views in one transaction (each must keep its recorded columns and
   answer), so a DB is either as it was or re-pointed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from shared_matches.cleanup.backup import find_backup, verify_backup
from shared_matches.cleanup.state import CLEANED, inspect_player_db
from shared_matches.cleanup.steps import VIEW_MODELS, compile_compat, recorded_facts
from shared_matches.dbt_session import DbtSession
from shared_matches.duckdb_files import MOVED_TABLES, open_db, quote_ident, table_columns
from shared_matches.locking import LOCK_TIMEOUT, warehouse_lock
from shared_matches.paths import DataDir, UserError
from shared_matches.read_layer import glob_literal, layer_dir, publish

Printer = Callable[[str], None]


def view_sql(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    row = con.execute(
        "select sql from duckdb_views() where database_name = current_database() "
        "and schema_name = 'main' and view_name = ?",
        [table],
    ).fetchone()
    return row[0] if row else None


def views_problem(path: Path, layer: Path) -> str | None:
    """What keeps this cleaned DB's views from reading ``layer`` (None: nothing; read-only):
    views of an earlier version that read the warehouse through an ATTACH, or every file of
    the layer (before versioned files), or views of a data dir that was moved."""
    with open_db(path, read_only=True) as con:
        texts = [(view_sql(con, table) or "").replace("''", "'") for table in MOVED_TABLES]
    if any("read_parquet" not in text for text in texts):
        return (
            "its views read the warehouse through an ATTACH (cleaned by an earlier version): "
            f"run `shared-matches repoint` to make them read {layer}, with no ATTACH"
        )
    if any("order by filename desc" not in text.lower() for text in texts):
        return (
            "its views read every file of the read layer, as an earlier version wrote them "
            "(they would see a match twice while a superseded file waits to be deleted): run "
            f"`shared-matches repoint` to make them read {layer}'s current files only"
        )
    if all(f"'{glob_literal(layer)}/" in text for text in texts):
        return None
    return (
        "its views read another folder's read layer (was the data dir moved?): run "
        f"`shared-matches repoint` to make them read {layer}"
    )


def reads_layer(path: Path, layer: Path) -> bool:
    """True when every view of this cleaned DB reads the files of ``layer`` (read-only)."""
    return views_problem(path, layer) is None


def repoint_players(
    data_dir: DataDir,
    players: list[str] | None = None,
    out: Printer = print,
    lock_timeout: float = LOCK_TIMEOUT,
) -> list[str]:
    """Re-point the views of the cleaned DBs (all, or ``players``); returns the gamertags
    whose views were replaced."""
    if not data_dir.warehouse.is_file():
        raise UserError(
            f"Warehouse not found: {data_dir.warehouse} (run `shared-matches migrate` first)."
        )
    chosen = players or data_dir.discover_players()
    for gamertag in chosen:
        data_dir.require_player(gamertag)
    layer = layer_dir(data_dir)
    repointed: list[str] = []
    with warehouse_lock(data_dir, "repoint", timeout=lock_timeout):
        published = publish(data_dir, say=out)
        if published.files:
            out(published.describe())
        session: DbtSession | None = None
        for gamertag in chosen:
            path = data_dir.player_db(gamertag)
            db = inspect_player_db(path)
            if db.state != CLEANED:
                out(f"[{gamertag}] {db.state}: no compatibility views to re-point")
                continue
            if reads_layer(path, layer):
                out(f"[{gamertag}] views already read {layer}")
                continue
            session = session or DbtSession(data_dir)
            replace_views(session, gamertag, layer)
            repointed.append(gamertag)
            out(f"[{gamertag}] views re-pointed to {layer}")
    return repointed


def replace_views(session: DbtSession, gamertag: str, layer: Path) -> None:
    """Compile the views from the recorded facts and replace them in one transaction."""
    data_dir = session.data_dir
    path = data_dir.player_db(gamertag)
    db = inspect_player_db(path)
    backup = None
    backup_ids = {r for r in db.recorded_backup_ids if r}
    if len(backup_ids) == 1:
        try:  # only a DB cleaned before the spellings were recorded in it needs it
            backup = find_backup(data_dir, gamertag, backup_ids.pop())
            verify_backup(backup)
        except UserError:
            backup = None
    facts = recorded_facts(path, backup, layer)
    compiled = compile_compat(session, gamertag, facts)
    with open_db(path, read_only=False) as con:
        con.execute("begin transaction")
        try:
            for table in MOVED_TABLES:
                name = f"main.{quote_ident(table)}"
                con.execute(f"create or replace view {name} as {compiled[VIEW_MODELS[table]]}")
                got = table_columns(con, table)
                if got != facts.columns[table]:
                    raise UserError(
                        f"{path}: the re-pointed view {table} has columns {got}, the table "
                        f"had {facts.columns[table]}: nothing was changed."
                    )
                con.execute(f"select count(*) from {name}").fetchone()
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("commit")
