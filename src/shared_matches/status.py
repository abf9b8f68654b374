"""`shared-matches status`: where each player and the warehouse stand, before anything writes.

Per player: migrated or not (when, matches in the warehouse, new vs known at that merge),
cleaned up or not, the last backup, the last sync and what it brought (the landing's responses
fetched by the player), and whether the player DB changed since its last merge (its content
fingerprint against the one merged_sources recorded). For the warehouse: file size, free space
(DuckDB's pragma_database_size), matches, the last run. Plain text, or `--json`.

Read-only on every file: each DuckDB file is opened read-only and closed at once; no lock is
taken, nothing is created (not even the data dir).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from shared_matches import player_db
from shared_matches.cleanup.app_sync import EXAMPLES, StrayTable, UnsharedMatch, read_findings
from shared_matches.cleanup.backup import latest_backup
from shared_matches.cleanup.state import CLEANED, ORIGINAL, inspect_player_db
from shared_matches.duckdb_files import open_db
from shared_matches.landing.schema import landing_path
from shared_matches.paths import DataDir, UserError
from shared_matches.project import source_kind
from shared_matches.read_layer import layer_dir, layer_state
from shared_matches.report.history import RecordedRun, recorded_runs
from shared_matches.report.text import format_columns, human_bytes

WAREHOUSE_SQL = """
select
    (select count(*) from match_registry) as matches,
    (select count(distinct player_xuid) from match_players) as players
"""
MERGED_SQL = """
select source_id, source_kind, player_gamertag, fingerprint, merged_at, matches_merged, player_xuid
from merged_sources
"""
PLAYER_MATCHES_SQL = """
select player_xuid, count(*) as matches
from match_players
group by player_xuid
"""
# The player's last sync: every sync pages the history first, so it starts at the first
# history page fetched after the player's last response of another kind before their last
# history page; what it brought is every response fetched since (match_stats: the matches it
# fetched in full, new to the group; known matches cost no call and land nothing).
LAST_SYNC_SQL = """
with mine as (
    select * from landing.responses where fetched_by = $gamertag
),
last_history as (
    select max(fetched_at) as at from mine where kind = 'match_history'
),
before_it as (
    select max(fetched_at) as at from mine, last_history
    where kind <> 'match_history' and fetched_at < last_history.at
),
sync_start as (
    select min(fetched_at) as at from mine, before_it
    where kind = 'match_history' and fetched_at > coalesce(before_it.at, '-infinity'::timestamp)
)
select
    sync_start.at as started_at,
    max(mine.fetched_at) as finished_at,
    count(*) as responses,
    count(distinct mine.match_id) filter (where mine.kind = 'match_stats') as new_matches,
    count(*) filter (where mine.http_status >= 400) as error_responses
