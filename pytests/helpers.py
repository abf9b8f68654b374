"""Helpers shared by the test modules (real DuckDB files, no mocks)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from shared_matches.dbt_session import DbtResult, DbtSession
from shared_matches.paths import DataDir
from shared_matches.project import shared_table_names
from shared_matches.read_layer import layer_dir

SMALL_MATCHES = 40
# the shared tables whose rows a merge decides (merged_sources records when it ran)
SHARED_TABLES = tuple(t for t in shared_table_names() if t != "merged_sources")


def quiet(_: str) -> None:
    """A progress sink for tests."""


def copy_players(players_dir: Path, root: Path) -> DataDir:
    shutil.copytree(players_dir, root / "players")
    return DataDir(root)


def copy_data_dir(source: DataDir, root: Path) -> DataDir:
    """The player DBs, the warehouse and the read layer of a data dir, copied (to write to
    them). A cleaned DB's views still read the source's read layer (absolute paths)."""
    shutil.copytree(source.players_dir, root / "players")
    shutil.copytree(source.warehouse_dir, root / "warehouse")
    if layer_dir(source).is_dir():
        shutil.copytree(layer_dir(source), layer_dir(DataDir(root)))
    return DataDir(root)


def table_contents(warehouse: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(f"select * from {table} order by all").fetchall()
    finally:
        con.close()


def rows(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Every row of one query on a DuckDB file, opened read-only."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def scalar(path: Path, sql: str, params: list | None = None):
    """The first value of one query on a DuckDB file, opened read-only."""
    return rows(path, sql, params)[0][0]


def dbt(data_dir: DataDir, args: list[str], **kwargs) -> DbtResult:
    """One dbt command on a data dir, as the commands run it (never raises on failure)."""
    return DbtSession(data_dir).run(args, check=False, **kwargs)


def failed_nodes(result: DbtResult) -> set[str]:
    return {n.name for n in result.nodes if n.failed}
