"""The read layer: the rows the compatibility views read, published as Parquet files.

A cleaned player DB's views (`match_participants`, `highlight_events`, `xuid_aliases`) read
these files by absolute path (`read_parquet`), so the app opens its `stats.duckdb` as it always
did, with any DuckDB from 1.4 on, read-only or not, with no ATTACH and no lock on the
warehouse: readers never block a writer, and a writer never changes a file a reader may be
reading. The warehouse stays the writers' private store.

Layout, under `<data dir>/read_layer/` (dbt var `read_layer_folder`):

    match_registry/3c.v000000000007.parquet      one row per match (the registry's columns)
    match_players/all.v000000000007.parquet      which tracked player has which match
    match_participants/3c.v000000000007.parquet  every match's roster, once
    highlight_events/3c.v000000000007.parquet    every match's events, once, ranked in their
                                                match (raw_json only where it is not the
                                                rebuild)
    xuid_aliases/all.v000000000007.parquet       every alias
    _layer.json                                 the manifest: complete, up to which record
                                                number, the current file of each range

A match's rows live in the files of its id's range (macro read_layer_partition: 64 ranges a
table, `3c` holds the ids `3c...` to `3f...`), sorted (match, time), each file one row group:
its min-max statistics let a lookup of one match skip the other files.

**A file is never rewritten.** Each publish writes the ranges it changes as new files named
with the next version number, beside the current ones; readers (macro read_layer_files, and
files_sql here) read of each range only the file of the highest version. DuckDB (1.4, 1.5 and
2.0, measured) may open a file again by its path in the middle of a query, and caches what it
read by path: a file renamed over another made readers fail (`TProtocolException: Invalid
data`), about one read in 50 under load even with files of one row group. With immutable
names, whatever a reader opens by a name is the same bytes. A superseded file is deleted by
a later publish, SUPERSEDED_GRACE_SECONDS after its replacement appeared and only while no
other program holds a player DB open (a reader lists every file, superseded ones included,
and opens them as its query goes: remove_superseded).

What goes into the files is SQL: the warehouse views `read_layer_*` (models/compat). This
module only writes them, after the warehouse commit of every merge:

- the publish hook of a merge (macro read_layer_pending_statements) records, in the same
  transaction as the rows, which matches changed (table `read_layer_pending`, numbered);
- `publish` writes again the ranges of the matches recorded past the layer's mark: the range's
  other rows as its current file holds them, the changed matches' rows from the warehouse;
  each file is written under a name the views' glob does not match (`.<name>.parquet.tmp`,
  or a staging folder), checked, flushed, then renamed to its new version's name; then the
  manifest's mark moves past them. The publish only reads the warehouse (a write would cost a
  checkpoint); the published rows of the record are deleted once they are many.

A kill at any point leaves the mark where it was: the next command that takes the warehouse lock
(migrate, sync, cleanup, restore, repoint) publishes again (with a newer version, so any file
of the killed run is superseded), and `status` says the layer lags meanwhile.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from shared_matches.duckdb_files import open_db, sql_string
from shared_matches.failpoints import failpoint
from shared_matches.held_files import held_by_others
from shared_matches.paths import PLAYER_DB_NAME, DataDir, UserError
from shared_matches.project import project_vars

MANIFEST = "_layer.json"
LAYER_FORMAT = 3  # 3: `<range>.v<version>.parquet` (1: `<range>.parquet`, renamed over)
# the one file of a table that is not split by match id, and the file a split table keeps
# when the warehouse has no match yet (a glob that matches nothing fails a reader)
WHOLE_FILE = "all"
EMPTY_FILE = "none"
# every file is one row group (see above): more rows than a file ever holds (a 64th of the
# events: 6,000 rows on the demo set, 60,000 at 10x); each written file is checked
ROW_GROUP_ROWS = 100_000_000
PARQUET_OPTIONS = f"format parquet, compression zstd, row_group_size {ROW_GROUP_ROWS}"
# a file's name: `<range>.v<version>.parquet`, the version zero-padded so that the highest
# version is also the greatest name (the newest file sorts first, descending), and the mark a letter
# after `p`, so that a file of the layout before versions (`<range>.parquet`) never wins
VERSION_MARK = "v"
VERSION_DIGITS = 12
# a superseded file is deleted this long after the version that replaced it was written, and
# only while no other program holds a player DB open (remove_superseded says why)
SUPERSEDED_GRACE_SECONDS = 60.0
DELETE: Callable[[Path], None] = Path.unlink
# Windows refuses to replace a file a reader holds open (the manifest): retry this long
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
    superseded: int = 0  # files a newer version replaced, kept for the readers' grace period

    @property
    def lags(self) -> bool:
        return not self.published or self.pending_matches > 0 or self.pending_other

    def describe(self) -> str:
        size = f"{self.files} files, {self.size_bytes / 2**20:.1f} MiB"
        if self.superseded:
            size += (
                f", {self.superseded} of them superseded: a publish deletes them once they are "
                f"{SUPERSEDED_GRACE_SECONDS:.0f} s old and no other program holds a player DB open"
            )
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
    current = sum(len(current_files(root / t.name)) for t in TABLES)
    state = LayerState(
        root,
        published=manifest is not None,
        published_at=(manifest or {}).get("published_at"),
        files=len(files),
        size_bytes=sum(f.stat().st_size for f in files),
        superseded=len(files) - current,
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
    removal: Removal = field(default_factory=lambda: Removal())  # superseded files
    seconds: float = 0.0

    def describe(self) -> str:
        what = "every match" if self.full else f"{self.matches} match(es)"
        removed = ""
        if self.removal.removed:
            removed = f", {len(self.removal.removed)} superseded file(s) deleted"
        if self.removal.readers:
            removed += (
                f", {self.removal.waiting} superseded file(s) kept while another program "
                "holds a player DB open"
            )
        return (
            f"read layer published: {what}, {len(self.files)} file(s) in {self.seconds:.2f} s"
            f"{removed}"
        )


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
        full = (
            full
            or manifest is None
            or manifest.get("format") != LAYER_FORMAT
            or pending.behind
            or _other_layout(root)
        )
        if not full and not pending.matches and not pending.other:
            result.removal = remove_superseded(data_dir)
            return result
        if say:
            what = "every match" if full else f"{len(pending.matches)} match(es)"
            say(f"Read layer: writing {what}")
        root.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(root)
        version = _next_version(root)
        if full:
            result.files = _publish_all(con, root, version)
        else:
            result.files = _publish_matches(con, root, pending.by_table, version)
    failpoint("layer_before_clear")
    _write_manifest(root, pending.newest)
    result.removal = remove_superseded(data_dir)
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
    """The manifest says the layer is complete, up to which record number, and which file of
    each range is current (for readers that do not pick the newest version themselves)."""
    document = {
        "format": LAYER_FORMAT,
        "published_through": mark,
        "published_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "tables": {
            t.name: sorted(p.name for p in current_files(root / t.name).values()) for t in TABLES
        },
    }
    staged = root / f".{MANIFEST}.tmp"
    staged.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    replace_file(staged, root / MANIFEST)


# --- files and versions ---------------------------------------------------------------------


def _split_name(path: Path) -> tuple[str, int] | None:
    """(range, version) of a layer file named `<range>.v<version>.parquet` (None otherwise)."""
    parts = path.name.split(".")
    if len(parts) != 3 or parts[2] != "parquet" or not parts[1].startswith(VERSION_MARK):
        return None
    digits = parts[1].removeprefix(VERSION_MARK)
    return (parts[0], int(digits)) if digits.isdigit() else None


def _versions(folder: Path) -> dict[str, list[tuple[int, Path]]]:
    """Every version of every range of one table's folder, oldest first."""
    found: dict[str, list[tuple[int, Path]]] = {}
    for path in folder.glob("*.parquet") if folder.is_dir() else []:
        split = _split_name(path)
        if split:
            found.setdefault(split[0], []).append((split[1], path))
    return {name: sorted(versions) for name, versions in found.items()}


