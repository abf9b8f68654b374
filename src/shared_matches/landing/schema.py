"""The landing DB's tables: the responses as received, and the decoded film events.

The landing is append-only: nothing is updated or deleted, so a response landed twice is two
rows (the staging models keep the latest where one per match is wanted). It keeps no index
beyond the primary key.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from shared_matches.paths import DataDir

LANDING_DIR = "landing"
LANDING_FILE = "halo_api.duckdb"

KINDS = (
    "match_history",
    "match_stats",
    "match_skill",
    "film_manifest",
    "film_chunk",
    "user",
    "asset_playlist",
    "asset_map",
    "asset_map_mode_pair",
    "asset_game_variant",
)
# Responses about one match: they are landed together, in one transaction per match.
MATCH_KINDS = ("match_stats", "match_skill", "film_manifest", "film_chunk")

SCHEMA_SQL = (
    "create sequence if not exists response_id_seq",
    """
    create table if not exists responses (
        response_id bigint primary key default nextval('response_id_seq'),
        kind varchar not null,
        match_id varchar,
        player_xuid varchar,
        request varchar,
        http_status smallint not null,
        fetched_at timestamp not null,
        fetched_by varchar not null,
        payload json,
        body blob,
        film_version integer
    )
    """,
    """
    create table if not exists film_events (
        response_id bigint not null,
        match_id varchar not null,
        event_no integer not null,
        event_type varchar not null,
        time_ms integer not null,
        xuid varchar,
        gamertag varchar,
        type_hint integer,
        is_medal boolean,
        medal_value integer,
        medal_name varchar,
        decoder varchar not null
    )
    """,
    """
    create table if not exists film_decodes (
        response_id bigint not null,
        match_id varchar not null,
        decoder varchar not null,
        event_count integer,
        error varchar,
        decoded_at timestamp not null
    )
    """,
)

# The columns each table must have, in order (an existing file is checked against them).
TABLE_COLUMNS = {
    "responses": (
        "response_id",
        "kind",
        "match_id",
        "player_xuid",
        "request",
        "http_status",
        "fetched_at",
        "fetched_by",
        "payload",
        "body",
        "film_version",
    ),
    "film_events": (
        "response_id",
        "match_id",
        "event_no",
        "event_type",
        "time_ms",
        "xuid",
        "gamertag",
        "type_hint",
        "is_medal",
        "medal_value",
        "medal_name",
        "decoder",
    ),
    "film_decodes": (
        "response_id",
        "match_id",
        "decoder",
        "event_count",
        "error",
        "decoded_at",
    ),
}


def landing_path(data_dir: DataDir) -> Path:
    """``$HALO_DATA_DIR/landing/halo_api.duckdb``."""
    return data_dir.root / LANDING_DIR / LANDING_FILE


def create_landing_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the landing tables when missing (idempotent)."""
    for statement in SCHEMA_SQL:
        con.execute(statement)


def schema_problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    """How the open DB's tables differ from the landing layout (empty when they agree)."""
    rows = con.execute(
        "select table_name, list(column_name order by column_index) from duckdb_columns() "
        "where database_name = current_database() and schema_name = 'main' "
        "and table_name = any(?::varchar[]) group by table_name",
        [list(TABLE_COLUMNS)],
    ).fetchall()
    found = {name: tuple(columns) for name, columns in rows}
    return [
        f"table {table} has columns ({', '.join(found[table])})"
        for table, columns in TABLE_COLUMNS.items()
        if table in found and found[table] != columns
    ]
