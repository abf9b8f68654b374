"""Opening DuckDB files safely: clear messages for locks and missing files, table facts.

DuckDB lets one process write a file, and a writer is refused while any other process holds
the file, even read-only. Every helper here opens, works and closes: nothing stays open.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from shared_matches.paths import WAREHOUSE_CATALOG, UserError

# The three v4 tables phase 5 moves out of a player DB (their rows live in the warehouse).
MOVED_TABLES = ("match_participants", "highlight_events", "xuid_aliases")
# Where cleanup records the original columns of the moved tables, inside the player DB.
RECORD_TABLE = "compat_original_columns"


def _is_lock_error(exc: Exception) -> bool:
    return "lock" in str(exc).lower()


def connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Connect to one DuckDB file; a lock or a missing file becomes a UserError naming it."""
    if not path.is_file():
        raise UserError(f"Database file not found: {path}")
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if _is_lock_error(exc):
            raise UserError(
                f"{path} is locked by another program (DuckDB allows one writer, and no writer "
                f"while another process has the file open): close it and retry.\n  {exc}"
            ) from exc
        raise UserError(f"Cannot open {path}: {exc}") from exc


@contextmanager
def open_db(path: Path, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """``connect`` as a context manager: the connection is closed on exit."""
    con = connect(path, read_only)
    try:
        yield con
    finally:
        con.close()


def attach_warehouse(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    """ATTACH the warehouse read-only under the catalog name the compatibility views use."""
    if not warehouse.is_file():
        raise UserError(
            f"Warehouse not found: {warehouse} (run `shared-matches migrate` to build it)."
        )
    try:
        con.execute(f"attach '{sql_path(warehouse)}' as {WAREHOUSE_CATALOG} (read_only)")
    except duckdb.IOException as exc:
        if _is_lock_error(exc):
            raise UserError(
                f"{warehouse} is locked by a writer (a migration or a dbt build is running): "
                f"retry when it ends.\n  {exc}"
            ) from exc
        raise UserError(f"Cannot attach the warehouse {warehouse}: {exc}") from exc


def attach_file(
    con: duckdb.DuckDBPyConnection, path: Path, alias: str, read_only: bool = True
) -> None:
    """ATTACH a DuckDB file under an alias; a lock becomes a UserError naming the file."""
    if not path.is_file():
        raise UserError(f"Database file not found: {path}")
    mode = " (read_only)" if read_only else ""
    try:
        con.execute(f"attach '{sql_path(path)}' as {quote_ident(alias)}{mode}")
    except duckdb.IOException as exc:
        if _is_lock_error(exc):
            message = f"{path} is locked by another program: retry when it ends.\n  {exc}"
            raise UserError(message) from exc
        raise UserError(f"Cannot attach {path}: {exc}") from exc


def ensure_writable(path: Path) -> None:
    """Fail early, naming the file, if another program holds it."""
    with open_db(path, read_only=False):
        pass


def sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def current_catalog(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_database()").fetchone()[0]


def base_tables(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
    catalog = catalog or current_catalog(con)
    rows = con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = 'main' "
        "order by table_name",
        [catalog],
    ).fetchall()
    return [r[0] for r in rows]


def views(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
    catalog = catalog or current_catalog(con)
    rows = con.execute(
        "select view_name from duckdb_views() where database_name = ? and schema_name = 'main' "
        "and not internal order by view_name",
        [catalog],
    ).fetchall()
    return [r[0] for r in rows]


def row_counts(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> dict[str, int]:
    """Exact row count of every base table of the catalog's main schema."""
    catalog = catalog or current_catalog(con)
    counts: dict[str, int] = {}
    for table in base_tables(con, catalog):
        sql = f"select count(*) from {quote_ident(catalog)}.main.{quote_ident(table)}"
        counts[table] = con.execute(sql).fetchone()[0]
    return counts


def table_columns(
    con: duckdb.DuckDBPyConnection, table: str, catalog: str | None = None
) -> list[tuple[str, str]]:
    """(name, type) of a table or view, in order."""
    catalog = catalog or current_catalog(con)
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = 'main' and table_name = ? "
        "order by ordinal_position",
        [catalog, table],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def storage_version(con: duckdb.DuckDBPyConnection, catalog: str) -> str | None:
    """The storage version tag of an attached file (e.g. 'v1.0.0'), None if unknown."""
    row = con.execute(
        "select tags['storage_version'] from duckdb_databases() where database_name = ?",
        [catalog],
    ).fetchone()
    if not row or not row[0]:
        return None
    return str(row[0]).rstrip("+")


def file_size(path: Path) -> int:
    """Bytes on disk of a DuckDB file and its write-ahead log, if any."""
    total = path.stat().st_size if path.exists() else 0
    wal = wal_path(path)
    return total + (wal.stat().st_size if wal.exists() else 0)


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def checkpoint(path: Path) -> None:
    """Write the WAL into the file, so that the file alone holds every row."""
    with open_db(path, read_only=False) as con:
        con.execute("checkpoint")


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