from mine, sync_start
where mine.fetched_at >= sync_start.at
group by sync_start.at
"""


@dataclass
class SyncStatus:
    started_at: datetime | None
    finished_at: datetime | None
    responses: int
    new_matches: int
    error_responses: int


@dataclass
class BackupStatus:
    backup_id: str
    kind: str
    created_at: str
    path: str


@dataclass
class PlayerStatus:
    gamertag: str
    db_path: str
    db_bytes: int
    xuid: str | None = None
    matches_in_db: int | None = None
    migrated: bool = False
    merged_at: datetime | None = None
    matches_merged_last: int | None = None
    matches_in_warehouse: int = 0
    last_run: RecordedRun | None = None
    changed_since_merge: bool | None = None
    cleanup_state: str | None = None
    last_backup: BackupStatus | None = None
    last_sync: SyncStatus | None = None
    # a cleaned DB only (None otherwise): the matches of its match_stats without a shared
    # roster (another program wrote them, such as the app's own sync), a few of them, the
    # tables neither of the v4 layout nor of this project, and what to do
    unshared_matches: int | None = None
    unshared_examples: list[UnsharedMatch] = field(default_factory=list)
    stray_tables: list[StrayTable] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class WarehouseStatus:
    path: str
    exists: bool
    file_bytes: int = 0
    block_size: int | None = None
    used_bytes: int | None = None
    free_bytes: int | None = None
    wal_bytes: int | None = None
    matches: int = 0
    players: int = 0
    last_run_at: datetime | None = None
    last_run_source: str | None = None
    landing_merged_at: datetime | None = None
    # the read layer (Parquet files the cleaned DBs' views read): where it stands
    read_layer_path: str | None = None
    read_layer_published: bool = False
    read_layer_pending_matches: int = 0
    read_layer_lags: bool = False
    read_layer_superseded_files: int = 0  # kept for readers; a later publish deletes them
    read_layer_text: str | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class Status:
    data_dir: str
    warehouse: WarehouseStatus
    players: list[PlayerStatus]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --- reading ------------------------------------------------------------------------------------


def file_bytes(path: Path) -> int:
    wal = path.with_name(path.name + ".wal")
    return path.stat().st_size + (wal.stat().st_size if wal.is_file() else 0)


def read_warehouse(data_dir: DataDir) -> tuple[WarehouseStatus, list[tuple], dict[str, int]]:
    """The warehouse's figures, merged_sources rows and matches per player xuid."""
    path = data_dir.warehouse
    status = WarehouseStatus(str(path), path.is_file())
    if not status.exists:
        return status, [], {}
    status.file_bytes = file_bytes(path)
    with open_db(path, read_only=True) as con:
        size = con.execute(
            "select block_size, used_blocks, free_blocks, wal_size "
            "from pragma_database_size() where database_name = current_database()"
        ).fetchone()
        block, used, free, wal = size
        status.block_size = int(block)
        status.used_bytes = int(used) * int(block)
        status.free_bytes = int(free) * int(block)
        status.wal_bytes = _size_bytes(wal)
        try:
            status.matches, status.players = con.execute(WAREHOUSE_SQL).fetchone()
            merged = con.execute(MERGED_SQL).fetchall()
            per_player = dict(con.execute(PLAYER_MATCHES_SQL).fetchall())
        except duckdb.CatalogException as exc:
            status.problems.append(f"not every shared table exists ({_first_line(exc)})")
            return status, [], {}
    if merged:
        latest = max(merged, key=lambda r: r[4])
        status.last_run_at, status.last_run_source = latest[4], _source_name(latest)
    landing = [r for r in merged if r[1] == source_kind("halo_api")]
    status.landing_merged_at = landing[0][4] if landing else None
    return status, merged, per_player


def read_layer_status(data_dir: DataDir, warehouse: WarehouseStatus) -> None:
    """Where the read layer stands against the warehouse (its record of pending matches)."""
    try:
        state = layer_state(data_dir)
    except UserError as exc:
        warehouse.problems.append(str(exc))
        return
    warehouse.read_layer_path = str(state.path)
    warehouse.read_layer_published = state.published
    warehouse.read_layer_pending_matches = state.pending_matches
    warehouse.read_layer_lags = state.lags
    warehouse.read_layer_superseded_files = state.superseded
    warehouse.read_layer_text = state.describe()


def _source_name(row: tuple) -> str:
    source_id, kind, gamertag = row[0], row[1], row[2]
    if kind == source_kind("halo_api"):
        return "landing (sync)"
    return f"{gamertag or source_id} ({kind})"


def _size_bytes(text: Any) -> int | None:
    """'1.2 MiB' (pragma_database_size's wal_size) in bytes."""
    units = {"bytes": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "TiB": 1024**4}
    try:
        number, unit = str(text).split()
        return int(float(number) * units.get(unit, 1))
    except ValueError:
        return None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]