def _unnamed(folder: Path) -> list[Path]:
    """The Parquet files of a table's folder that this version does not name (a layer
    written by another version)."""
    return [path for path in folder.glob("*.parquet") if _split_name(path) is None]


def _other_layout(root: Path) -> bool:
    """True when a table's folder holds a file this version does not name: only a full
    publish may replace it, never a range at a time (a range's other rows are taken from its
    current file)."""
    return any(_unnamed(root / table.name) for table in TABLES)


def current_files(folder: Path) -> dict[str, Path]:
    """The current file of each range of one table: its highest version."""
    return {name: versions[-1][1] for name, versions in _versions(folder).items()}


def _next_version(root: Path) -> int:
    """A version number higher than every file's of the layer (each publish takes one)."""
    highest = 0
    for table in TABLES:
        for versions in _versions(root / table.name).values():
            highest = max(highest, versions[-1][0])
    return highest + 1


def _file_name(name: str, version: int) -> str:
    return f"{name}.{VERSION_MARK}{version:0{VERSION_DIGITS}d}.parquet"


@dataclass
class Removal:
    """What a pass over the superseded files did."""

    removed: list[Path] = field(default_factory=list)
    # past their grace period but kept: another program holds a player DB open (a reader of
    # its views may have listed them), or (Windows) holds the file itself
    waiting: int = 0
    readers: list[Path] = field(default_factory=list)  # the player DBs held open


