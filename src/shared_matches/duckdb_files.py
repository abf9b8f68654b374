"""Opening DuckDB files safely: clear messages for locks and missing files, table facts; and
creating files that the app's DuckDB opens.

DuckDB lets one process write a file, and a writer is refused while any other process holds
the file, even read-only. Every helper here opens, works and closes: nothing stays open.

Files any supported DuckDB opens. DuckDB 2.0 writes a new file in its 2.0 storage, which the
app's DuckDB (1.4.x, 1.5.x) refuses ("version number 999"). Every file the project creates
(the warehouse, the landing, a player DB a sync creates, the benchmark's floor) gets
STORAGE_VERSION, or the one HALO_STORAGE_VERSION names (``new_file_config``, ``create_file``);
the demo player DBs get what DuckDB 1.4.4 gives a new file (APP_STORAGE_VERSION, 256 KiB
blocks). Measured on the demo set (four players, ~1000 matches each), a first `shared-matches
migrate` per version side by side in one session, 5 rounds on the 2-core machine: the
warehouse (compacted by the migrate) 11.5 MiB in v1.0.0, 11.75 in v1.2.0, 11.2 in v1.4.0
(10.8 in 2.0's own); the migrate's CPU time a median of 40 s for each (36-45 s), wall times
alike (29-38 s at a load under 4): no difference beyond the noise. So v1.4.0: the smallest
that 1.4.x and 1.5.x read, at no cost in time; v1.0.0 (what 1.4.4 writes itself) for a
DuckDB older than 1.4. An existing file keeps its version: DuckDB applies both settings to a
file it creates only, a rewrite (compaction) copies the source's, backups and restores are
byte copies. ATTACH's STORAGE_VERSION option is given for a new file only: on an existing one
it rewrites the header (measured: a 1.4.4 file attached with 'v2.0.0' no longer opens in 1.4.4).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from shared_matches.paths import PLAYER_DB_NAME, WAREHOUSE_CATALOG, WAREHOUSE_NAME, UserError

# The three v4 tables phase 5 moves out of a player DB (their rows live in the warehouse).
MOVED_TABLES = ("match_participants", "highlight_events", "xuid_aliases")
# Where cleanup records the original columns of the moved tables, inside the player DB.
RECORD_TABLE = "compat_original_columns"
# Where cleanup records how the DB spelt event types ({lower case: original}), so that the
# views can be compiled again (`repoint`) without the backup.
SPELLINGS_TABLE = "compat_event_spellings"


# DuckDB names the process that holds a lock: "... is held in /usr/bin/python3 (PID 1234)"
_PID = re.compile(r"\(PID (\d+)\)")


def _is_lock_error(exc: Exception) -> bool:
    # not just "lock": a damaged file's message says "... in block at location ..."
    text = str(exc).lower()
    return "could not set lock" in text or "conflicting lock" in text


# DuckDB 2.0 puts the write-ahead log of a file whose path holds a '?' elsewhere: it inserts
# ".wal" before the '?' (taken for a URL query), e.g. players/a.wal?b/stats.duckdb for
# players/a?b/stats.duckdb, and every commit fails (that folder does not exist). With these
# settings a commit writes no log: it checkpoints into the file (atomic, as every checkpoint).
NO_WAL_SETTINGS = {"checkpoint_threshold": "0b", "auto_checkpoint_skip_wal_threshold": 0}


def needs_no_wal(path: Path) -> bool:
    """True when DuckDB would misplace the write-ahead log of this file (a '?' in its path)."""
    return "?" in str(path.resolve())


def write_config(path: Path) -> dict[str, object]:
    """The ``duckdb.connect(config=...)`` that lets this file be written (see NO_WAL_SETTINGS)."""
    return dict(NO_WAL_SETTINGS) if needs_no_wal(path) else {}


def no_wal_statements(path: Path) -> list[str]:
    """The SET statements that let a connection write this file once ATTACHed (instance-wide)."""
    return [f"set {name} = {sql_string(value)}" for name, value in write_config(path).items()]


# -- Files any supported DuckDB opens (module docstring: the measurements) -------------------
STORAGE_VERSION_ENV = "HALO_STORAGE_VERSION"
# The storage versions a new file may get, and which DuckDB releases open a file of each
# (measured with 1.4.4, 1.4.5, 1.5.5 and 2.0.0; DuckDB's own names for them).
STORAGE_VERSION_READERS = {
    "v1.0.0": "DuckDB 1.0 and later (1.4.x, 1.5.x, 2.0)",
    "v1.2.0": "DuckDB 1.2 and later (1.4.x, 1.5.x, 2.0)",
    "v1.4.0": "DuckDB 1.4 and later (1.4.x, 1.5.x, 2.0)",
    "v1.5.0": "DuckDB 1.5 and later (not 1.4.x)",
    "v2.0.0": "DuckDB 2.0 only (not the app's 1.4.x or 1.5.x)",
}
# The version every new file of the project gets unless HALO_STORAGE_VERSION names another
# (the module docstring says why this one).
STORAGE_VERSION = "v1.4.0"
# What DuckDB 1.4.4, the app's, writes by default into a file it creates (read from such a
# file: tag 'v1.0.0+', header identical to 2.0's 'v1.0.0'; DuckDB's default block size).
APP_STORAGE_VERSION = "v1.0.0"
APP_BLOCK_SIZE = 262_144


def new_file_storage_version() -> str:
    """The storage version of every file the project creates: HALO_STORAGE_VERSION when set
    (checked: a value no supported DuckDB would read back is a UserError), else
    STORAGE_VERSION."""
    value = os.environ.get(STORAGE_VERSION_ENV, "").strip()
    if not value:
        return STORAGE_VERSION
    version = value if value.lower().startswith("v") else f"v{value}"
    version = version.lower()
    if version not in STORAGE_VERSION_READERS:
        raise UserError(
            f"{STORAGE_VERSION_ENV}={value!r} is not a storage version this project writes: "
            f"set one of {', '.join(STORAGE_VERSION_READERS)} (v1.0.0 to v1.4.0: read by "
            f"DuckDB 1.4.x and 1.5.x; v1.5.0: 1.5.x only; v2.0.0: 2.0 only), or unset it "
            f"for {STORAGE_VERSION}."
        )
    return version


def new_file_config(
    block_size: int | None = None, storage_version: str | None = None
) -> dict[str, object]:
    """The ``duckdb.connect(config=...)`` under which a file that does not exist yet is
    created in the project's storage version (and ``block_size``). It changes no existing
    file: DuckDB applies both settings to new files only (measured: a 1.4.4 file written
    under them keeps 'v1.0.0' and its 256 KiB blocks), unlike ATTACH's STORAGE_VERSION
    option, which rewrites an existing file's header in that version."""
    config: dict[str, object] = {
        "storage_compatibility_version": storage_version or new_file_storage_version()
    }
    if block_size:
        config["default_block_size"] = str(int(block_size))
    return config


