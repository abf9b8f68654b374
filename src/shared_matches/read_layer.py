"""The read layer: the rows the compatibility views read, published as Parquet files.

A cleaned player DB's views (`match_participants`, `highlight_events`, `xuid_aliases`) read
these files by absolute path (`read_parquet`), so the app opens its `stats.duckdb` as it always
did, with any DuckDB from 1.4 on, read-only or not, with no ATTACH and no lock on the
warehouse: readers never block a writer, and a writer replaces files whole (a rare failed read
during a publish is still open: docs/read-layer.md, "Known problem"). The warehouse stays the
writers' private store.

Layout, under `<data dir>/read_layer/` (dbt var `read_layer_folder`):

    match_registry/3c.parquet            one row per match (the registry's columns)
    match_players/all.parquet            which tracked player has which match (+ start time)
    match_participants/3c.parquet        every match's roster, once (every warehouse column)
    highlight_events/3c.parquet          every match's events, once, ranked in their match
                                         (raw_json only where it is not the rebuild)
    xuid_aliases/all.parquet             every alias
    _layer.json                          the manifest: complete, and up to which record number

A match's rows live in the file of its id's range (macro read_layer_partition: 64 files a
table, `3c` holds the ids `3c...` to `3f...`), sorted (match, time), each file ONE row group:
its min-max statistics let a lookup of one match skip the other files. One row group, because
DuckDB (1.4, 1.5 and 2.0, measured) may open a file again by its path while it scans a file of
several row groups, and would then read the new file of a publish with the old one's footer
("TProtocolException: Invalid data"); a file of one row group is read through one handle, so a
rename over it is safe. What goes into the files is SQL: the warehouse views `read_layer_*`
(models/compat). This module only writes them, after the warehouse commit of every merge:

- the publish hook of a merge (macro read_layer_pending_statements) records, in the same
  transaction as the rows, which matches changed (table `read_layer_pending`, numbered);
- `publish` rewrites the files of the matches recorded past the layer's mark: the
  file's other rows as they were, the changed matches' rows from the warehouse; each file is
  written next to its place under a name the views' glob does not match
  (`.<name>.parquet.tmp`), flushed, then renamed over the old one (atomic), so a reader sees
  the old file or the new one, never a half-written one, and a match is in one file only;
  then the manifest's mark moves past them. The publish only reads the warehouse (a write
  would cost a checkpoint); the published rows of the record are deleted once they are many.

A kill at any point leaves the mark where it was: the next command that takes the warehouse lock
(migrate, sync, cleanup, restore, repoint) finishes the publish, and `status` says the layer
lags meanwhile. On Windows a file a reader holds open cannot be replaced: the rename is retried
for REPLACE_WAIT_SECONDS, then the publish stops with the record kept (the layer lags; the old
file is whole), and the next command tries again.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from shared_matches.duckdb_files import open_db, sql_string
from shared_matches.failpoints import failpoint
from shared_matches.paths import DataDir, UserError
from shared_matches.project import project_vars

MANIFEST = "_layer.json"
LAYER_FORMAT = 1
# the one file of a table that is not split by match id, and the file a split table keeps
# when the warehouse has no match yet (a glob that matches nothing fails a reader)
WHOLE_FILE = "all"
EMPTY_FILE = "none"
# every file is one row group (see above): more rows than a file ever holds (a 64th of the
# events: 6,000 rows on the demo set, 60,000 at 10x); each written file is checked
ROW_GROUP_ROWS = 100_000_000
PARQUET_OPTIONS = f"format parquet, compression zstd, row_group_size {ROW_GROUP_ROWS}"
# Windows refuses to replace a file a reader holds open: retry the rename this long
REPLACE_WAIT_SECONDS = 30.0
REPLACE_RETRY_SECONDS = 0.2
RENAME: Callable[[Path, Path], None] = os.replace
# the publish deletes the record's published rows once there are more than this (a write of
# the warehouse: a checkpoint, 0.1-0.2 s at 10x, that a one-match publish need not pay)
PRUNE_ROWS = 50_000

Printer = Callable[[str], None]


@dataclass(frozen=True)
class LayerTable:
    """One table of the layer: the warehouse view it is written from and its row order."""

    name: str
    order_by: tuple[str, ...]
    partitioned: bool = True
    # the warehouse view the file is written from (models/compat)
    source_view: str | None = None

    @property
    def view(self) -> str:
        return self.source_view or f"read_layer_{self.name}"


TABLES = (
    LayerTable("match_registry", ("match_id",)),
    # one file: every view reads all of a player's rows (to number their matches)
    LayerTable("match_players", ("player_xuid", "start_time", "match_id"), partitioned=False),
    LayerTable("match_participants", ("match_id", "xuid")),
    LayerTable("highlight_events", ("match_id", "time_ms", "event_number")),
    LayerTable("xuid_aliases", ("xuid",), partitioned=False, source_view="v4_xuid_aliases"),
)


class LayerBusy(UserError):
    """A file of the layer could not be replaced in time (held open by a reader on Windows)."""


def layer_dir(data_dir: DataDir) -> Path:
    """The read layer's folder (var read_layer_folder under the data dir)."""
    return data_dir.root / str(project_vars()["read_layer_folder"])