def _due(root: Path, grace: float) -> list[Path]:
    """The superseded files whose replacement is older than ``grace`` seconds, and the files
    of the layout before versions (`<range>.parquet`) once a versioned one replaced them."""
    now = time.time()
    due: list[Path] = []
    for table in TABLES:
        folder = root / table.name
        ranges = _versions(folder)
        for versions in ranges.values():
            for (_, old), (_, newer) in zip(versions, versions[1:], strict=False):
                if now - newer.stat().st_mtime >= grace:
                    due.append(old)
        if ranges:  # a versioned file replaced them
            due += _unnamed(folder)
    return due


def remove_superseded(data_dir: DataDir, grace_seconds: float | None = None) -> Removal:
    """Delete the files a newer version of their range replaced more than ``grace_seconds``
    ago (default SUPERSEDED_GRACE_SECONDS), unless another program holds a player DB open.

    A reader of a cleaned DB's views lists a table's files when its query starts and opens
    them as the query goes (DuckDB opens every listed file, superseded ones included): a file
    deleted in between fails that query. Such a reader holds its player DB open, with a lock
    the system can be asked about without taking it (held_files): while any player DB of
    the data dir is held by another program, nothing is deleted, and the next publish tries
    again. The grace period covers readers that hold no player DB (a program reading the
    files `_layer.json` lists). Where the question cannot be asked (Windows), the grace
    period alone decides, and a file a reader holds open (Windows refuses) stays."""
    grace = SUPERSEDED_GRACE_SECONDS if grace_seconds is None else grace_seconds
    due = _due(layer_dir(data_dir), grace)
    if not due:
        return Removal()
    player_dbs = sorted(data_dir.players_dir.glob(f"*/{PLAYER_DB_NAME}"))
    readers = held_by_others(player_dbs)
    if readers:
        return Removal(waiting=len(due), readers=readers)
    removal = Removal()
    for path in due:
        if _delete(path):
            removal.removed.append(path)
        elif path.exists():
            removal.waiting += 1
    return removal


def _delete(path: Path) -> bool:
    try:
        DELETE(path)
    except FileNotFoundError:
        return False
    except PermissionError:  # held open by a reader (Windows): the next publish tries again
        return False
    return True


# --- writing --------------------------------------------------------------------------------


def _order(table: LayerTable) -> str:
    return ", ".join(table.order_by)


