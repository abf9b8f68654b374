"""Copy one player's slice of the staged demo set into that player's v4 DB.

The DB is attached to the staging connection as ``out``; every table is filled with one
``INSERT ... SELECT`` over the staged rows of that player's copies, in sync order.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from shared_matches.demo.players import PlayerSpec
from shared_matches.v4_schema import column_names

OUT = "out.main"
INT32_MAX = 2**31 - 1

MATCH_STATS_SQL = """
select
    g_match.match_id,
    g_match.start_time,
    g_match.playlist_id,
    g_match.playlist_name,
    g_match.map_id,
    g_match.map_name,
    g_match.pair_id,
    g_match.pair_name,
    g_match.game_variant_id,
    g_match.game_variant_name,
    own.outcome,
    own.team_id,
    own.kills,
    own.deaths,
    own.assists,
    round(own.kills + own.assists / 3.0 - own.deaths, 2) as kda,
    case
        when own.shots_fired > 0 then round(100.0 * own.shots_hit / own.shots_fired, 2)
    end as accuracy,
    own.headshot_kills,
    own.max_killing_spree,
    own.time_played_seconds,
    own.avg_life_seconds,
    own.team_score as my_team_score,
    own.enemy_team_score,
    case when own.team_id = 1 then g_match.team1_mmr else g_match.team0_mmr end as team_mmr,
    case when own.team_id = 1 then g_match.team0_mmr else g_match.team1_mmr end as enemy_mmr,
    g_copy_session.session_id,
    g_copy_session.session_label,
    round(least(100, greatest(0,
        50 + 12 * (own.kills - own.kills_expected) / own.kills_stddev
        - 6 * (own.deaths - own.deaths_expected) / own.deaths_stddev
    )), 1) as performance_score,
    false as is_firefight,
    g_copy_mates.teammates_signature,
    coalesce(g_copy_mates.known_teammates_count, 0) as known_teammates_count,
    coalesce(g_copy_mates.known_teammates_count, 0) > 0 as is_with_friends,
    g_copy_mates.friends_xuids,
    g_copy.created_at,
    g_copy.updated_at,
    own.rank,
    own.damage_dealt,
    own.damage_taken,
    own.shots_fired,
    own.shots_hit,
    own.grenade_kills,
    own.melee_kills,
    own.power_weapon_kills,
    own.score,
    own.personal_score,
    g_match.mode_category,
    g_match.is_ranked,
    own.left_early,
    g_match.end_time,
    1 + 4 + 512 + 16384 + case when g_copy.no_events then 0 else 2 end as backfill_completed,
from g_copy
inner join g_player on g_copy.player = g_player.player
inner join g_match on g_copy.match_idx = g_match.match_idx
inner join g_part_stats as own
    on g_copy.match_idx = own.match_idx and g_player.xuid = own.xuid
left join g_copy_session
    on g_copy.player = g_copy_session.player and g_copy.match_idx = g_copy_session.match_idx
left join g_copy_mates
    on g_copy.player = g_copy_mates.player and g_copy.match_idx = g_copy_mates.match_idx
where g_copy.player = $player
order by g_copy.created_at, g_copy.match_idx
"""

PLAYER_MATCH_STATS_SQL = """
select
    g_match.match_id,
    own.xuid,
    own.team_id,
    case when own.team_id = 1 then g_match.team1_mmr else g_match.team0_mmr end as team_mmr,
    case when own.team_id = 1 then g_match.team0_mmr else g_match.team1_mmr end as enemy_mmr,
    own.kills_expected,
    own.kills_stddev,
    own.deaths_expected,
    own.deaths_stddev,
    own.assists_expected,
    own.assists_stddev,
    g_copy.created_at,
from g_copy
inner join g_player on g_copy.player = g_player.player
inner join g_match on g_copy.match_idx = g_match.match_idx
inner join g_part_stats as own
    on g_copy.match_idx = own.match_idx and g_player.xuid = own.xuid
where g_copy.player = $player
order by g_copy.created_at, g_copy.match_idx
"""

# Incomplete copies: the roster without stats, and gamertags often missing.
PARTICIPANTS_SQL = """
select
    g_match.match_id,
    roster.xuid,
    roster.team_id,
    roster.outcome,
    case
        when g_player.incomplete and rnd(roster.match_idx, roster.slot, 41) < 0.4 then null
        else roster.gamertag
    end as gamertag,
    roster.rank,
    case when g_copy.null_stats then null else roster.score end as score,
    case when g_copy.null_stats then null else roster.kills end as kills,
    case when g_copy.null_stats then null else roster.deaths end as deaths,
    case when g_copy.null_stats then null else roster.assists end as assists,
    case when g_copy.null_stats then null else roster.shots_fired end as shots_fired,
    case when g_copy.null_stats then null else roster.shots_hit end as shots_hit,
    case when g_copy.null_stats then null else roster.damage_dealt end as damage_dealt,
    case when g_copy.null_stats then null else roster.damage_taken end as damage_taken,
    case when g_copy.null_stats then null else roster.avg_life_seconds end as avg_life_seconds,
