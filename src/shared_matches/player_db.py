"""Read-only look-ups in a player DB, for orchestration (counts, lock checks).

Opening goes through duckdb_files.open_db: a missing or locked file is a UserError naming it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from shared_matches.duckdb_files import open_db, row_counts
from shared_matches.paths import UserError


def match_ids(path: Path) -> set[str]:
    """Match ids of the player's match_stats (also proves the file is readable, not locked)."""
    with open_db(path, read_only=True) as con:
        try:
            return {row[0] for row in con.execute("select match_id from match_stats").fetchall()}
        except duckdb.CatalogException as exc:
            raise UserError(f"{path} is not a v4 player DB: {exc}") from None


def table_row_counts(path: Path) -> dict[str, int]:
    """Row count of every base table of the DB (views are left out)."""
    with open_db(path, read_only=True) as con:
        return row_counts(con)
