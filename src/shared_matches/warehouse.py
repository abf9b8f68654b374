"""Read-only look-ups in the warehouse, for orchestration: is it built, what was merged.

Every helper opens the file read-only, reads and closes it (a dbt build needs it for itself).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from shared_matches.duckdb_files import open_db
from shared_matches.paths import DataDir
from shared_matches.project import source_kind


def _merged_source_row(path: Path, player_xuid: str, columns: str) -> tuple | None:
    """These columns of the player DB's merged_sources row; None when it was never merged or
    the warehouse has no merged_sources yet."""
    with open_db(path, read_only=True) as con:
        try:
            return con.execute(
                f"select {columns} from merged_sources where source_kind = ? and player_xuid = ?",
                [source_kind("player_db"), player_xuid],
            ).fetchone()
        except duckdb.CatalogException:
            return None


def shared_tables(data_dir: DataDir) -> set[str]:
    """The tables of the warehouse's main schema (empty when there is no warehouse yet)."""
    if not data_dir.warehouse.is_file():
        return set()
    with open_db(data_dir.warehouse, read_only=True) as con:
        rows = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main'"
        ).fetchall()
    return {r[0] for r in rows}


def registry_match_ids(path: Path) -> set[str]:
    with open_db(path, read_only=True) as con:
        return {r[0] for r in con.execute("select match_id from match_registry").fetchall()}


def merged_fingerprint(path: Path, player_xuid: str) -> str | None:
    """The fingerprint of the player DB recorded at its last merge, None if never merged."""
    row = _merged_source_row(path, player_xuid, "fingerprint")
    return row[0] if row and row[0] else None


def rejected_rows(path: Path, player_xuid: str) -> tuple[int, list[str]]:
    """The rows of the player DB its last merge could not take: how many, and the first named."""
    row = _merged_source_row(path, player_xuid, "rows_rejected, rejected_examples")
    if not row:
        return 0, []
    return int(row[0] or 0), list(row[1] or [])