from g_copy
inner join g_player on g_copy.player = g_player.player
inner join g_match on g_copy.match_idx = g_match.match_idx
inner join g_part_stats as roster on g_copy.match_idx = roster.match_idx
where g_copy.player = $player
order by g_copy.created_at, g_copy.match_idx, roster.slot
"""

# Ids continue the DB's own sequence, in sync order: the copy's offset plus the event's
# number inside its match (no sort of the events themselves).
EVENTS_SQL = """
with synced_copies as (
    select
        g_copy.match_idx,
        g_match.match_id,
        coalesce(sum(g_event_count.n_events) over (
            order by g_copy.created_at, g_copy.match_idx
            rows between unbounded preceding and 1 preceding
        ), 0) as id_offset,
    from g_copy
    inner join g_match on g_copy.match_idx = g_match.match_idx
    inner join g_event_count on g_copy.match_idx = g_event_count.match_idx
    where g_copy.player = $player and not g_copy.no_events
)
select
    $first_id - 1 + synced_copies.id_offset + g_event.ev_no as id,
    synced_copies.match_id,
    case
        when $legacy then upper(g_event.event_type[1]) || g_event.event_type[2:]
        else g_event.event_type
    end as event_type,
    g_event.time_ms,
    g_event.xuid,
    g_event.gamertag,
    g_event.type_hint,
    g_event.raw_json,
from synced_copies
inner join g_event on synced_copies.match_idx = g_event.match_idx
"""

MEDALS_SQL = """
select g_match.match_id, g_medal.name_id as medal_name_id, count(*)::int as count,
from g_copy
inner join g_player on g_copy.player = g_player.player
inner join g_match on g_copy.match_idx = g_match.match_idx
inner join g_event
    on g_copy.match_idx = g_event.match_idx
    and g_player.xuid = g_event.xuid
    and g_event.event_type = 'medal'
inner join g_medal on g_event.medal_name = g_medal.medal_name
where g_copy.player = $player and (not $legacy or g_medal.name_id <= $int32_max)
group by g_copy.created_at, g_copy.match_idx, g_match.match_id, g_medal.name_id
order by g_copy.created_at, g_copy.match_idx, g_medal.name_id
"""

ALIASES_SQL = """
with sightings as (
    select roster.xuid, roster.gamertag, g_match.end_time, g_copy.created_at,
    from g_copy
    inner join g_match on g_copy.match_idx = g_match.match_idx
    inner join g_part as roster on g_copy.match_idx = roster.match_idx
    where g_copy.player = $player
),
from_matches as (
    select
        xuid,
        arg_max(gamertag, end_time) as gamertag,
        max(end_time) as last_seen,
        'match' as source,
        max(created_at) as updated_at,
    from sightings
    group by xuid
),
from_lookups as (
    select xuid, gamertag, last_seen, source, last_seen as updated_at,
    from g_alias_override
    where player = $player
),
merged as (
    select * from from_lookups
    union all
    select * from from_matches
    where xuid not in (select xuid from from_lookups)
)
select * from merged
order by xuid
"""

TEAMMATES_SQL = f"""
with together as (
    select
        roster.xuid,
        stats.match_id,
        stats.outcome,
        stats.updated_at,
    from {OUT}.match_stats as stats
    inner join {OUT}.match_participants as roster
        on stats.match_id = roster.match_id
        and stats.team_id = roster.team_id
        and roster.xuid <> $xuid
)
select
    together.xuid as teammate_xuid,
    any_value(aliases.gamertag) as teammate_gamertag,
    count(*)::int as matches_together,
    count(*) filter (where together.outcome = 2)::int as wins_together,
    max(together.updated_at) as updated_at,
from together
left join {OUT}.xuid_aliases as aliases on together.xuid = aliases.xuid
group by together.xuid
order by together.xuid
"""

SESSIONS_SQL = f"""
select
    session_id,
    any_value(session_label) as session_label,
    min(start_time) as start_time,
    max(start_time + to_milliseconds((time_played_seconds * 1000)::bigint)) as end_time,
    count(*)::int as match_count,