def create_file(
    path: Path, block_size: int | None = None, storage_version: str | None = None
) -> None:
    """Create an empty DuckDB file at ``path`` (its folder too) in the project's storage
    version, so that the app's DuckDB opens it; an existing file is left as it is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    config = {**write_config(path), **new_file_config(block_size, storage_version)}
    try:
        duckdb.connect(str(path), config=config).close()
    except duckdb.Error as exc:
        raise open_error(path, exc) from exc


def _check_log_readable(path: Path) -> None:
    if needs_no_wal(path) and wal_path(path).is_file() and wal_path(path).stat().st_size:
        raise UserError(
            f"{path} has a write-ahead log ({wal_path(path).name}) that DuckDB cannot read "
            "because the path holds a '?': open it once from a path without '?' (rename the "
            "folder), then rename it back."
        )


def connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Connect to one DuckDB file; a lock or a missing file becomes a UserError naming it."""
    if not path.is_file():
        raise UserError(f"Database file not found: {path}")
    _check_log_readable(path)
    try:
        return duckdb.connect(str(path), read_only=read_only, config=write_config(path))
    except duckdb.Error as exc:
        raise open_error(path, exc) from exc


def first_line(exc: BaseException) -> str:
    """The first line of an error's text (DuckDB's messages can run over many lines)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def open_error(path: Path, exc: Exception) -> UserError:
    """The one-line UserError for a DuckDB file that does not open or read: locked, damaged,
    disk full or unreadable."""
    text = str(exc)
    if _is_lock_error(exc):
        pid = _PID.search(text)
        holder = f" (PID {pid.group(1)})" if pid else ""
        return UserError(
            f"{path} is locked by another program{holder}: DuckDB allows one writer, and no "
            "writer while another process has the file open; close it or wait for it to end, "
            "then run again."
        )
    if is_corruption_error(exc):
        return UserError(
            f"{path} is damaged ({first_line(exc)}): nothing was changed; {_repair(path)}, "
            "then run again."
        )
    if is_disk_full(exc):
        return UserError(f"No space left on the device of {path}: free some space, then run again.")
    return UserError(f"Cannot open {path}: {first_line(exc)}")


def _repair(path: Path) -> str:
    """What to do about a damaged file, by what it is."""
    if path.name == WAREHOUSE_NAME:
        return (
            "put back a copy of it, or move it aside and build it again with `shared-matches "
            "migrate` (restore the cleaned-up players first: their rows are only there)"
        )
    if path.name == PLAYER_DB_NAME and path.parent.parent.name == "players":
        return f"put it back from its backup (shared-matches restore --player {path.parent.name})"
    return "put back a copy of it"


def is_disk_full(exc: BaseException) -> bool:
    return getattr(exc, "errno", None) == errno.ENOSPC or "no space left" in str(exc).lower()


def unexpected_error(exc: duckdb.Error | OSError) -> str:
    """One line for a DuckDB or OS error that no command turned into a UserError."""
    if isinstance(exc, OSError) and not isinstance(exc, duckdb.Error):
        where = f" ({exc.filename})" if exc.filename else ""
        if exc.errno == errno.ENOSPC:
            return f"No space left on the device{where}: free some space, then run again."
        return f"{exc.strerror or exc}{where}: check that path, then run again."
    if is_disk_full(exc):
        return f"No space left on a device ({first_line(exc)}): free some space, then run again."
    if is_corruption_error(exc):
        return (
            f"a DuckDB file is damaged ({first_line(exc)}): put back a copy of it (backups/ "
            "holds the player DBs'), then run again."
        )
    return f"DuckDB failed: {first_line(exc)}"


def is_corruption_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(
        marker in text
        for marker in (
            "not a valid duckdb database",
            "corrupt",
            "checksum",
            "invalid block",
            "failed to read database header",
            "could not read enough bytes",
        )
    )


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
    _check_log_readable(warehouse)
    try:
        con.execute(f"attach {sql_string(warehouse)} as {WAREHOUSE_CATALOG} (read_only)")
    except duckdb.Error as exc:
        if _is_lock_error(exc):
            raise UserError(
                f"{warehouse} is locked by a writer (a migration or a dbt build is running): "
                "retry when it ends."
            ) from exc
        raise open_error(warehouse, exc) from exc


def attach_file(
    con: duckdb.DuckDBPyConnection, path: Path, alias: str, read_only: bool = True
) -> None:
    """ATTACH a DuckDB file under an alias; a lock becomes a UserError naming the file."""
    if not path.is_file():
        raise UserError(f"Database file not found: {path}")
    _check_log_readable(path)
    mode = " (read_only)" if read_only else ""
    try:
        if not read_only:
            for statement in no_wal_statements(path):
                con.execute(statement)
        con.execute(f"attach {sql_string(path)} as {quote_ident(alias)}{mode}")
    except duckdb.Error as exc:
        raise open_error(path, exc) from exc


def ensure_writable(path: Path) -> None:
    """Fail early, naming the file, if another program holds it or it is damaged: it is opened
    for writing (nothing is written) and every row of every table is read once, which checks
    each data block's checksum."""
    with open_db(path, read_only=False) as con:
        try:
            check_readable(con)
        except duckdb.Error as exc:
            raise open_error(path, exc) from exc


