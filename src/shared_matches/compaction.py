"""Give the space of dropped tables back to the disk.

DuckDB never shrinks a file in place: after DROP TABLE + CHECKPOINT the freed blocks stay in
the file as free blocks (only trailing ones are cut). To free them, the DB is rewritten with
COPY FROM DATABASE into a new file next to it (same storage version, so the same DuckDB
versions can open it; a player DB in 16 KiB blocks), the copy is verified (same tables, row
counts, columns, views, sequences, indexes, constraints, and its views answer), and only
then swapped in with one atomic rename. The original stays untouched until that rename: a
crash before it leaves a stray ``stats.duckdb.compact`` (removed on the next run), never a
half-written player DB; a full disk leaves nothing (a one-line error, the file as it was).
The new file gets the original's mode and owner before any row is written into it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from shared_matches.duckdb_files import (
    MOVED_TABLES,
    attach_file,
    base_tables,
    checkpoint,
    file_size,
    fsync_dir,
    fsync_file,
    is_disk_full,
    keep_mode_of,
    new_file_storage_version,
    no_wal_statements,
    open_db,
    quote_ident,
    sql_string,
    storage_version,
    wal_path,
)
from shared_matches.failpoints import failpoint
from shared_matches.paths import UserError

# A cleaned player DB keeps a few small personal tables: with DuckDB's default 256 KiB blocks
# each table costs about half a MiB whatever its rows (4 MiB for a 1000-match DB), with
# 16 KiB blocks about 1 MiB in all. DuckDB records the block size in the file (ATTACH option
# BLOCK_SIZE); any DuckDB that reads the storage version reads it.
PLAYER_DB_BLOCK_SIZE = 16_384


@dataclass
class Compaction:
    before_bytes: int
    after_bytes: int
    rewritten: bool


def free_blocks(path: Path) -> tuple[int, int]:
    """(free, total) blocks of a DuckDB file."""
    with open_db(path, read_only=True) as con:
        row = con.execute(
            "select free_blocks, total_blocks from pragma_database_size() "
            "where database_name = current_database()"
        ).fetchone()
    return int(row[0]), int(row[1])


def compact_path(path: Path) -> Path:
    return path.with_name(path.name + ".compact")


def remove_leftover(target: Path) -> bool:
    """Remove a rewrite left by an interrupted run (the original was never replaced by it)."""
    found = False
    for stale in (target, wal_path(target)):
        if stale.exists():
            stale.unlink()
            found = True
    return found


# what a rewrite must keep of a catalog besides its rows: one query each, on the catalog's name
CATALOG_FACTS = {
    "columns": "select table_name, column_name, data_type, column_default, is_nullable "
    "from information_schema.columns where table_catalog = ? order by all",
    "views": "select view_name from duckdb_views() where database_name = ? and not internal "
    "order by 1",
    "sequences": "select sequence_name, last_value from duckdb_sequences() "
    "where database_name = ? order by 1",
    "indexes": "select table_name, index_name from duckdb_indexes() where database_name = ? "
    "order by all",
    "constraints": "select table_name, constraint_type, constraint_column_names::varchar "
    "from duckdb_constraints() where database_name = ? order by all",
}


def describe_catalog(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, object]:
    """What must survive a rewrite: tables with row counts and columns, views, sequences..."""
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? order by all",
        [catalog],
    ).fetchall()
    counts = {}
    for schema, table in tables:
        name = ".".join(quote_ident(part) for part in (catalog, schema, table))
        counts[f"{schema}.{table}"] = con.execute(f"select count(*) from {name}").fetchone()[0]
    facts = {name: con.execute(sql, [catalog]).fetchall() for name, sql in CATALOG_FACTS.items()}
    return {"counts": counts, **facts}


def attach_rewrite_target(
    con: duckdb.DuckDBPyConnection, target: Path, block_size: int | None, like: Path | None = None
) -> None:
    """ATTACH the new file as compact_dst, with the source's storage version (a rewrite never
    upgrades a file: the DuckDB that opened it opens the copy; a source whose version DuckDB
    does not name gets the project's, never DuckDB's latest) and (unless ``block_size`` is
    given) its block size; ``like``: the file whose mode and owner the new one gets, before
    anything is written into it."""
    version = storage_version(con, "compact_src") or new_file_storage_version()
    options = [f"storage_version {sql_string(version)}"]
    if not block_size:
        block_size = con.execute(
            "select block_size from pragma_database_size() where database_name = 'compact_src'"
        ).fetchone()[0]
    options.append(f"block_size {int(block_size)}")
    for statement in no_wal_statements(target):
        con.execute(statement)
    con.execute(f"attach {sql_string(target)} as compact_dst ({', '.join(options)})")
    if like is not None:
        keep_mode_of(like, target)


def rewrite_copy(
    con: duckdb.DuckDBPyConnection, path: Path, target: Path, block_size: int | None = None
) -> None:
    """Write a compact copy of the attached ``compact_src`` to ``target``; verify it."""
    attach_rewrite_target(con, target, block_size, like=path)
    try:
        con.execute("copy from database compact_src to compact_dst")
        before = describe_catalog(con, "compact_src")
        after = describe_catalog(con, "compact_dst")
        for key in before:
            if before[key] != after[key]:
                raise UserError(f"Rewrite of {path} differs from the original in its {key}.")
        for (view,) in after["views"]:
            con.execute(f"select count(*) from compact_dst.main.{quote_ident(view)}").fetchone()
    finally:
        con.execute("detach compact_dst")
    fsync_file(target)


def compact_player_db(path: Path) -> Compaction:
    """Rewrite a player DB without its free blocks, in PLAYER_DB_BLOCK_SIZE blocks (its
    compatibility views read the read layer's files by absolute path: nothing to attach)."""
    return compact_file(path, block_size=PLAYER_DB_BLOCK_SIZE)


def compact_file(path: Path, block_size: int | None = None) -> Compaction:
    """Rewrite a DuckDB file without its free blocks, when it has any; verified, atomic.
    ``block_size``: of the new file (None: the original's)."""
    target = compact_path(path)
    remove_leftover(target)
    checkpoint(path)
    before = file_size(path)
    free, _total = free_blocks(path)
    if free == 0:
        return Compaction(before, before, rewritten=False)
    # The original stays attached read-only from the copy to the rename: no writer can slip
    # in meanwhile (a writer is refused while any process holds the file).
    con = duckdb.connect()
    try:
        attach_file(con, path, "compact_src")
        try:
            rewrite_copy(con, path, target, block_size)
        except BaseException as exc:
            remove_leftover(target)
            if isinstance(exc, (duckdb.Error, OSError)) and is_disk_full(exc):
                raise UserError(
                    f"No space left on the device of {path} to rewrite it without its free "
                    f"blocks (up to {before / 2**20:.1f} MiB needed): {path} was not changed; "
                    "free some space and run again (or skip the rewrite with --no-compact)."
                ) from exc
            raise
        if wal_path(path).exists():
            raise UserError(f"{path} has a write-ahead log again: someone wrote meanwhile.")
        failpoint("before_swap")
        os.replace(target, path)
        fsync_dir(path.parent)
    finally:
        con.close()
    failpoint("after_swap")
    return Compaction(before, file_size(path), rewritten=True)


def estimate_cleaned_size(path: Path) -> int:
    """Size the player DB would have once cleaned and rewritten, measured on a temporary copy
    (the three tables emptied, which keeps any view over them bindable, then rewritten)."""
    with tempfile.TemporaryDirectory(prefix="shared-matches-estimate-") as tmp:
        copy = Path(tmp) / "stats.duckdb"
        with open_db(path, read_only=True):  # no writer while copying
            shutil.copyfile(path, copy)
            if wal_path(path).exists():
                shutil.copyfile(wal_path(path), wal_path(copy))
        with open_db(copy, read_only=False) as con:
            present = set(base_tables(con))
            for table in MOVED_TABLES:
                if table in present:
                    con.execute(f"delete from {quote_ident(table)}")
            con.execute("checkpoint")
        target = Path(tmp) / "rewritten.duckdb"
        con = duckdb.connect()
        try:
            attach_file(con, copy, "compact_src")
            attach_rewrite_target(con, target, PLAYER_DB_BLOCK_SIZE)
            con.execute("copy from database compact_src to compact_dst")
            con.execute("detach compact_dst")
        finally:
            con.close()
        return file_size(target)