from {OUT}.match_stats
where session_id is not null
group by session_id
order by session_id
"""


@dataclass(frozen=True)
class WrittenCounts:
    matches: int
    participants: int
    events: int
    medals: int
    aliases: int


def insert(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[str], sql: str, params: dict
) -> None:
    """Fill `table` of the ``out`` DB with the named columns of a staged query."""
    cols = ", ".join(columns)
    con.execute(f"insert into {OUT}.{table} ({cols}) select {cols} from ({sql}) as staged", params)


def allocate_event_ids(con: duckdb.DuckDBPyConnection, count: int) -> int:
    """Take `count` ids from the DB's own sequence; return the first."""
    seq = f"'{OUT}.highlight_events_id_seq'"
    first = con.execute(f"select nextval({seq})").fetchone()[0]
    if count > 1:
        con.execute(f"select max(nextval({seq})) from range({count - 1})").fetchone()
    return int(first)


def write_player(
    con: duckdb.DuckDBPyConnection, spec: PlayerSpec, append: bool = False
) -> WrittenCounts:
    """Insert the player's copies into the attached ``out`` DB (created with its layout)."""
    params = {"player": spec.gamertag}
    legacy = spec.legacy
    insert(con, "match_stats", column_names("match_stats", legacy), MATCH_STATS_SQL, params)
    insert(
        con,
        "player_match_stats",
        column_names("player_match_stats"),
        PLAYER_MATCH_STATS_SQL,
        params,
    )
    insert(
        con,
        "match_participants",
        column_names("match_participants", legacy),
        PARTICIPANTS_SQL,
        params,
    )
    n_events = con.execute(
        "select coalesce(sum(n_events), 0) from g_copy inner join g_event_count "
        "on g_copy.match_idx = g_event_count.match_idx "
        "where g_copy.player = $player and not g_copy.no_events",
        params,
    ).fetchone()[0]
    if n_events:
        first_id = allocate_event_ids(con, n_events)
        insert(
            con,
            "highlight_events",
            column_names("highlight_events"),
            EVENTS_SQL,
            {**params, "first_id": first_id, "legacy": legacy},
        )
    insert(
        con,
        "medals_earned",
        column_names("medals_earned", legacy),
        MEDALS_SQL,
        {**params, "legacy": legacy, "int32_max": INT32_MAX},
    )
    write_aliases(con, params, append)
    write_personal_tables(con, spec)
    write_sync_meta(con, spec)
    return count_rows(con)


def write_aliases(con: duckdb.DuckDBPyConnection, params: dict, append: bool) -> None:
    cols = ", ".join(column_names("xuid_aliases"))
    upsert = ""
    if append:  # a newer sighting replaces the stored alias, an older one does not
        upsert = (
            " on conflict (xuid) do update set gamertag = excluded.gamertag, "
            "last_seen = excluded.last_seen, source = excluded.source, "
            "updated_at = excluded.updated_at where excluded.last_seen > xuid_aliases.last_seen"
        )
    con.execute(
        f"insert into {OUT}.xuid_aliases ({cols}) select {cols} from ({ALIASES_SQL}) as staged"
        + upsert,
        params,
    )


def write_personal_tables(con: duckdb.DuckDBPyConnection, spec: PlayerSpec) -> None:
    """teammates_aggregate and sessions, recomputed from the DB's own rows."""
    con.execute(f"delete from {OUT}.teammates_aggregate")
    con.execute(f"insert into {OUT}.teammates_aggregate {TEAMMATES_SQL}", {"xuid": spec.xuid})
    con.execute(f"delete from {OUT}.sessions")
    con.execute(f"insert into {OUT}.sessions {SESSIONS_SQL}")


def write_sync_meta(con: duckdb.DuckDBPyConnection, spec: PlayerSpec) -> None:
    """The owner's identity (the older layout's DB never stored its xuid) and last sync."""
    last_sync = con.execute(f"select max(updated_at) from {OUT}.match_stats").fetchone()[0]
    rows = [("gamertag", spec.gamertag)]
    if not spec.legacy:
        rows.append(("xuid", spec.xuid))
    rows.append(("last_sync_at", last_sync.isoformat(timespec="milliseconds")))
    for key, value in rows:
        con.execute(
            f"insert into {OUT}.sync_meta (key, value, updated_at) values ($key, $value, $at) "
            "on conflict (key) do update set value = excluded.value, "
            "updated_at = excluded.updated_at",
            {"key": key, "value": value, "at": last_sync},
        )


def count_rows(con: duckdb.DuckDBPyConnection) -> WrittenCounts:
    """Row counts of the written DB (read back from the file)."""

    def rows(table: str) -> int:
        return int(con.execute(f"select count(*) from {OUT}.{table}").fetchone()[0])

    return WrittenCounts(
        matches=rows("match_stats"),
        participants=rows("match_participants"),
        events=rows("highlight_events"),
        medals=rows("medals_earned"),
        aliases=rows("xuid_aliases"),
    )
