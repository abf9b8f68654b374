"""Read-only look-ups in a player DB, for orchestration (counts, lock checks, fingerprints).

Opening goes through duckdb_files.open_db: a missing or locked file is a UserError naming it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from shared_matches.duckdb_files import base_tables, open_db, quote_ident, row_counts
from shared_matches.paths import UserError
from shared_matches.player_identity import read_player_xuid
from shared_matches.project import player_db_tables, project_vars


@dataclass(frozen=True)
class PlayerDbState:
    """What a migration needs to know of a player DB before it runs dbt."""

    path: Path
    owner_xuid: str
    match_ids: frozenset[str]
    fingerprint: str


def read_state(path: Path) -> PlayerDbState:
    """Owner, matches and content fingerprint of a player DB, in one read-only open (which
    also proves the file is readable, not locked by a writer).

    The fingerprint covers the rows of every table the warehouse reads except those a cleanup
    moves (var moved_tables), so that it stays the same through a cleanup: row count and the
    sum of the rows' hashes, which sees a repeated row. A DB whose fingerprint is the one
    recorded at its last merge has nothing new. Leaving the moved tables out misses nothing a
    merge would take: a run merges the matches whose match_stats row is new or changed
    (int_matches_changed), and match_stats is covered.
    """
    with open_db(path, read_only=True) as con:
        try:
            ids = frozenset(
                row[0] for row in con.execute("select match_id from match_stats").fetchall()
            )
        except duckdb.CatalogException as exc:
            raise UserError(f"{path} is not a v4 player DB: {exc}") from None
        xuid = read_player_xuid(con, str(path))
        present = set(base_tables(con)) - set(project_vars()["moved_tables"])
        tables = [t for t in player_db_tables() if t in present]
        parts = " union all ".join(
            f"select {i} as position, count(*) as row_count, "
            f"coalesce(sum(hash(t)::hugeint), 0) as row_hashes from {quote_ident(name)} as t"
            for i, name in enumerate(tables)
        )
        rows = con.execute(f"select * from ({parts}) order by position").fetchall()
    digest = hashlib.sha256()
    for (_, count, hashes), name in zip(rows, tables, strict=True):
        digest.update(f"{name}:{count}:{hashes};".encode())
    return PlayerDbState(path, xuid, ids, digest.hexdigest())


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
