"""The owner's xuid of a player DB: sync_meta first, else player_match_stats."""

from __future__ import annotations

import duckdb

from shared_matches.duckdb_files import base_tables, current_catalog, quote_ident
from shared_matches.paths import UserError


def read_player_xuid(con: duckdb.DuckDBPyConnection, label: str, catalog: str | None = None) -> str:
    """The xuid of the DB's owner; ``label`` names the DB in the error message."""
    catalog = catalog or current_catalog(con)
    tables = set(base_tables(con, catalog))
    prefix = f"{quote_ident(catalog)}.main."
    if "sync_meta" in tables:
        row = con.execute(
            f"select value from {prefix}sync_meta where key = 'xuid' and value is not null"
        ).fetchone()
        if row and row[0]:
            return str(row[0])
    if "player_match_stats" in tables:
        rows = con.execute(
            f"select distinct xuid from {prefix}player_match_stats where xuid is not null"
        ).fetchall()
        if len(rows) == 1:
            return str(rows[0][0])
        if len(rows) > 1:
            raise UserError(f"{label}: player_match_stats holds several xuids; cannot tell whose.")
    raise UserError(
        f"{label}: no owner xuid (neither sync_meta key 'xuid' nor player_match_stats.xuid)."
    )
