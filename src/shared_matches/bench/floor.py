"""The floor of the migration benchmark: floor.sql over every player DB, in one DuckDB pass.

The player DBs are attached read-only under explicit aliases (every file is named
stats.duckdb, so an ATTACH without an alias would reuse the first one); the seven shared
tables (merged_sources, the runs' bookkeeping, aside) are written into a separate DuckDB file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from shared_matches import v4_schema
from shared_matches.duckdb_files import new_file_config
from shared_matches.paths import DataDir, UserError

# The v4 tables floor.sql reads, exposed as src_<table> views over all players.
SOURCE_TABLES = (
    "match_stats",
    "player_match_stats",
    "match_participants",
    "medals_earned",
    "highlight_events",
    "xuid_aliases",
    "sync_meta",
)
OUTPUT_TABLES = (
    "match_registry",
    "match_players",
    "match_teams",
    "match_participants",
    "match_medals",
    "highlight_events",
    "xuid_aliases",
)


@dataclass(frozen=True)
class FloorResult:
    seconds: float
    rows: dict[str, int]


def floor_sql() -> str:
    return resources.files("shared_matches.bench").joinpath("floor.sql").read_text()


def sql_literal(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def column_types(table: str) -> list[tuple[str, str]]:
    """Every v4 column of `table` (newer layout) with its bare type."""
    return [(name, ddl.split()[0]) for name, ddl in v4_schema.table_columns(table)]


def source_view(con: duckdb.DuckDBPyConnection, table: str, players: list[str]) -> str:
    """`create view src_<table>`: the union over players, typed NULL for a missing column."""
    selects = []
    for number, gamertag in enumerate(players):
        alias = f"player_{number}"
        present = {
            row[0].lower()
            for row in con.execute(
                "select column_name from duckdb_columns() "
                "where database_name = ? and schema_name = 'main' and table_name = ?",
                [alias, table],
            ).fetchall()
        }
        if not present:
            raise UserError(f"Player DB of {gamertag} has no table {table}.")
        columns = ", ".join(
            f"cast({name if name in present else 'null'} as {kind}) as {name}"
            for name, kind in column_types(table)
        )
        selects.append(
            f"select {sql_literal(gamertag)} as player_folder, {columns} from {alias}.main.{table}"
        )
    return f"create temp view src_{table} as\n" + "\nunion all\n".join(selects)


def attach_players(con: duckdb.DuckDBPyConnection, data_dir: DataDir, players: list[str]) -> None:
    for number, gamertag in enumerate(players):
        path = data_dir.require_player(gamertag)
        con.execute(f"attach {sql_literal(path)} as player_{number} (read_only)")
    values = ", ".join(f"({n}, {sql_literal(g)})" for n, g in enumerate(players))
    con.execute(
        "create temp table bench_players as select * from "
        f"(values {values}) as players(player_order, player_folder)"
    )
    for table in SOURCE_TABLES:
        con.execute(source_view(con, table, players))


def run_floor(
    data_dir: DataDir,
    output: Path,
    players: list[str] | None = None,
    memory_limit: str | None = None,
) -> FloorResult:
    """Compute the shared tables of `players` (default: all) into `output` (a new file);
    `memory_limit` (e.g. "600MB") caps DuckDB's memory like the profile's setting would."""
    chosen = players or data_dir.discover_players()
    if not chosen:
        raise UserError(f"No player DB found under {data_dir.players_dir}")
    for leftover in (output, output.with_name(output.name + ".wal")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    # a new file, in the project's storage version like every file it creates
    con = duckdb.connect(str(output), config=new_file_config())
    try:
        con.execute("set enable_progress_bar = false")
        if memory_limit:
            con.execute("set memory_limit = ?", [memory_limit])
        attach_players(con, data_dir, chosen)
        con.execute(floor_sql())
        rows = {
            t: con.execute(f"select count(*) from main.{t}").fetchone()[0] for t in OUTPUT_TABLES
        }
    finally:
        con.close()
    return FloorResult(time.perf_counter() - started, rows)
