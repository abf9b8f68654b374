"""Where a player DB stands in the cleanup: untouched, tables dropped, or cleaned.

The drop of the three tables and the record of their original columns commit in one
transaction, so a player DB is only ever in one of these states:

- ``original``: the three v4 tables are there (cleanup has not run, or was restored);
- ``dropped``: the tables are gone, their columns are recorded, some views are missing
  (the run stopped between the drop and the view build: a re-run builds the views);
- ``cleaned``: the tables are gone and the three compatibility views exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shared_matches.duckdb_files import (
    MOVED_TABLES,
    RECORD_TABLE,
    base_tables,
    open_db,
    quote_ident,
    row_counts,
)
from shared_matches.paths import UserError

ORIGINAL = "original"
DROPPED = "dropped"
CLEANED = "cleaned"


@dataclass
class DbState:
    path: Path
    state: str
    tables: list[str]
    views: list[str]
    has_record: bool
    moved_row_counts: dict[str, int]
    recorded_columns: dict[str, list[tuple[str, str]]]
    recorded_backup_ids: list[str]


def recorded_columns(con, catalog: str) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        f"select table_name, column_name, data_type "
        f"from {quote_ident(catalog)}.main.{RECORD_TABLE} order by table_name, column_index"
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        out.setdefault(table, []).append((column, data_type))
    return out


def recorded_backup_ids(con, catalog: str) -> list[str]:
    rows = con.execute(
        f"select distinct backup_id from {quote_ident(catalog)}.main.{RECORD_TABLE} order by 1"
    ).fetchall()
    return [r[0] for r in rows]


def inspect_player_db(path: Path) -> DbState:
    """Read (read-only) which of the states above the player DB is in."""
    with open_db(path, read_only=True) as con:
        catalog = con.execute("select current_database()").fetchone()[0]
        tables = base_tables(con, catalog)
        view_rows = con.execute(
            "select view_name from duckdb_views() where database_name = ? and not internal",
            [catalog],
        ).fetchall()
        views = sorted(r[0] for r in view_rows)
        has_record = RECORD_TABLE in tables
        columns = recorded_columns(con, catalog) if has_record else {}
        backup_ids = recorded_backup_ids(con, catalog) if has_record else []
        counts = {t: c for t, c in row_counts(con, catalog).items() if t in MOVED_TABLES}
    present = [t for t in MOVED_TABLES if t in tables]
    as_views = [t for t in MOVED_TABLES if t in views]
    if len(present) == len(MOVED_TABLES):
        state = ORIGINAL
    elif not present and has_record and all(t in columns for t in MOVED_TABLES):
        state = CLEANED if len(as_views) == len(MOVED_TABLES) else DROPPED
    else:
        raise UserError(
            f"{path} is in an unexpected state (tables present: {present or 'none'}, views: "
            f"{as_views or 'none'}, column record: {'yes' if has_record else 'no'}); it was "
            "not changed by this command. Restore it with `shared-matches restore` or check it."
        )
    return DbState(path, state, tables, views, has_record, counts, columns, backup_ids)