def pending_table() -> str:
    return str(project_vars()["read_layer_pending_table"])


# --- state ----------------------------------------------------------------------------------


@dataclass
class LayerState:
    """Where the layer stands against the warehouse."""

    path: Path
    published: bool  # a complete publish happened (its manifest is there)
    pending_matches: int = 0  # matches whose files still hold their rows of before a merge
    pending_other: bool = False  # a merge changed the aliases since the last publish
    published_at: str | None = None
    files: int = 0
    size_bytes: int = 0

    @property
    def lags(self) -> bool:
        return not self.published or self.pending_matches > 0 or self.pending_other

    def describe(self) -> str:
        size = f"{self.files} files, {self.size_bytes / 2**20:.1f} MiB"
        if not self.published:
            return f"is not published yet ({self.path}): the next migrate or sync writes it"
        if self.lags:
            what = f"{self.pending_matches} match(es)" if self.pending_matches else "aliases"
            return (
                f"lags the warehouse: {what} merged but not yet written to {self.path} "
                "(a command was stopped after its merge); the next migrate, sync or "
                "`shared-matches repoint` finishes it"
            )
        return f"is up to date ({size}, published {self.published_at})"


def read_manifest(root: Path) -> dict | None:
    try:
        return json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def is_published(data_dir: DataDir) -> bool:
    """True once a complete publish wrote the layer (its manifest; the warehouse is not
    opened: readers never touch it)."""
    return read_manifest(layer_dir(data_dir)) is not None


def layer_state(data_dir: DataDir, con: duckdb.DuckDBPyConnection | None = None) -> LayerState:
    """The layer's state; reads the warehouse's record (read-only) unless ``con`` is given."""
    root = layer_dir(data_dir)
    manifest = read_manifest(root)
    files = list(root.glob("*/*.parquet")) if root.is_dir() else []
    state = LayerState(
        root,
        published=manifest is not None,
        published_at=(manifest or {}).get("published_at"),
        files=len(files),
        size_bytes=sum(f.stat().st_size for f in files),
    )
    if not data_dir.warehouse.is_file():
        return state
    if con is None:
        with open_db(data_dir.warehouse, read_only=True) as own:
            return _with_pending(state, own)
    return _with_pending(state, con)


def _with_pending(state: LayerState, con: duckdb.DuckDBPyConnection) -> LayerState:
    pending = read_pending(con, published_through(read_manifest(state.path)))
    state.pending_matches = len(pending.matches)
    state.pending_other = pending.other
    if pending.behind:  # a warehouse put back or rebuilt: its record starts again
        state.published = False
    return state


def published_through(manifest: dict | None) -> int:
    """The last record number the layer holds (its manifest's mark; 0 before any)."""
    return int((manifest or {}).get("published_through", 0))


@dataclass
class Pending:
    """What the warehouse's record names past the layer's mark."""

    matches: list[str] = field(default_factory=list)
    other: bool = False  # a change of a table not keyed by match (the aliases)
    # per shared table, the matches it changed (None: the table changed, not by match)
    by_table: dict[str, set[str | None]] = field(default_factory=dict)
    newest: int = 0  # the record's last number
    stale: int = 0  # rows at or below the mark (published; pruned now and then)

    # the record's numbers went back below the mark: the warehouse was replaced
    behind: bool = False


