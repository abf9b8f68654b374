"""Write API matches into a v4 player DB: one transaction per match.

A match is written by deleting whatever the DB held for it and inserting the new rows, all
inside one transaction: a failure rolls back and never leaves half a match. Inserts go
column by column (``unnest`` of typed list parameters), which keeps a 600-event match at a
few milliseconds. Only the columns the DB really has are written, so older (legacy) layouts
keep working.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from shared_matches.paths import UserError
from shared_matches.sync.parsing import utc_now
from shared_matches.sync.transform import MatchRows
from shared_matches.v4_schema import create_v4_schema

MATCH_TABLES = (
    "match_stats",
    "player_match_stats",
    "match_participants",
    "medals_earned",
    "highlight_events",
)
SHARED_TABLES = ("match_participants", "highlight_events", "xuid_aliases")


class PlayerStore:
    """One player DB opened read-write for a sync or an ingest."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection) -> None:
        self.path = path
        self.con = con
        self._types: dict[str, dict[str, str]] = {}
        self._check_tables_writable()

    @classmethod
    def open(cls, path: Path) -> PlayerStore:
        """Open (creating it in the v4 layout when missing) a player DB."""
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            raise UserError(f"Cannot open the player DB {path}: {exc}") from exc
        try:
            store = cls(path, con)  # refuses a cleaned-up DB before touching it
            create_v4_schema(con)
        except BaseException:
            con.close()
            raise
        return store

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> PlayerStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- metadata ---------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.con.execute("select value from sync_meta where key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("delete from sync_meta where key = ?", [key])
        self.con.execute(
            "insert into sync_meta (key, value, updated_at) values (?, ?, ?)",
            [key, value, utc_now()],
        )

    def owner_xuid(self) -> str | None:
        """The owner's xuid: sync_meta first, else player_match_stats (as the warehouse does)."""
        xuid = self.meta("xuid")
        if xuid:
            return xuid
        row = self.con.execute(
            "select xuid from player_match_stats where xuid is not null "
            "group by xuid order by count(*) desc limit 1"
        ).fetchone()
        return row[0] if row else None

    def claim_owner(self, xuid: str, gamertag: str) -> None:
        """Record the owner in sync_meta; refuse a DB that belongs to another xuid."""
        current = self.owner_xuid()
        if current and current != xuid:
            raise UserError(
                f"{self.path} belongs to xuid {current}, not to {gamertag} (xuid {xuid})."
            )
        self.set_meta("xuid", xuid)
        self.set_meta("gamertag", gamertag)

    # -- reads ------------------------------------------------------------------------------
    def newest_match(self) -> tuple[str, datetime | None] | None:
        """The owner's newest synced match (match_id, start_time)."""
        row = self.con.execute(
            "select match_id, start_time from match_stats "
            "order by start_time desc nulls last, match_id desc limit 1"
        ).fetchone()
        return (row[0], row[1]) if row else None

    def existing_matches(self, match_ids: Iterable[str] | None = None) -> set[str]:
        if match_ids is None:
            return {r[0] for r in self.con.execute("select match_id from match_stats").fetchall()}
        ids = list(match_ids)
        if not ids:
            return set()
        rows = self.con.execute(
            "select match_id from match_stats where match_id = any(?::varchar[])", [ids]
        ).fetchall()
        return {r[0] for r in rows}

    def known_gamertags(self, xuids: Iterable[str]) -> dict[str, str]:
        ids = list(xuids)
        if not ids:
            return {}
        rows = self.con.execute(
            "select xuid, gamertag from xuid_aliases "
            "where xuid = any(?::varchar[]) and gamertag is not null",
            [ids],
        ).fetchall()
        return dict(rows)

    def count(self, table: str, match_id: str | None = None) -> int:
        sql = f"select count(*) from {table}"
        params: list[Any] = []
        if match_id is not None:
            sql += " where match_id = ?"
            params.append(match_id)
        row = self.con.execute(sql, params).fetchone()
        return int(row[0]) if row else 0

    # -- writes -----------------------------------------------------------------------------
    def write_match(self, rows: MatchRows) -> None:
        """Replace everything the DB holds for one match, in one transaction."""
        self.con.begin()
        try:
            for table in MATCH_TABLES:
                self.con.execute(f"delete from {table} where match_id = ?", [rows.match_id])
            self.insert_rows("match_stats", [rows.match_stats])
            if rows.player_match_stats is not None:
                self.insert_rows("player_match_stats", [rows.player_match_stats])
            self.insert_rows("match_participants", rows.participants)
            self.insert_rows("medals_earned", rows.medals)
            self.insert_rows("highlight_events", rows.events)
            self.upsert_aliases(rows.aliases)
            self.set_meta("last_synced_match_id", rows.match_id)
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise

    def insert_rows(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        """Insert dict rows, column by column; keys the table lacks are dropped."""
        if not rows:
            return
        types = self.column_types(table)
        columns = [c for c in rows[0] if c in types]
        selects = ", ".join(f"unnest(?::{types[c]}[])" for c in columns)
        params = [[row.get(c) for row in rows] for c in columns]
        self.con.execute(
            f"insert into {table} ({', '.join(columns)}) select {selects}",
            params,
        )

    def upsert_aliases(self, rows: Sequence[dict[str, Any]]) -> None:
        """Keep, per xuid, the gamertag with the latest last_seen."""
        if not rows:
            return
        current = dict(
            self.con.execute(
                "select xuid, last_seen from xuid_aliases where xuid = any(?::varchar[])",
                [[r["xuid"] for r in rows]],
            ).fetchall()
        )
        newer = [
            r
            for r in rows
            if current.get(r["xuid"]) is None
            or (r["last_seen"] is not None and r["last_seen"] >= current[r["xuid"]])
        ]
        if not newer:
            return
        self.con.execute(
            "delete from xuid_aliases where xuid = any(?::varchar[])", [[r["xuid"] for r in newer]]
        )
        self.insert_rows("xuid_aliases", newer)

    def column_types(self, table: str) -> dict[str, str]:
        if table not in self._types:
            rows = self.con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where table_name = ? and database_name = current_database() "
                "and schema_name = current_schema()",
                [table],
            ).fetchall()
            self._types[table] = {name: typ for name, typ in rows}
        return self._types[table]

    def _check_tables_writable(self) -> None:
        """A cleaned-up DB (phase 5) holds views instead of the shared tables."""
        rows = self.con.execute(
            "select table_name from information_schema.tables "
            "where table_type = 'VIEW' and table_catalog = current_database() "
            "and table_name = any(?::varchar[])",
            [list(SHARED_TABLES)],
        ).fetchall()
        if rows:
            names = ", ".join(sorted(r[0] for r in rows))
            raise UserError(
                f"{self.path} was cleaned up (phase 5): {names} are compatibility views, so "
                "new matches cannot be written into it. Restore the player DB "
                "(`shared-matches restore`) before syncing or ingesting into it."
            )
