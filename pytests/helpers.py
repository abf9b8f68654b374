"""Helpers shared by the test modules (real DuckDB files, no mocks)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from shared_matches.paths import DataDir

SMALL_MATCHES = 40
SHARED_TABLES = (
    "match_registry",
    "match_players",
    "match_participants",
    "highlight_events",
    "xuid_aliases",
)


def quiet(_: str) -> None:
    """A progress sink for tests."""


def copy_players(players_dir: Path, root: Path) -> DataDir:
    shutil.copytree(players_dir, root / "players")
    return DataDir(root)


def table_contents(warehouse: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(f"select * from {table} order by all").fetchall()
    finally:
        con.close()


def scalar(path: Path, sql: str, params: list | None = None):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchone()[0]
    finally:
        con.close()
