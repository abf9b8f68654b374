"""A player's own DB, as a sync writes it: the player's rows, from the warehouse.

After a sync's build, every match of the batch (new or known) gets, from the warehouse's v4
views (models/compat/v4_*.sql), the player's personal rows: match_stats, player_match_stats,
medals_earned. A DB not yet cleaned up also gets the v4 shared rows (match_participants,
highlight_events, xuid_aliases) so that the old app keeps working until the player cleans up;
a cleaned DB gets nothing else, its compatibility views already show the new matches.
Everything of a batch is written in one transaction (a failure leaves nothing of it). Only
the columns the DB really has are written, so older layouts keep working (an older DB's
INTEGER medal_name_id cannot hold the medal ids beyond int32: those medals stay in the
warehouse's match_medals only).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from types import TracebackType

import duckdb

from shared_matches.duckdb_files import (
    MOVED_TABLES,
    attach_warehouse,
    base_tables,
    new_file_config,
    quote_ident,
    table_columns,
    views,
    write_config,
)
from shared_matches.paths import WAREHOUSE_CATALOG, UserError
from shared_matches.player_identity import read_player_xuid
from shared_matches.v4_schema import create_v4_schema

# the player DB's tables a sync writes, each from the warehouse view v4_<table>
PERSONAL_TABLES = ("match_stats", "player_match_stats", "medals_earned")
# the highlight events' id is the player DB's own sequence (the view's ids only order them)
EVENT_ID = "id"
EVENT_TYPE = "event_type"
# the event types spnkr's film decoder gives (lower case, as the warehouse keeps them)
KNOWN_EVENT_TYPES = ("kill", "death", "medal", "mode")
# medals_earned.medal_name_id: BIGINT in newer DBs, INTEGER in older ones (ids exceed int32)
MEDAL_ID = "medal_name_id"
NARROW_MEDAL_IDS = ("INTEGER", "SMALLINT", "TINYINT")


class PlayerStore:
    """One player DB opened read-write for a sync or an ingest."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection) -> None:
        self.path = path
        self.con = con

    @classmethod
    def open(cls, path: Path) -> PlayerStore:
        """Open (creating it in the v4 layout when new) a player DB. An existing DB keeps its
        own tables and storage version: nothing is added to it. A new one (a sync or an ingest
        of a player who has none) gets the project's storage version: the app opens it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        # write_config: a '?' in the path would misplace DuckDB's write-ahead log
        config = {**write_config(path), **new_file_config()}
        try:
            con = duckdb.connect(str(path), config=config)
        except duckdb.Error as exc:
            raise UserError(f"Cannot open the player DB {path}: {exc}") from exc
        try:
            if not base_tables(con) and not views(con):
                create_v4_schema(con)
        except BaseException:
            con.close()
            raise
        return cls(path, con)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> PlayerStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def is_cleaned(self) -> bool:
        """True when cleanup (phase 5) replaced the shared tables with views."""
        return bool(set(views(self.con)) & set(MOVED_TABLES))

    # -- metadata ---------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.con.execute("select value from sync_meta where key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("delete from sync_meta where key = ?", [key])
        self.con.execute(
            "insert into sync_meta (key, value, updated_at) values (?, ?, now()::timestamp)",
            [key, value],
        )

    def owner_xuid(self) -> str | None:
        """The owner's xuid (the rule of player_identity), None for a DB that has none yet."""
        try:
            return read_player_xuid(self.con, str(self.path))
        except UserError:
            return None

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
    def newest_match(self, unsynced: Iterable[str] = ()) -> tuple[str, datetime | None] | None:
        """The owner's newest synced match (match_id, start_time). ``unsynced``: matches of
        match_stats a sync must fetch again (another program wrote them): the newest match
        older than all of them, so that the paging reaches them (None: read it all)."""
        row = self.con.execute(
            "with unsynced as (select $ids::varchar[] as ids), "
            "oldest_unsynced as (select min(start_time) as start_time from match_stats, unsynced "
            "where list_contains(unsynced.ids, match_id)) "
            "select match_id, match_stats.start_time from match_stats, unsynced, oldest_unsynced "
            "where len(unsynced.ids) = 0 "
            "or match_stats.start_time < oldest_unsynced.start_time "
            "order by match_stats.start_time desc nulls last, match_id desc limit 1",
            {"ids": sorted(set(unsynced))},
        ).fetchone()
        return (row[0], row[1]) if row else None

    def existing_matches(self) -> set[str]:
        return {r[0] for r in self.con.execute("select match_id from match_stats").fetchall()}

    def count(self, table: str, match_id: str | None = None) -> int:
        sql = f"select count(*) from {quote_ident(table)}"
        params: list[str] = []
        if match_id is not None:
            sql += " where match_id = ?"
            params.append(match_id)
        row = self.con.execute(sql, params).fetchone()
        return int(row[0]) if row else 0


