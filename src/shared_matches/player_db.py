"""Read-only look-ups in a player DB, for orchestration (counts, lock checks)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from shared_matches.paths import UserError

LOCK_HINT = (
    "Another program holds it (the stats app, a sync?). Close that program, or wait for it "
    "to finish, then run again."
)


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """Open a player DB read-only; a clear error when it is missing or locked."""
    if not path.is_file():
        raise UserError(f"Player DB not found: {path}")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise UserError(f"Cannot read {path}: it is locked. {LOCK_HINT}") from None
        raise UserError(f"Cannot open {path}: {exc}") from None


def match_ids(path: Path) -> set[str]:
    con = open_read_only(path)
    try:
        return {row[0] for row in con.execute("select match_id from match_stats").fetchall()}
    except duckdb.CatalogException as exc:
        raise UserError(f"{path} is not a v4 player DB: {exc}") from None
    finally:
        con.close()


def table_row_counts(path: Path) -> dict[str, int]:
    """Row count of every base table of the DB (views are left out)."""
    con = open_read_only(path)
    try:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'main' "
                "order by table_name"
            ).fetchall()
        ]
        return {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()