def read_pending(con: duckdb.DuckDBPyConnection, mark: int) -> Pending:
    """The record past ``mark`` (read-only; no record table yet: nothing pending)."""
    table = f"main.{pending_table()}"  # a fixed name (a var)
    try:
        newest, stale = con.execute(
            f"select coalesce(max(pending_id), 0), count(*) filter (where pending_id <= ?) "
            f"from {table}",
            [mark],
        ).fetchone()
        rows = con.execute(
            f"select distinct table_name, match_id from {table} where pending_id > ?", [mark]
        ).fetchall()
    except duckdb.CatalogException:
        return Pending(behind=mark > 0)
    by_table: dict[str, set[str | None]] = {}
    for name, match_id in rows:
        by_table.setdefault(name, set()).add(match_id)
    return Pending(
        matches=sorted({r[1] for r in rows if r[1] is not None}),
        other=any(r[1] is None for r in rows),
        by_table=by_table,
        newest=int(newest),
        stale=int(stale),
        behind=int(newest) < mark,
    )


# --- publishing -----------------------------------------------------------------------------


@dataclass
class PublishResult:
    full: bool = False
    matches: int = 0
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def describe(self) -> str:
        what = "every match" if self.full else f"{self.matches} match(es)"
        return f"read layer published: {what}, {len(self.files)} file(s) in {self.seconds:.2f} s"


def publish(data_dir: DataDir, full: bool = False, say: Printer | None = None) -> PublishResult:
    """Bring the layer up to date with the warehouse, which it only reads. The caller holds
    the warehouse lock (no other writer). Nothing to do costs one open and two queries."""
    started = time.perf_counter()
    result = PublishResult()
    if not data_dir.warehouse.is_file():
        return result
    root = layer_dir(data_dir)
    manifest = read_manifest(root)
    with open_db(data_dir.warehouse, read_only=True) as con:
        _require_views(con, data_dir)
        pending = read_pending(con, published_through(manifest))
        # no layer yet, one of another layout (a newer version of this project), or a
        # warehouse put back from a copy (its record behind the mark): every file again
        full = full or manifest is None or manifest.get("format") != LAYER_FORMAT or pending.behind
        if not full and not pending.matches and not pending.other:
            return result
        if say:
            what = "every match" if full else f"{len(pending.matches)} match(es)"
            say(f"Read layer: writing {what}")
        root.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(root)
        if full:
            result.files = _publish_all(con, root)
        else:
            result.files = _publish_matches(con, root, pending.by_table)
    failpoint("layer_before_clear")
    _write_manifest(root, pending.newest)
    if pending.stale > PRUNE_ROWS:
        _prune(data_dir, pending.newest)
    result.full = full
    result.matches = len(pending.matches)
    result.seconds = time.perf_counter() - started
    return result


def _view_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select view_name from duckdb_views() where database_name = current_database()"
        ).fetchall()
    }


def missing_layer_views(data_dir: DataDir) -> list[str]:
    """The warehouse views the layer is written from that the warehouse lacks (read-only)."""
    if not data_dir.warehouse.is_file():
        return [t.view for t in TABLES]
    with open_db(data_dir.warehouse, read_only=True) as con:
        return _missing_views(con)


def _missing_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    present = _view_names(con)
    return [t.view for t in TABLES if t.view not in present]


def _require_views(con: duckdb.DuckDBPyConnection, data_dir: DataDir) -> None:
    missing = _missing_views(con)
    if missing:
        raise UserError(
            f"The warehouse {data_dir.warehouse} lacks the views the read layer is written "
            f"from ({', '.join(missing)}): run `shared-matches migrate`, which creates them."
        )


def _prune(data_dir: DataDir, mark: int) -> None:
    """Delete the record's rows the layer holds (a write: done only once they are many)."""
    with open_db(data_dir.warehouse, read_only=False) as con:
        con.execute(f"delete from main.{pending_table()} where pending_id <= ?", [mark])


def _remove_leftovers(root: Path) -> None:
    """Files a killed publish left: never read (the glob does not match them)."""
    for leftover in root.glob("*/.*.parquet.tmp"):
        leftover.unlink(missing_ok=True)
    for staging in root.glob(".staging-*"):
        shutil.rmtree(staging, ignore_errors=True)


def _write_manifest(root: Path, mark: int) -> None:
    """The manifest says the layer is complete, and up to which record number (atomic)."""
    document = {
        "format": LAYER_FORMAT,
        "published_through": mark,
        "published_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "tables": [t.name for t in TABLES],
    }
    staged = root / f".{MANIFEST}.tmp"
    staged.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    replace_file(staged, root / MANIFEST)