def write_player_rows(
    data_dir, store: PlayerStore, player_xuid: str, match_ids: Iterable[str]
) -> dict[str, int]:
    """Write the player's rows of these matches from the warehouse (one transaction); the
    rows written per table."""
    ids = sorted(set(match_ids))
    if not ids:
        return {}
    con = store.con
    catalog = con.execute("select current_database()").fetchone()[0]
    attach_warehouse(con, data_dir.warehouse)
    tables = list(PERSONAL_TABLES) + ([] if store.is_cleaned else list(MOVED_TABLES))
    written: dict[str, int] = {}
    try:
        con.execute("begin transaction")
        try:
            for table in tables:
                written[table] = _write_table(con, catalog, table, player_xuid, ids)
            newest = con.execute(
                f"select match_id from {WAREHOUSE_CATALOG}.main.match_registry "
                "where match_id = any(?::varchar[]) order by start_time desc, match_id desc "
                "limit 1",
                [ids],
            ).fetchone()
            store.set_meta("last_synced_match_id", newest[0] if newest else ids[-1])
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    except duckdb.Error as exc:
        raise UserError(
            f"Writing {len(ids)} match(es) into {store.path} failed and was rolled back "
            f"(nothing of them was kept): {exc}"
        ) from exc
    finally:
        con.execute(f"detach {WAREHOUSE_CATALOG}")
    return written


def _write_table(
    con: duckdb.DuckDBPyConnection, catalog: str, table: str, player_xuid: str, ids: list[str]
) -> int:
    view = f"{WAREHOUSE_CATALOG}.main.{quote_ident('v4_' + table)}"
    target = f"{quote_ident(catalog)}.main.{quote_ident(table)}"
    offered = {name for name, _ in table_columns(con, "v4_" + table, WAREHOUSE_CATALOG)}
    types = dict(table_columns(con, table, catalog))
    mine = list(types)
    if table == "highlight_events" and _has_default(con, catalog, table, EVENT_ID):
        mine = [c for c in mine if c != EVENT_ID]  # the DB's own sequence numbers them
    columns = [c for c in mine if c in offered]
    names = ", ".join(quote_ident(c) for c in columns)
    params: dict[str, object] = {"player": player_xuid, "ids": ids}
    selected = names
    if table == "highlight_events" and EVENT_TYPE in columns:
        # the DB's own spelling of each event type ('Kill' in older DBs), as its compatibility
        # view would give it: a DB never holds one type in two spellings
        spellings = _event_type_spellings(con, target)
        if spellings:
            params |= {"lower": list(spellings), "spelled": list(spellings.values())}
            spelled = (
                "coalesce(list_extract($spelled::varchar[], "
                f"list_position($lower::varchar[], {EVENT_TYPE})), {EVENT_TYPE})"
            )
            selected = ", ".join(
                f"{spelled} as {EVENT_TYPE}" if c == EVENT_TYPE else quote_ident(c) for c in columns
            )
    if table == "xuid_aliases":
        # the aliases of everyone in these matches' rosters: the warehouse's latest gamertag
        rows = (
            f"select {names} from {view} where xuid in (select roster.xuid from "
            f"{WAREHOUSE_CATALOG}.main.v4_match_participants as roster "
            "where roster.player_xuid = $player and roster.match_id = any($ids::varchar[]))"
        )
        con.execute(
            f"delete from {target} where xuid in (select xuid from ({rows}))",
            {"player": player_xuid, "ids": ids},
        )
    else:
        rows = (
            f"select {selected} from {view} "
            "where player_xuid = $player and match_id = any($ids::varchar[])"
        )
        if table == "highlight_events":
            rows += " order by id"
        elif table == "medals_earned" and types.get(MEDAL_ID) in NARROW_MEDAL_IDS:
            # older DBs keep medal ids as INTEGER, and some ids exceed it: those medals cannot
            # be stored there (the warehouse's match_medals keeps them)
            rows += f" and try_cast({MEDAL_ID} as {types[MEDAL_ID]}) is not null"
        con.execute(f"delete from {target} where match_id = any($ids::varchar[])", {"ids": ids})
    con.execute(f"insert into {target} ({names}) {rows}", params)
    found = con.execute(f"select count(*) from ({rows})", params)
    return int(found.fetchone()[0])


def _event_type_spellings(con: duckdb.DuckDBPyConnection, target: str) -> dict[str, str]:
    """lower case -> the spelling the DB's events use, for the types it spells otherwise; a
    type the DB has not seen yet takes the DB's capitalisation when it capitalises them all."""
    rows = con.execute(
        f"select distinct lower({EVENT_TYPE}), {EVENT_TYPE} from {target} "
        f"where {EVENT_TYPE} is not null"
    ).fetchall()
    if not rows:
        return {}
    spellings = {lower: spelled for lower, spelled in rows if lower != spelled}
    if spellings and all(spelled == lower.capitalize() for lower, spelled in rows):
        for lower in KNOWN_EVENT_TYPES:
            spellings.setdefault(lower, lower.capitalize())
    return spellings


def _has_default(con: duckdb.DuckDBPyConnection, catalog: str, table: str, column: str) -> bool:
    row = con.execute(
        "select column_default from information_schema.columns where table_catalog = ? "
        "and table_schema = 'main' and table_name = ? and column_name = ?",
        [catalog, table, column],
    ).fetchone()
    return bool(row and row[0])
