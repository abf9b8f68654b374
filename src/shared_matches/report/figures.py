"""The figures of the migration report, read from the player DBs and the warehouse.

Every DuckDB file is opened read-only and closed as soon as its figures are read, so the
report never keeps the warehouse (or a player DB) locked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from shared_matches import player_db
from shared_matches.paths import DataDir, UserError, order_players
from shared_matches.report.evidence import ChecklistRun, NoLossRow, no_loss_rows
from shared_matches.report.history import recorded_runs

# PlayerRun.status values (shared_matches.migrate)
MERGED = "merged"
UP_TO_DATE = "up to date"

# (label, table in the player DBs, table in the warehouse)
TABLE_PAIRS = (
    ("matches", "match_stats", "match_registry"),
    ("match_participants", "match_participants", "match_participants"),
    ("highlight_events", "highlight_events", "highlight_events"),
    ("xuid_aliases", "xuid_aliases", "xuid_aliases"),
)
# Tables phase 5 turns into views in a player DB (their rows are then counted from the backup).
MOVED_TABLES = ("match_participants", "highlight_events", "xuid_aliases")

VALIDATION_SQL = """
select
    count(*) as total_matches,
    avg(player_count) as avg_players_per_match,
    sum(case when player_count > 1 then 1 else 0 end) as shared_matches