def read_last_sync(data_dir: DataDir, gamertags: list[str]) -> dict[str, SyncStatus]:
    path = landing_path(data_dir)
    if not path.is_file():
        return {}
    found: dict[str, SyncStatus] = {}
    with duckdb.connect(":memory:") as con:
        try:
            con.execute("attach ? as landing (read_only)", [str(path)])
        except duckdb.IOException as exc:
            raise UserError(
                f"Cannot read the landing DB {path} (a sync is writing it?): {_first_line(exc)}"
            ) from None
        for gamertag in gamertags:
            row = con.execute(LAST_SYNC_SQL, {"gamertag": gamertag}).fetchone()
            if row:
                found[gamertag] = SyncStatus(*row)
    return found


def read_player(
    data_dir: DataDir,
    gamertag: str,
    merged: dict[str, tuple],
    per_player: dict[str, int],
    runs: dict[str, RecordedRun],
) -> PlayerStatus:
    path = data_dir.player_db(gamertag)
    status = PlayerStatus(gamertag, str(path), file_bytes(path))
    try:
        state = player_db.read_state(path)
    except UserError as exc:
        status.problems.append(str(exc))
        return status
    status.xuid = state.owner_xuid
    status.matches_in_db = len(state.match_ids)
    row = merged.get(state.owner_xuid)
    if row:
        status.migrated = True
        status.merged_at, status.matches_merged_last = row[4], row[5]
        status.changed_since_merge = row[3] != state.fingerprint
    status.matches_in_warehouse = int(per_player.get(state.owner_xuid, 0))
    status.last_run = runs.get(gamertag)
    try:
        status.cleanup_state = inspect_player_db(path).state
    except UserError as exc:
        status.problems.append(str(exc))
    if status.cleanup_state == CLEANED and data_dir.warehouse.is_file():
        try:
            findings = read_findings(data_dir, gamertag)
        except UserError as exc:
            status.problems.append(str(exc))
        else:
            status.unshared_matches = len(findings.unshared)
            status.unshared_examples = findings.unshared[:EXAMPLES]
            status.stray_tables = findings.stray_tables
            status.todo = findings.lines(path)
    if status.cleanup_state == CLEANED:
        check_views_target(data_dir, path, status)
    backup = latest_backup(data_dir, gamertag, kind=None)
    if backup:
        status.last_backup = BackupStatus(
            backup.backup_id, backup.kind, backup.created_at, str(backup.db_path)
        )
    return status


def check_views_target(data_dir: DataDir, path: Path, status: PlayerStatus) -> None:
    """A cleaned DB whose views do not read this data dir's read layer (the data dir was
    moved, or the DB was cleaned by an earlier version whose views needed an ATTACH)."""
    from shared_matches.cleanup.repoint import views_problem

    try:
        problem = views_problem(path, layer_dir(data_dir))
        if problem:
            status.problems.append(problem)
    except UserError as exc:
        status.problems.append(str(exc))


def collect_status(data_dir: DataDir) -> Status:
    """Everything `status` shows; raises UserError when the data dir holds nothing yet."""
    gamertags = data_dir.discover_players()
    warehouse, merged_rows, per_player = read_warehouse(data_dir)
    if warehouse.exists:
        read_layer_status(data_dir, warehouse)
    if not gamertags and not warehouse.exists:
        raise UserError(
            f"Nothing here yet: no player DB under {data_dir.players_dir} and no warehouse at "
            f"{data_dir.warehouse}. Put each player's stats.duckdb in "
            f"{data_dir.players_dir}/<gamertag>/ (or run `shared-matches demo-data`), then "
            "`shared-matches migrate`."
        )
    # the player DBs' rows, by owner xuid
    merged = {row[6]: row for row in merged_rows if row[1] == source_kind("player_db")}
    runs = recorded_runs(data_dir)
    players = [read_player(data_dir, g, merged, per_player, runs) for g in gamertags]
    syncs = read_last_sync(data_dir, gamertags)
    for player in players:
        player.last_sync = syncs.get(player.gamertag)
    return Status(str(data_dir.root), warehouse, players)


# --- showing ------------------------------------------------------------------------------------


def when(value: datetime | str | None) -> str:
    if value is None:
        return "never"
    if isinstance(value, str):
        return value
    return f"{value:%Y-%m-%d %H:%M}"