def _check_one_row_group(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Each file is one row group (see the module's docstring); checked after each write."""
    groups = con.execute(
        "select count(distinct row_group_id) from parquet_metadata(?)", [str(path)]
    ).fetchone()[0]
    if groups > 1:
        path.unlink(missing_ok=True)
        raise UserError(f"{path} was written in {groups} row groups; the read layer needs 1.")


def _durable(path: Path) -> None:
    with path.open("rb") as written:
        os.fsync(written.fileno())


def _put_in_place(staged: Path, folder: Path, name: str, version: int) -> str:
    """Rename a written, checked file to its new version's name (a name no file had: nothing
    is replaced, so no reader can be holding it)."""
    target = folder / _file_name(name, version)
    os.replace(staged, target)
    failpoint("layer_after_rename")
    return f"{folder.name}/{target.name}"


def _publish_file(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    name: str,
    version: int,
    query: str,
    params: list | dict,
) -> str:
    """Write one file under a name no reader globs, then rename it to its version's name."""
    folder.mkdir(parents=True, exist_ok=True)
    staged = folder / f".{name}.parquet.tmp"
    con.execute(f"copy ({query}) to {sql_string(staged)} ({PARQUET_OPTIONS})", params)
    _durable(staged)
    _check_one_row_group(con, staged)
    failpoint("layer_after_write")
    return _put_in_place(staged, folder, name, version)


def _publish_whole(
    con: duckdb.DuckDBPyConnection, folder: Path, table: LayerTable, version: int
) -> str:
    """The one file of a table that is not split by match id, from its view (it is small)."""
    query = f"select * from main.{table.view} order by {_order(table)}"
    return _publish_file(con, folder, WHOLE_FILE, version, query, [])


def _publish_all(con: duckdb.DuckDBPyConnection, root: Path, version: int) -> list[str]:
    """Every file again, from the warehouse: one pass over each view into a temporary table
    sorted by file, then each file from it. A range that has a file but no row any more (a
    warehouse put back from an older copy) gets an empty version, so that its old file is
    superseded, and deleted in time (until then readers still find its rows: they keep, per
    key, the newest file that holds it)."""
    written: list[str] = []
    for table in TABLES:
        folder = root / table.name
        if not table.partitioned:
            written.append(_publish_whole(con, folder, table, version))
            continue
        con.execute(
            f"create or replace temp table layer_rows as select * from main.{table.view} "
            f"order by layer_file, {_order(table)}"
        )
        names = {r[0] for r in con.execute("select distinct layer_file from layer_rows").fetchall()}
        names |= set(current_files(folder))  # a range with a file but no row: empty now
        names = names or {EMPTY_FILE}  # a glob that matches no file fails a reader
        for name in sorted(names):
            written.append(
                _publish_file(
                    con,
                    folder,
                    name,
                    version,
                    "select * exclude (layer_file) from layer_rows "
                    f"where layer_file = ? order by {_order(table)}",
                    [name],
                )
            )
        con.execute("drop table layer_rows")
    return written


def _publish_matches(
    con: duckdb.DuckDBPyConnection,
    root: Path,
    by_table: dict[str, set[str | None]],
    version: int,
) -> list[str]:
    """The files of the matches each table changed again: their other rows as the current
    files hold them, these matches' rows from the warehouse; a file of one piece again when
    its table changed. A table the merge did not change keeps its files (a sync restages the
    registry and match_players rows of every match of its history page, but the events of
    one)."""
    written: list[str] = []
    for table in TABLES:
        changed = by_table.get(table.name, set())
        if not changed:
            continue
        folder = root / table.name
        if not table.partitioned:
            written.append(_publish_whole(con, folder, table, version))
            continue
        matches = sorted(m for m in changed if m is not None)
        names = _files_of(con, matches)
        if names:
            written += _publish_split(con, root, table, names, matches, version)
    return written


def _publish_split(
    con: duckdb.DuckDBPyConnection,
    root: Path,
    table: LayerTable,
    names: list[str],
    matches: list[str],
    version: int,
) -> list[str]:
    """Write the files ``names`` of a split table again in ONE query (a query per file costs
    10-15 ms each, and a sync changes the registry rows of a whole history page): the rows
    go to a staging folder that no reader globs, one file per name, each checked, then each
    is renamed to its new version's name beside the current one."""
    folder = root / table.name
    staging = root / f".staging-{table.name}"
    shutil.rmtree(staging, ignore_errors=True)
    current = current_files(folder)
    kept_files = [current[name] for name in names if name in current]
    kept = ""
    if kept_files:
        files = ", ".join(sql_string(glob_literal(path)) for path in kept_files)
        kept = (
            "select * exclude (filename), split_part(parse_filename(filename), '.', 1) "
            f"as layer_file from read_parquet([{files}], filename = true) "
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
        _durable(files[0])
        produced[name] = files[0]
    failpoint("layer_after_write")
    written = [_put_in_place(staged, folder, name, version) for name, staged in produced.items()]
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


def replace_file(staged: Path, target: Path) -> None:
    """Rename ``staged`` over ``target`` (atomic; the manifest only: the data files are never
    replaced). Windows refuses while a reader holds ``target`` open (PermissionError): retry
    until REPLACE_WAIT_SECONDS have passed, then remove ``staged`` and raise LayerBusy;
    ``target`` is then the old, whole file. The rename is ``RENAME`` (os.replace; a test puts
    Windows' refusal in its place)."""
    deadline = time.monotonic() + REPLACE_WAIT_SECONDS
    while True:
        try:
            RENAME(staged, target)
            return
        except PermissionError as exc:
            if time.monotonic() >= deadline:
                staged.unlink(missing_ok=True)
                raise LayerBusy(
                    f"{target} is held open by another program and could not be replaced "
                    f"for {REPLACE_WAIT_SECONDS:.0f} s: the read layer's files are written "
                    "but its manifest lags; close the program (or wait), then run any "
                    "shared-matches command that writes (e.g. `shared-matches repoint`)."
                ) from exc
            time.sleep(REPLACE_RETRY_SECONDS)


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
    """SQL: the current rows of one table of the layer (macro read_layer_files, the same SQL):
    per key of the table (var read_layer_keys), the rows of the newest file that holds it."""
    pattern = sql_string(glob_literal(layer_dir(data_dir) / table) + "/*.parquet")
    key = ", ".join(project_vars()["read_layer_keys"][table])
    return (
        f"(select * exclude (filename) from read_parquet({pattern}, filename = true) "
        f"qualify dense_rank() over (partition by {key} order by filename desc) = 1)"
    )
