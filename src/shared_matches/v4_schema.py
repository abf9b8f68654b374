"""DDL of the v4 player database (the input of the warehouse).

The tables the warehouse reads have one owner: the `player_db` dbt source
(models/staging/player_db/_player_db__sources.yml: every column with its data_type; `meta`
for the rest). This module builds their DDL from it, so that the demo-data generator, a sync
and the tests write the layout staging reads. Only the personal tables the warehouse never
reads (teammates_aggregate, sessions) are declared here. ``legacy=True`` gives the older
layout: no newer (optional) columns, INTEGER medal ids (event types are then written
capitalised by the writers).
"""

from __future__ import annotations

from functools import cache

import duckdb

from shared_matches.project import player_db_source, player_db_tables

TEAMMATES_AGGREGATE: list[tuple[str, str]] = [
    ("teammate_xuid", "VARCHAR PRIMARY KEY"),
    ("teammate_gamertag", "VARCHAR"),
    ("matches_together", "INTEGER"),
    ("wins_together", "INTEGER"),
    ("updated_at", "TIMESTAMP"),
]
SESSIONS: list[tuple[str, str]] = [
    ("session_id", "VARCHAR PRIMARY KEY"),
    ("session_label", "VARCHAR"),
    ("start_time", "TIMESTAMP"),
    ("end_time", "TIMESTAMP"),
    ("match_count", "INTEGER"),
]
_PERSONAL_TABLES = {"teammates_aggregate": TEAMMATES_AGGREGATE, "sessions": SESSIONS}

# The tables the warehouse reads (the player_db source), and the columns every variant must have.
REQUIRED_TABLES: tuple[str, ...] = player_db_tables()
ALL_TABLES = REQUIRED_TABLES + tuple(_PERSONAL_TABLES)


@cache
def _source_tables() -> dict[str, dict]:
    return {table["name"]: table for table in player_db_source()["tables"]}


def _meta(node: dict) -> dict:
    return node.get("meta") or {}


def _primary_key(table: str) -> list[str]:
    """The key columns of a table the warehouse reads (meta primary_key of its source table)."""
    return list(_meta(_source_tables()[table]).get("primary_key") or [])


def _in_layout(column: dict, legacy: bool) -> bool:
    meta = _meta(column)
    return not legacy or not meta.get("optional") or bool(meta.get("in_legacy_layout"))


def _column_type(column: dict, legacy: bool, key: list[str]) -> str:
    meta = _meta(column)
    data_type = meta.get("legacy_type", column["data_type"]) if legacy else column["data_type"]
    parts = [data_type.upper()]
    if key == [column["name"]]:
        parts.append("PRIMARY KEY")
    if meta.get("sequence"):
        parts.append(f"DEFAULT nextval('{meta['sequence']}')")
    return " ".join(parts)


def table_columns(table: str, legacy: bool = False) -> list[tuple[str, str]]:
    """Column definitions of one v4 table (``legacy`` drops the newer columns)."""
    if table in _PERSONAL_TABLES:
        return list(_PERSONAL_TABLES[table])
    key = _primary_key(table)
    return [
        (column["name"], _column_type(column, legacy, key))
        for column in _source_tables()[table]["columns"]
        if _in_layout(column, legacy)
    ]


def _sequences() -> list[str]:
    """The sequences that give a column of a source table its default (meta sequence)."""
    return [
        _meta(column)["sequence"]
        for table in _source_tables().values()
        for column in table["columns"]
        if _meta(column).get("sequence")
    ]


def create_v4_schema(con: duckdb.DuckDBPyConnection, legacy: bool = False) -> None:
    """Create every v4 table (if missing) in the connection's current database."""
    for sequence in _sequences():
        con.execute(f"create sequence if not exists {sequence} start 1")
    for table in ALL_TABLES:
        cols = [f"{name} {typ}" for name, typ in table_columns(table, legacy)]
        key = [] if table in _PERSONAL_TABLES else _primary_key(table)
        if len(key) > 1:
            cols.append(f"primary key ({', '.join(key)})")
        con.execute(f"create table if not exists {table} ({', '.join(cols)})")


def column_names(table: str, legacy: bool = False) -> list[str]:
    return [name for name, _ in table_columns(table, legacy)]