def migrated_text(p: PlayerStatus) -> str:
    if not p.migrated:
        return "not migrated yet"
    text = f"last merge {when(p.merged_at)}, {p.matches_in_warehouse} matches in the warehouse"
    if p.matches_merged_last is not None:
        text += f" ({p.matches_merged_last} merged by that merge)"
    run = p.last_run
    if run:
        text += (
            f"; last reported migrate run ({run.reported_at[:16].replace('T', ' ')}): "
            f"{run.matches} matches, {run.new_matches} new, {run.known_matches} known"
        )
    return text


def changed_text(p: PlayerStatus) -> str:
    if p.changed_since_merge is None:
        return "n/a (never merged)" if p.xuid else "n/a"
    if p.changed_since_merge and p.unshared_matches:
        # the app's own sync wrote match_stats rows: its copies lack the roster the API has
        return "yes: match_stats rows written by another program (see `to do` below)"
    if p.changed_since_merge:
        return "yes: `shared-matches migrate` would merge it again"
    return "no (up to date)"


def sync_text(p: PlayerStatus) -> str:
    s = p.last_sync
    if s is None:
        return "never (nothing in the landing fetched by this player)"
    errors = f", {s.error_responses} error responses" if s.error_responses else ""
    return (
        f"{when(s.finished_at)}: {s.new_matches} new matches fetched in full, "
        f"{s.responses} responses landed{errors}"
    )


def backup_text(p: PlayerStatus) -> str:
    b = p.last_backup
    return "none" if b is None else f"{b.created_at} ({b.kind}, {b.path})"


def render_text(status: Status) -> str:
    w = status.warehouse
    lines = [f"Data dir: {status.data_dir}", ""]
    if not w.exists:
        lines.append(
            f"Warehouse: none yet ({w.path}): `shared-matches migrate` creates it "
            "(`shared-matches migrate --dry-run` shows what it would do)."
        )
    else:
        lines += [
            f"Warehouse: {w.path}",
            f"  size: {human_bytes(w.file_bytes)} on disk, {human_bytes(w.used_bytes or 0)} "
            f"used, {human_bytes(w.free_bytes or 0)} free inside the file",
            f"  matches: {w.matches} (copies of {w.players} tracked players)",
            f"  last run: {when(w.last_run_at)}"
            + (f" ({w.last_run_source})" if w.last_run_source else ""),
        ]
        if w.read_layer_text:
            lines.append(f"  read layer: {w.read_layer_text}")
        lines += [f"  problem: {problem}" for problem in w.problems]
    lines.append("")
    header = ["player", "matches in DB", "migrated", "changed since merge", "cleanup"]
    rows = [
        [
            p.gamertag,
            "?" if p.matches_in_db is None else str(p.matches_in_db),
            "yes" if p.migrated else "no",
            {None: "n/a", True: "yes", False: "no"}[p.changed_since_merge],
            p.cleanup_state or "?",
        ]
        for p in status.players
    ]
    lines += format_columns(header, rows) if rows else ["No player DB found."]
    for p in status.players:
        lines += [
            "",
            f"{p.gamertag} ({p.db_path}, {human_bytes(p.db_bytes)})",
            f"  migrated: {migrated_text(p)}",
            f"  changed since its last merge: {changed_text(p)}",
            f"  cleanup: {cleanup_text(p)}",
            f"  last backup: {backup_text(p)}",
            f"  last sync: {sync_text(p)}",
        ]
        lines += [f"  to do: {todo}" for todo in p.todo]
        lines += [f"  problem: {problem}" for problem in p.problems]
    return "\n".join(lines) + "\n"


def cleanup_text(p: PlayerStatus) -> str:
    if p.cleanup_state is None:
        return "unknown"
    if p.cleanup_state == ORIGINAL:
        return "not cleaned up (the player DB keeps its own tables)"
    return f"{p.cleanup_state} (shared tables are views onto the read layer)"


# --- command line -------------------------------------------------------------------------------