def _order(table: LayerTable) -> str:
    return ", ".join(table.order_by)


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path, params: list | dict) -> None:
    """Write one query's rows to ``target`` in the layer's Parquet settings, durably, and
    check that the file is one row group (readers rely on it: see the module's docstring)."""
    con.execute(f"copy ({query}) to {sql_string(target)} ({PARQUET_OPTIONS})", params)
    with target.open("rb") as written:
        os.fsync(written.fileno())
    _check_one_row_group(con, target)


def _check_one_row_group(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Readers rely on every file being one row group (see the module's docstring)."""
    groups = con.execute(
        "select count(distinct row_group_id) from parquet_metadata(?)", [str(path)]
    ).fetchone()[0]
    if groups > 1:
        path.unlink(missing_ok=True)
        raise UserError(f"{path} was written in {groups} row groups; the read layer needs 1.")


def _publish_file(
    con: duckdb.DuckDBPyConnection, folder: Path, name: str, query: str, params: list | dict
) -> str:
    """Write a file under a name no reader globs, then rename it over ``folder/name``."""
    folder.mkdir(parents=True, exist_ok=True)
    staged = folder / f".{name}.parquet.tmp"
    _copy(con, query, staged, params)
    failpoint("layer_after_write")
    replace_file(staged, folder / f"{name}.parquet")
    failpoint("layer_after_replace")
    return f"{folder.name}/{name}.parquet"


def _publish_whole(con: duckdb.DuckDBPyConnection, folder: Path, table: LayerTable) -> str:
    """The one file of a table that is not split by match id, from its view (it is small)."""
    query = f"select * from main.{table.view} order by {_order(table)}"
    return _publish_file(con, folder, WHOLE_FILE, query, [])


def _publish_all(con: duckdb.DuckDBPyConnection, root: Path) -> list[str]:
    """Every file again, from the warehouse: one pass over each view into a temporary table
    sorted by file, then each file from it."""
    written: list[str] = []
    for table in TABLES:
        folder = root / table.name
        if not table.partitioned:
            written.append(_publish_whole(con, folder, table))
            continue
        con.execute(
            f"create or replace temp table layer_rows as select * from main.{table.view} "
            f"order by layer_file, {_order(table)}"
        )
        names = [
            r[0]
            for r in con.execute("select distinct layer_file from layer_rows order by 1").fetchall()
        ] or [EMPTY_FILE]
        for name in names:
            written.append(
                _publish_file(
                    con,
                    folder,
                    name,
                    "select * exclude (layer_file) from layer_rows "
                    f"where layer_file = ? order by {_order(table)}",
                    [name],
                )
            )
        con.execute("drop table layer_rows")
        for stale in folder.glob("*.parquet"):
            if stale.stem not in names:
                stale.unlink(missing_ok=True)
    return written


def _publish_matches(
    con: duckdb.DuckDBPyConnection, root: Path, by_table: dict[str, set[str | None]]
) -> list[str]:
    """The files of the matches each table changed again: their other rows as the files hold
    them, these matches' rows from the warehouse; a file of one piece again when its table
    changed. A table the merge did not change keeps its files (a sync restages the registry
    and match_players rows of every match of its history page, but the events of one)."""
    written: list[str] = []
    for table in TABLES:
        changed = by_table.get(table.name, set())
        if not changed:
            continue
        folder = root / table.name
        if not table.partitioned:
            written.append(_publish_whole(con, folder, table))
            continue
        matches = sorted(m for m in changed if m is not None)
        names = _files_of(con, matches)
        if names:
            written += _publish_split(con, root, table, names, matches)
    return written


def _publish_split(
    con: duckdb.DuckDBPyConnection,
    root: Path,
    table: LayerTable,
    names: list[str],
    matches: list[str],
) -> list[str]:
    """Write the files ``names`` of a split table again in ONE query (a query per file costs
    10-15 ms each, and a sync changes the registry rows of a whole history page): the rows
    go to a staging folder that no reader globs, one file per name, each checked, then each
    is renamed over its file."""
    folder = root / table.name
    staging = root / f".staging-{table.name}"
    shutil.rmtree(staging, ignore_errors=True)
    current = [
        folder / f"{name}.parquet" for name in names if (folder / f"{name}.parquet").is_file()
    ]
    kept = ""
    if current:
        files = ", ".join(sql_string(glob_literal(path)) for path in current)
        kept = (
            "select * exclude (filename), parse_filename(filename, true) as layer_file "
            f"from read_parquet([{files}], filename = true) "
            "where not list_contains($matches, match_id) union all by name "
        )
    query = (
        f"{kept}select * from main.{table.view} where list_contains($matches, match_id) "
        f"order by layer_file, {_order(table)}"
    )
    con.execute(
        f"copy ({query}) to {sql_string(staging)} ({PARQUET_OPTIONS}, partition_by (layer_file))",
        {"matches": matches},
    )
    produced = {}
    for name in names:
        files = sorted((staging / f"layer_file={name}").glob("*.parquet"))
        if len(files) != 1:
            shutil.rmtree(staging, ignore_errors=True)
            raise UserError(f"{staging}: {len(files)} files written for {name}, not 1.")
        _check_one_row_group(con, files[0])
        with files[0].open("rb") as staged:
            os.fsync(staged.fileno())
        produced[name] = files[0]
    failpoint("layer_after_write")
    written = []
    for name, staged in produced.items():
        replace_file(staged, folder / f"{name}.parquet")
        failpoint("layer_after_replace")
        written.append(f"{table.name}/{name}.parquet")
    shutil.rmtree(staging, ignore_errors=True)
    return written


def _files_of(con: duckdb.DuckDBPyConnection, matches: list[str]) -> list[str]:
    """The files that hold these matches (a match's file follows from its id alone)."""
    return [
        r[0]
        for r in con.execute(
            "select distinct layer_file from main.read_layer_match_registry "
            "where list_contains($matches, match_id) order by 1",
            {"matches": matches},
        ).fetchall()
    ]


def glob_literal(path: Path) -> str:
    """A path as a glob pattern that matches only itself (macro glob_literal)."""
    return str(path).replace("[", "[[]").replace("*", "[*]").replace("?", "[?]")


def _newer_than(staged: Path, target: Path) -> None:
    """Give the new version a modification time at least a second after the old one's, so
    that nothing that keys what it read by (path, modification time in seconds) takes the
    new file for the old."""
    try:
        old = target.stat().st_mtime
    except FileNotFoundError:
        return
    when = max(time.time(), old + 1)
    os.utime(staged, (when, when))


def replace_file(staged: Path, target: Path) -> None:
    """Rename ``staged`` over ``target`` (atomic). Windows refuses while a reader holds
    ``target`` open (PermissionError): retry until REPLACE_WAIT_SECONDS have passed, then
    remove ``staged`` and raise LayerBusy; ``target`` is then the old, whole file. The rename
    is ``RENAME`` (os.replace; a test puts Windows' refusal in its place)."""
    _newer_than(staged, target)
    wait_seconds = REPLACE_WAIT_SECONDS
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            RENAME(staged, target)
            return
        except PermissionError as exc:
            if time.monotonic() >= deadline:
                staged.unlink(missing_ok=True)
                raise LayerBusy(
                    f"{target} is held open by another program and could not be replaced "
                    f"for {wait_seconds:.0f} s: the read layer keeps its previous version of "
                    "that file and lags the warehouse; close the app (or wait), then run any "
                    "shared-matches command that writes (e.g. `shared-matches repoint`)."
                ) from exc
            time.sleep(REPLACE_RETRY_SECONDS)


def table_files(data_dir: DataDir, table: str) -> Iterable[Path]:
    return sorted((layer_dir(data_dir) / table).glob("*.parquet"))


def raw_json_sql(relation: str) -> str:
    """SQL: the raw_json of a highlight event rebuilt from its columns, byte for byte as a
    player DB stores it: macro event_raw_json, built from the same var (raw_json_keys)."""
    parts = []
    for key in project_vars()["raw_json_keys"]:
        column = f"{relation}.{key}"
        value = f"try_cast({column} as bigint)" if key == "xuid" else column
        parts.append(f"{sql_string(key)}, {value}")
    return f"cast(json_object({', '.join(parts)}) as varchar)"


def files_sql(data_dir: DataDir, table: str) -> str:
    """SQL: read_parquet over every file of one table of the layer (macro read_layer_files)."""
    pattern = glob_literal(layer_dir(data_dir) / table) + "/*.parquet"
    return f"read_parquet({sql_string(pattern)})"
