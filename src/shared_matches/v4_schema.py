"""DDL of the v4 player database (the input of the warehouse).

One place describes the real column sets, so the demo-data generator, the API ingest and
the tests all write the same layout. ``legacy=True`` gives the older layout: no newer
columns, INTEGER medal ids (event types are then written capitalised by the writers).
"""

from __future__ import annotations

import duckdb

MATCH_STATS_BASE: list[tuple[str, str]] = [
    ("match_id", "VARCHAR PRIMARY KEY"),
    ("start_time", "TIMESTAMP"),
    ("playlist_id", "VARCHAR"),
    ("playlist_name", "VARCHAR"),
    ("map_id", "VARCHAR"),
    ("map_name", "VARCHAR"),
    ("pair_id", "VARCHAR"),
    ("pair_name", "VARCHAR"),
    ("game_variant_id", "VARCHAR"),
    ("game_variant_name", "VARCHAR"),
    ("outcome", "INTEGER"),
    ("team_id", "INTEGER"),
    ("kills", "INTEGER"),
    ("deaths", "INTEGER"),
    ("assists", "INTEGER"),
    ("kda", "DOUBLE"),
    ("accuracy", "DOUBLE"),
    ("headshot_kills", "INTEGER"),
    ("max_killing_spree", "INTEGER"),
    ("time_played_seconds", "DOUBLE"),
    ("avg_life_seconds", "DOUBLE"),
    ("my_team_score", "INTEGER"),
    ("enemy_team_score", "INTEGER"),
    ("team_mmr", "DOUBLE"),
    ("enemy_mmr", "DOUBLE"),
    ("session_id", "VARCHAR"),
    ("session_label", "VARCHAR"),
    ("performance_score", "DOUBLE"),
    ("is_firefight", "BOOLEAN"),
    ("teammates_signature", "VARCHAR"),
    ("known_teammates_count", "INTEGER"),
    ("is_with_friends", "BOOLEAN"),
    ("friends_xuids", "VARCHAR"),
    ("created_at", "TIMESTAMP"),
    ("updated_at", "TIMESTAMP"),
]
MATCH_STATS_NEWER: list[tuple[str, str]] = [
    ("rank", "INTEGER"),
    ("damage_dealt", "DOUBLE"),
    ("damage_taken", "DOUBLE"),
    ("shots_fired", "INTEGER"),
    ("shots_hit", "INTEGER"),
    ("grenade_kills", "INTEGER"),
    ("melee_kills", "INTEGER"),
    ("power_weapon_kills", "INTEGER"),
    ("score", "INTEGER"),
    ("personal_score", "INTEGER"),
    ("mode_category", "VARCHAR"),
    ("is_ranked", "BOOLEAN"),
    ("left_early", "BOOLEAN"),
    ("end_time", "TIMESTAMP"),
    ("backfill_completed", "INTEGER"),
]
PLAYER_MATCH_STATS: list[tuple[str, str]] = [
    ("match_id", "VARCHAR PRIMARY KEY"),
    ("xuid", "VARCHAR"),
    ("team_id", "INTEGER"),
    ("team_mmr", "DOUBLE"),
    ("enemy_mmr", "DOUBLE"),
    ("kills_expected", "DOUBLE"),
    ("kills_stddev", "DOUBLE"),
    ("deaths_expected", "DOUBLE"),
    ("deaths_stddev", "DOUBLE"),
    ("assists_expected", "DOUBLE"),
    ("assists_stddev", "DOUBLE"),
    ("created_at", "TIMESTAMP"),
]
MATCH_PARTICIPANTS_BASE: list[tuple[str, str]] = [
    ("match_id", "VARCHAR"),
    ("xuid", "VARCHAR"),
    ("team_id", "INTEGER"),
    ("outcome", "INTEGER"),
    ("gamertag", "VARCHAR"),
    ("rank", "INTEGER"),
    ("score", "INTEGER"),
    ("kills", "INTEGER"),
    ("deaths", "INTEGER"),
    ("assists", "INTEGER"),
    ("shots_fired", "INTEGER"),
    ("shots_hit", "INTEGER"),
    ("damage_dealt", "DOUBLE"),
    ("damage_taken", "DOUBLE"),
]
MATCH_PARTICIPANTS_NEWER: list[tuple[str, str]] = [("avg_life_seconds", "DOUBLE")]
HIGHLIGHT_EVENTS: list[tuple[str, str]] = [
    ("id", "BIGINT PRIMARY KEY DEFAULT nextval('highlight_events_id_seq')"),
    ("match_id", "VARCHAR"),
    ("event_type", "VARCHAR"),
    ("time_ms", "INTEGER"),
    ("xuid", "VARCHAR"),
    ("gamertag", "VARCHAR"),
    ("type_hint", "INTEGER"),
    ("raw_json", "VARCHAR"),
]
XUID_ALIASES: list[tuple[str, str]] = [
    ("xuid", "VARCHAR PRIMARY KEY"),
    ("gamertag", "VARCHAR"),
    ("last_seen", "TIMESTAMP"),
    ("source", "VARCHAR"),
    ("updated_at", "TIMESTAMP"),
]
SYNC_META: list[tuple[str, str]] = [
    ("key", "VARCHAR PRIMARY KEY"),
    ("value", "VARCHAR"),
    ("updated_at", "TIMESTAMP"),
]
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

# The tables the warehouse reads, and the columns every variant must have.
REQUIRED_TABLES = (
    "match_stats",
    "player_match_stats",
    "match_participants",
    "highlight_events",
    "medals_earned",
    "xuid_aliases",
    "sync_meta",
)


def table_columns(table: str, legacy: bool = False) -> list[tuple[str, str]]:
    """Column definitions of one v4 table (``legacy`` drops the newer columns)."""
    if table == "match_stats":
        return MATCH_STATS_BASE + ([] if legacy else MATCH_STATS_NEWER)
    if table == "match_participants":
        return MATCH_PARTICIPANTS_BASE + ([] if legacy else MATCH_PARTICIPANTS_NEWER)
    if table == "medals_earned":
        medal_type = "INTEGER" if legacy else "BIGINT"
        return [("match_id", "VARCHAR"), ("medal_name_id", medal_type), ("count", "INTEGER")]
    return {
        "player_match_stats": PLAYER_MATCH_STATS,
        "highlight_events": HIGHLIGHT_EVENTS,
        "xuid_aliases": XUID_ALIASES,
        "sync_meta": SYNC_META,
        "teammates_aggregate": TEAMMATES_AGGREGATE,
        "sessions": SESSIONS,
    }[table]


_COMPOSITE_KEYS = {
    "match_participants": "primary key (match_id, xuid)",
    "medals_earned": "primary key (match_id, medal_name_id)",
}

ALL_TABLES = REQUIRED_TABLES + ("teammates_aggregate", "sessions")


def create_v4_schema(con: duckdb.DuckDBPyConnection, legacy: bool = False) -> None:
    """Create every v4 table (if missing) in the connection's current database."""
    con.execute("create sequence if not exists highlight_events_id_seq start 1")
    for table in ALL_TABLES:
        cols = [f"{name} {typ}" for name, typ in table_columns(table, legacy)]
        if table in _COMPOSITE_KEYS:
            cols.append(_COMPOSITE_KEYS[table])
        con.execute(f"create table if not exists {table} ({', '.join(cols)})")


def column_names(table: str, legacy: bool = False) -> list[str]:
    return [name for name, _ in table_columns(table, legacy)]