from match_registry
"""
DISTRIBUTION_SQL = """
select player_count, count(*) as matches
from match_registry
group by player_count
order by player_count
"""
PLAYERS_SQL = """
select max(player_gamertag) as gamertag, count(*) as matches
from match_players
group by player_xuid
"""


@dataclass(frozen=True)
class TableFigure:
    """Rows of one table in all player DBs together vs rows in the warehouse."""

    label: str
    player_table: str
    warehouse_table: str
    player_rows: int
    warehouse_rows: int

    @property
    def saved_rows(self) -> int:
        return self.player_rows - self.warehouse_rows

    @property
    def saved_pct(self) -> float | None:
        if self.player_rows == 0:
            return None
        return 100.0 * self.saved_rows / self.player_rows


@dataclass(frozen=True)
class PlayerFigure:
    """One player's part of a migrate run. *new*: matches that merge added to the warehouse
    (no tracked player's copy was there before); *known*: copies merged into matches the
    warehouse already held. The same words mean the same in the dry run, the sync summary and
    `status`."""

    gamertag: str
    run: str  # "merged", "up to date", or when the last reported run was
    matches: int | None
    new_matches: int | None
    known_matches: int | None
    seconds: float | None = None
    warehouse_matches: int | None = None


@dataclass(frozen=True)
class Validation:
    """The plan's validation query on match_registry."""

    total_matches: int
    avg_players_per_match: float | None
    shared_matches: int


@dataclass
class ReportFigures:
    generated_at: datetime
    data_dir: Path
    warehouse: Path
    players_source: str  # "this run" or "last reported runs"
    player_dbs: list[str]
    tables: list[TableFigure]
    player_db_bytes: int
    warehouse_bytes: int
    validation: Validation
    distribution: list[tuple[int, int]]
    players: list[PlayerFigure]
    notes: list[str] = field(default_factory=list)
    checklists: list[ChecklistRun] = field(default_factory=list)
    lineage_page: Path | None = None

    @property
    def no_loss(self) -> list[NoLossRow]:
        return no_loss_rows(self.checklists)

    @property
    def checks_passed(self) -> bool:
        return all(run.passed for run in self.checklists)

    @property
    def merged_players(self) -> list[str]:
        return [p.gamertag for p in self.players if p.run == MERGED]

    @property
    def up_to_date_players(self) -> list[str]:
        return [p.gamertag for p in self.players if p.run == UP_TO_DATE]

    @property
    def bytes_saved_pct(self) -> float | None:
        if self.player_db_bytes == 0:
            return None
        return 100.0 * (self.player_db_bytes - self.warehouse_bytes) / self.player_db_bytes


def file_bytes(path: Path) -> int:
    """Size of a DuckDB file plus its write-ahead log, if any."""
    wal = path.with_name(path.name + ".wal")
    return path.stat().st_size + (wal.stat().st_size if wal.is_file() else 0)


def latest_backup_counts(
    data_dir: DataDir, gamertag: str, tables: list[str]
) -> dict[str, int] | None:
    """Row counts of `tables` in the newest complete backup of a player DB that holds them
    (phase 5 backs a player DB up before its tables become views)."""
    manifests = sorted((data_dir.backups_dir / gamertag).glob("*/manifest.json"))
    for manifest in reversed(manifests):
        try:
            counts = json.loads(manifest.read_text()).get("row_counts")
        except (OSError, ValueError):
            continue
        if isinstance(counts, dict) and all(t in counts for t in tables):
            return {t: int(counts[t]) for t in tables}
    return None


def player_source_rows(data_dir: DataDir, gamertags: list[str], notes: list[str]) -> dict:
    """Sum of the rows of each compared table over the player DBs."""
    totals = {player_table: 0 for _, player_table, _ in TABLE_PAIRS}
    for gamertag in gamertags:
        counts = player_db.table_row_counts(data_dir.player_db(gamertag))
        moved = [t for t in MOVED_TABLES if t not in counts]
        if moved:
            backup = latest_backup_counts(data_dir, gamertag, moved) or {}
            from_backup = [t for t in moved if t in backup]
            for table in from_backup:
                counts[table] = backup[table]
            if from_backup:
                notes.append(
                    f"{gamertag}: {', '.join(from_backup)} moved to the warehouse (phase 5); "
                    "their rows are counted from the player's latest backup."
                )
            missing = [t for t in moved if t not in backup]
            if missing:
                notes.append(f"{gamertag}: no {', '.join(missing)} table and no backup counts.")
        for table in totals:
            totals[table] += counts.get(table, 0)
    return totals


def open_warehouse(data_dir: DataDir) -> duckdb.DuckDBPyConnection:
    path = data_dir.warehouse
    if not path.is_file():
        raise UserError(
            f"No warehouse at {path}: run `shared-matches migrate` first, then the report."
        )
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise UserError(
                f"{path} is locked by a writer (a migration or a dbt build is running): "
                "retry when it ends."
            ) from None
        raise UserError(f"Cannot open {path}: {exc}") from None


@dataclass
class WarehouseFigures:
    table_rows: dict[str, int]
    validation: Validation
    distribution: list[tuple[int, int]]
    player_matches: dict[str, int]


def read_warehouse(data_dir: DataDir) -> WarehouseFigures:
    con = open_warehouse(data_dir)
    try:
        table_rows = {
            wh_table: con.execute(f'select count(*) from "{wh_table}"').fetchone()[0]
            for _, _, wh_table in TABLE_PAIRS
        }
        total, avg_count, shared = con.execute(VALIDATION_SQL).fetchone()
        validation = Validation(
            int(total), None if avg_count is None else float(avg_count), int(shared or 0)
        )
        distribution = [(int(n), int(m)) for n, m in con.execute(DISTRIBUTION_SQL).fetchall()]
        player_matches = {g: int(n) for g, n in con.execute(PLAYERS_SQL).fetchall() if g}
    except duckdb.CatalogException as exc:
        raise UserError(
            f"{data_dir.warehouse} lacks a shared table ({exc}): run `shared-matches migrate`."
        ) from None
    finally:
        con.close()
    return WarehouseFigures(table_rows, validation, distribution, player_matches)


def migrated_players(data_dir: DataDir) -> set[str]:
    """Gamertags holding copies in the warehouse (empty without a warehouse)."""
    if not data_dir.warehouse.is_file():
        return set()
    return set(read_warehouse(data_dir).player_matches)


def players_of_runs(runs: list, warehouse: WarehouseFigures) -> list[PlayerFigure]:
    return [
        PlayerFigure(
            r.gamertag,
            r.status,
            r.matches,
            r.new_matches if r.status == MERGED else None,
            r.known_matches if r.status == MERGED else None,
            r.seconds,
            warehouse.player_matches.get(r.gamertag),
        )
        for r in runs
    ]


def players_of_history(
    data_dir: DataDir, gamertags: list[str], warehouse: WarehouseFigures
) -> list[PlayerFigure]:
    """Without a run: each player's last migrate run recorded by a report."""
    recorded = recorded_runs(data_dir)
    players = []
    for gamertag in order_players(sorted(set(gamertags) | set(warehouse.player_matches))):
        run = recorded.get(gamertag)
        players.append(
            PlayerFigure(
                gamertag,
                f"reported {run.reported_at[:16].replace('T', ' ')}" if run else "no report",
                run.matches if run else None,
                run.new_matches if run else None,
                run.known_matches if run else None,
                run.seconds if run else None,
                warehouse.player_matches.get(gamertag),
            )
        )
    return players


def collect_figures(
    data_dir: DataDir,
    runs: list | None = None,
    checklists: list[ChecklistRun] | None = None,
) -> ReportFigures:
    """All figures of the report; per-player figures from `runs` when given (migrate's PlayerRun
    list), else from the runs the earlier reports recorded; the checklist evidence as given."""
    notes: list[str] = []
    gamertags = data_dir.discover_players()
    warehouse = read_warehouse(data_dir)
    sources = player_source_rows(data_dir, gamertags, notes)
    tables = [
        TableFigure(label, p_table, w_table, sources[p_table], warehouse.table_rows[w_table])
        for label, p_table, w_table in TABLE_PAIRS
    ]
    if runs:
        players = players_of_runs(runs, warehouse)
        players_source = "this run"
    else:
        players = players_of_history(data_dir, gamertags, warehouse)
        players_source = "last reported runs"
    migrated = {g.lower() for g in warehouse.player_matches}
    waiting = [g for g in gamertags if g.lower() not in migrated]
    if waiting:
        notes.append(
            "Player DBs with no match in the warehouse yet (counted in the player-DB totals): "
            + ", ".join(waiting)
        )
    from shared_matches.docs import LINEAGE_PAGE, docs_dir

    return ReportFigures(
        generated_at=datetime.now().astimezone(),
        data_dir=data_dir.root,
        warehouse=data_dir.warehouse,
        players_source=players_source,
        player_dbs=gamertags,
        tables=tables,
        player_db_bytes=sum(file_bytes(data_dir.player_db(g)) for g in gamertags),
        warehouse_bytes=file_bytes(data_dir.warehouse),
        validation=warehouse.validation,
        distribution=warehouse.distribution,
        players=players,
        notes=notes,
        checklists=list(checklists or []),
        lineage_page=docs_dir(data_dir) / LINEAGE_PAGE,
    )