def check_readable(con: duckdb.DuckDBPyConnection) -> None:
    """Read every column of every table of the connection's own catalog (raises DuckDB's
    error on a damaged block)."""
    catalog = current_catalog(con)
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ?",
        [catalog],
    ).fetchall()
    for schema, table in tables:
        name = ".".join(quote_ident(part) for part in (catalog, schema, table))
        con.execute(f"select sum(hash(t)) from {name} as t").fetchone()


def sql_path(path: Path) -> str:
    """A path's text with its quotes doubled, to go between single quotes in SQL."""
    return str(path).replace("'", "''")


def sql_string(value: object) -> str:
    """A value as an SQL string literal: names and paths are data, never SQL."""
    return "'" + str(value).replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def current_catalog(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_database()").fetchone()[0]


def _main_schema_names(
    con: duckdb.DuckDBPyConnection, catalog: str | None, listing: str, column: str, where: str = ""
) -> list[str]:
    """The names in `column` of the DuckDB listing (duckdb_tables(), duckdb_views()) in the
    main schema of the catalog (the current one by default), sorted; `where`: a further
    condition on the listing."""
    rows = con.execute(
        f"select {column} from {listing} where database_name = ? and schema_name = 'main'"
        f"{' and ' + where if where else ''} order by {column}",
        [catalog or current_catalog(con)],
    ).fetchall()
    return [r[0] for r in rows]


def base_tables(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
    return _main_schema_names(con, catalog, "duckdb_tables()", "table_name")


def views(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
    """The views of the catalog's main schema, DuckDB's internal ones left out."""
    return _main_schema_names(con, catalog, "duckdb_views()", "view_name", "not internal")


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


def copy_file(source: Path, target: Path, like: Path) -> None:
    """Copy ``source`` into a new file ``target`` that has, from its creation, the mode of
    ``like`` (and its owner and group, where this process may set them): a copy is never
    more readable than the file it stands for."""
    keep_mode_of(like, target, create=True)
    shutil.copyfile(source, target)


def keep_mode_of(like: Path, target: Path, create: bool = False) -> None:
    """Give ``target`` the mode, owner and group of ``like`` (``create``: as a new empty
    file, which must not exist yet)."""
    info = like.stat()
    mode = stat.S_IMODE(info.st_mode)
    if create:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))
    os.chmod(target, mode)
    current = target.stat()
    if (current.st_uid, current.st_gid) != (info.st_uid, info.st_gid):
        with contextlib.suppress(PermissionError):
            os.chown(target, info.st_uid, info.st_gid)


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
