"""Build every row of a demo set once, set-based, in a staging DuckDB connection.

The plan (small Python column lists) is loaded into ``g_*`` tables; kills, highlight
events, participant stats, team scores and each copy's owner rows are derived from it with
SQL. Randomness comes from ``rnd(a, b, salt)``, a hash of the seed and the row's keys, so
the result depends on the seed only (not on threads or row order).
"""

from __future__ import annotations

import duckdb

from shared_matches.demo import pools
from shared_matches.demo.plan import Columns, DemoPlan

INPUT_TABLES: dict[str, list[tuple[str, str]]] = {
    "g_player": [
        ("player", "varchar"),
        ("xuid", "varchar"),
        ("incomplete", "boolean"),
    ],
    "g_match": [
        ("match_idx", "integer"),
        ("match_id", "varchar"),
        ("start_time", "timestamp"),
        ("end_time", "timestamp"),
        ("duration_ms", "integer"),
        ("fmt", "varchar"),
        ("n_players", "integer"),
        ("team_size", "integer"),
        ("playlist_id", "varchar"),
        ("playlist_name", "varchar"),
        ("map_id", "varchar"),
        ("map_name", "varchar"),
        ("pair_id", "varchar"),
        ("pair_name", "varchar"),
        ("game_variant_id", "varchar"),
        ("game_variant_name", "varchar"),
        ("mode_kind", "varchar"),
        ("mode_category", "varchar"),
        ("is_ranked", "boolean"),
        ("n_kills", "integer"),
        ("n_medals", "integer"),
        ("n_modes", "integer"),
        ("n_repeats", "integer"),
        ("team0_edge", "double"),
        ("team0_mmr", "double"),
        ("team1_mmr", "double"),
    ],
    "g_part": [
        ("match_idx", "integer"),
        ("slot", "integer"),
        ("xuid", "varchar"),
        ("team_id", "integer"),
        ("left_early", "boolean"),
        ("gamertag", "varchar"),
    ],
    "g_copy": [
        ("player", "varchar"),
        ("match_idx", "integer"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
        ("no_events", "boolean"),
        ("null_stats", "boolean"),
    ],
    "g_alias_override": [
        ("player", "varchar"),
        ("xuid", "varchar"),
        ("gamertag", "varchar"),
        ("last_seen", "timestamp"),
        ("source", "varchar"),
    ],
}

# One row per kill: the killer's team wins the draw with the match's edge, low slots of a
# team kill more (seats are shuffled, so skill is spread at random), the victim is on
# another team, and the victim's death comes 0..5 ms after the kill.
KILL_SQL = """
create or replace table g_kill as
with kill_draws as (
    select
        match_idx,
        unnest(range(n_kills)) as k,
        n_players,
        team_size,
        duration_ms,
        team0_edge,
    from g_match
),
kill_slots as (
    select
        match_idx,
        k,
        case when rnd(match_idx, k, 1) < team0_edge then 0 else 1 end as killer_team,
        case
            when team_size = 0 then floor(n_players * pow(rnd(match_idx, k, 2), 1.5))::int
            else killer_team * team_size + floor(team_size * pow(rnd(match_idx, k, 2), 1.5))::int
        end as killer_slot,
        case
            when team_size = 0
                then (killer_slot + 1 + floor((n_players - 1) * rnd(match_idx, k, 3))::int)
                    % n_players
            else (1 - killer_team) * team_size
                + floor(team_size * pow(rnd(match_idx, k, 3), 1.2))::int
        end as victim_slot,
        floor(duration_ms * (0.02 + 0.97 * rnd(match_idx, k, 4)))::int as kill_ms,
        kill_ms + case
            when rnd(match_idx, k, 5) < 0.7 then 0
            else 1 + floor(5 * rnd(match_idx, k, 6))::int
        end as death_ms,
    from kill_draws
)
select match_idx, k, killer_slot, victim_slot, kill_ms, death_ms,
from kill_slots
"""

# Film rows (event type, type hint, medal value as spnkr reads them): kill 50/0, death 20/1,
# medal = its sorting weight / its value, mode 10/2. Medals go to the killer of a kill.
EVENT_SQL = """
create or replace table g_event as
with kill_rows as (
    select
        match_idx, kill_ms as time_ms, killer_slot as slot, 'kill' as event_type,
        50 as type_hint, false as is_medal, 0 as medal_value, null::varchar as medal_name,
        10 * k as ord, 0 as sub,
    from g_kill
),
death_rows as (
    select
        match_idx, death_ms as time_ms, victim_slot as slot, 'death' as event_type,
        20 as type_hint, false as is_medal, 1 as medal_value, null::varchar as medal_name,
        10 * k + 1 as ord, 0 as sub,
    from g_kill
),
medal_draws as (
    select match_idx, unnest(range(n_medals)) as j, n_medals, n_kills, n_repeats,
    from g_match
),
medal_rows as (
    select
        medal_draws.match_idx,
        greatest(g_kill.kill_ms - (rnd(medal_draws.match_idx, j, 12) < 0.3)::int, 0) as time_ms,
        g_kill.killer_slot as slot,
        'medal' as event_type,
        g_medal_pick.type_hint,
        true as is_medal,
        g_medal_pick.medal_value,
        g_medal_pick.medal_name,
        10 * g_kill.k + 2 as ord,
        j as sub,
        j < n_repeats as is_repeated,
    from medal_draws
    inner join g_kill
        on g_kill.match_idx = medal_draws.match_idx
        and g_kill.k = case
            -- one medal per kill while there are enough kills (no double Double Kill)
            when n_medals <= n_kills
                then floor((j + rnd(medal_draws.match_idx, j, 11)) * n_kills / n_medals)::int
            else floor(n_kills * rnd(medal_draws.match_idx, j, 11))::int
        end
    inner join g_medal_pick
        on g_medal_pick.pick = floor({medal_weight} * rnd(medal_draws.match_idx, j, 13))::int
),
mode_draws as (
    select match_idx, unnest(range(n_modes)) as j, n_players, duration_ms,
    from g_match
),
mode_rows as (
    select
        match_idx,
        floor(duration_ms * (0.03 + 0.96 * rnd(match_idx, j, 14)))::int as time_ms,
        floor(n_players * rnd(match_idx, j, 15))::int as slot,
        'mode' as event_type, 10 as type_hint, false as is_medal, 2 as medal_value,
        null::varchar as medal_name, 10 * 100000 + j as ord, j as sub,
    from mode_draws
),
all_rows as (
    select * from kill_rows
    union all
    select * from death_rows
    union all
    select * exclude (is_repeated) from medal_rows
    union all
    select * exclude (is_repeated) from medal_rows where is_repeated
    union all
    select * from mode_rows
),
named_rows as (
    select all_rows.*, g_part.xuid, g_part.gamertag,
    from all_rows
    inner join g_part on g_part.match_idx = all_rows.match_idx and g_part.slot = all_rows.slot
)
select
    match_idx,
    row_number() over (partition by match_idx order by time_ms, ord, sub) as ev_no,
    event_type,
    time_ms,
    xuid,
    gamertag,
    type_hint,
    json_object(
        'xuid', xuid::bigint,
        'gamertag', gamertag,
        'type_hint', type_hint,
        'is_medal', is_medal,
        'event_type', event_type,
        'time_ms', time_ms,
        'medal_value', medal_value,
        'medal_name', medal_name
    )::varchar as raw_json,
    medal_name,
from named_rows
"""

PARTICIPANT_SQL = """
create or replace table g_part_stats as
with kill_counts as (
    select match_idx, killer_slot as slot, count(*)::int as kills,
    from g_kill
    group by all
),
death_counts as (
    select match_idx, victim_slot as slot, count(*)::int as deaths,
    from g_kill
    group by all
),
tallied as (
    select
        g_part.*,
        g_match.team_size,
        g_match.mode_kind,
        g_match.duration_ms / 1000.0 as duration_s,
        coalesce(kill_counts.kills, 0) as kills,
        coalesce(death_counts.deaths, 0) as deaths,
        sum(coalesce(kill_counts.kills, 0)) over (partition by g_part.match_idx) as match_kills,
        sum(coalesce(kill_counts.kills, 0)) over (
            partition by g_part.match_idx, g_part.team_id
        ) as team_kills,
    from g_part
    inner join g_match on g_part.match_idx = g_match.match_idx
    left join kill_counts
        on g_part.match_idx = kill_counts.match_idx and g_part.slot = kill_counts.slot
    left join death_counts
        on g_part.match_idx = death_counts.match_idx and g_part.slot = death_counts.slot
),
scored as (
    select
        *,
        case
            when team_size = 0 then floor(kills * 0.3 * rnd(match_idx, slot, 21))::int
            else floor((team_kills - kills) * (0.12 + 0.3 * rnd(match_idx, slot, 21)))::int
        end as assists,
        case mode_kind
            when 'slayer' then kills
            when 'oddball' then floor(90 * pow(rnd(match_idx, slot, 22), 1.5))::int
            when 'zones' then floor(70 * rnd(match_idx, slot, 22))::int
            else floor(3 * pow(rnd(match_idx, slot, 22), 3))::int
        end as score,
        case when left_early then 0.3 + 0.6 * rnd(match_idx, slot, 20) else 1.0 end
            as played_share,
        floor(duration_s * played_share * (0.3 + 0.5 * rnd(match_idx, slot, 23)))::int
            as shots_fired,
        floor(shots_fired * (0.35 + 0.25 * rnd(match_idx, slot, 24)))::int as shots_hit,
        round(kills * (150 + 70 * rnd(match_idx, slot, 25)) + assists * 45
            + 300 * rnd(match_idx, slot, 26)) as damage_dealt,
        round(deaths * (160 + 60 * rnd(match_idx, slot, 27))
            + 300 * rnd(match_idx, slot, 28)) as damage_taken,
        round(duration_s * played_share, 3) as time_played_seconds,
        round(time_played_seconds / (deaths + 1), 2) as avg_life_seconds,
        floor(kills * (0.3 + 0.5 * rnd(match_idx, slot, 29)))::int as headshot_kills,
        least(kills, 1 + floor(kills * 0.35 * rnd(match_idx, slot, 30))::int) as max_killing_spree,
        floor(kills * 0.12 * rnd(match_idx, slot, 31))::int as grenade_kills,
        floor(kills * 0.15 * rnd(match_idx, slot, 32))::int as melee_kills,
        floor(kills * 0.2 * rnd(match_idx, slot, 33))::int as power_weapon_kills,
        round(match_kills / (case when team_size = 0 then 8 else 2 * team_size end)
            * (0.75 + 0.5 * rnd(match_idx, slot, 34)), 2) as kills_expected,
        round(2.5 + 3 * rnd(match_idx, slot, 35), 2) as kills_stddev,
        round(kills_expected * (0.85 + 0.3 * rnd(match_idx, slot, 36)), 2) as deaths_expected,
        round(2.5 + 3 * rnd(match_idx, slot, 37), 2) as deaths_stddev,
        round(kills_expected * (0.4 + 0.5 * rnd(match_idx, slot, 38)), 2) as assists_expected,
        round(1.5 + 2 * rnd(match_idx, slot, 39), 2) as assists_stddev,
    from tallied
),
team_totals as (
    select match_idx, team_id, sum(score)::int as team_score,
    from scored
    group by all
),
team_rivals as (
    select
        own_team.match_idx,
        own_team.team_id,
        own_team.team_score,
        max(rival.team_score) as enemy_team_score,
    from team_totals as own_team
    left join team_totals as rival
        on own_team.match_idx = rival.match_idx and own_team.team_id <> rival.team_id
    group by all
),
ranked as (
    select
        scored.*,
        team_rivals.team_score,
        coalesce(team_rivals.enemy_team_score, 0) as enemy_team_score,
        kills * 100 + assists * 50 + case mode_kind
            when 'slayer' then 0
            when 'oddball' then 3 * score
            when 'zones' then 5 * score
            else 300 * score
        end as personal_score,
        row_number() over (
            partition by scored.match_idx order by personal_score desc, scored.slot
        ) as rank,
    from scored
    inner join team_rivals
        on scored.match_idx = team_rivals.match_idx and scored.team_id = team_rivals.team_id
)
select
    *,
    case
        when left_early then 4
        when team_score > enemy_team_score then 2
        when team_score = enemy_team_score then 1
        else 3
    end as outcome,
from ranked
"""

SESSION_SQL = """
create or replace table g_copy_session as
with copy_times as (
    select
        g_copy.player,
        g_copy.match_idx,
        g_match.start_time,
        lag(g_match.end_time) over (
            partition by g_copy.player order by g_match.start_time, g_copy.match_idx
        ) as previous_end,
    from g_copy
    inner join g_match on g_copy.match_idx = g_match.match_idx
),
numbered as (
    select
        *,
        sum(case
            when previous_end is null or start_time - previous_end > interval 1 hour then 1
            else 0
        end) over (
            partition by player order by start_time, match_idx rows unbounded preceding
        ) as session_no,
    from copy_times
),
session_starts as (
    select
        *,
        min(start_time) over (partition by player, session_no) as session_start,
    from numbered
)
select
    player,
    match_idx,
    strftime(session_start, '%Y%m%d-%H%M') as session_id,
    strftime(session_start, '%d/%m/%Y %H:%M') as session_label,
from session_starts
"""

TEAMMATE_SQL = """
create or replace table g_copy_mates as
with owner_rows as (
    select g_copy.player, g_copy.match_idx, g_player.xuid, own.team_id,
    from g_copy
    inner join g_player on g_copy.player = g_player.player
    inner join g_part as own
        on g_copy.match_idx = own.match_idx and g_player.xuid = own.xuid
),
mate_rows as (
    select
        owner_rows.player,
        owner_rows.match_idx,
        mate.xuid,
        mate.xuid in (select xuid from g_player) as is_friend,
    from owner_rows
    inner join g_part as mate
        on owner_rows.match_idx = mate.match_idx
        and owner_rows.team_id = mate.team_id
        and owner_rows.xuid <> mate.xuid
)
select
    player,
    match_idx,
    md5(string_agg(xuid, ',' order by xuid)) as teammates_signature,
    count(*) filter (where is_friend)::int as known_teammates_count,
    string_agg(xuid, ',' order by xuid) filter (where is_friend) as friends_xuids,
from mate_rows
group by all
"""


def create_rnd_macro(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    """rnd(a, b, salt): a uniform draw in [0, 1) fixed by the seed and the keys."""
    salt = int(seed) % (2**62)
    con.execute(
        "create or replace macro rnd(a, b, c) as "
        f"hash(xor(hash(hash({salt}::ubigint, a), b), c::ubigint)) / 18446744073709551616.0"
    )


def load_table(
    con: duckdb.DuckDBPyConnection, name: str, schema: list[tuple[str, str]], data: Columns
) -> None:
    """Create a table from column lists in one statement (list parameters, unnested)."""
    cols = ", ".join(f"{col} {typ}" for col, typ in schema)
    con.execute(f"create or replace table {name} ({cols})")
    if not data or not data.get(schema[0][0]):
        return
    selects = ", ".join(f"unnest(${col}::{typ}[])" for col, typ in schema)
    con.execute(f"insert into {name} select {selects}", {col: data[col] for col, _ in schema})


def load_medal_pool(con: duckdb.DuckDBPyConnection) -> int:
    """g_medal_pick (one row per weight unit) and g_medal (name -> catalogue id)."""
    picks: Columns = {"pick": [], "type_hint": [], "medal_value": [], "medal_name": []}
    catalogue: Columns = {"medal_name": [], "name_id": []}
    for type_hint, value, name, name_id, weight in pools.MEDALS:
        catalogue["medal_name"].append(name)
        catalogue["name_id"].append(name_id)
        for _ in range(weight):
            picks["pick"].append(len(picks["pick"]))
            picks["type_hint"].append(type_hint)
            picks["medal_value"].append(value)
            picks["medal_name"].append(name)
    load_table(
        con,
        "g_medal_pick",
        [
            ("pick", "integer"),
            ("type_hint", "integer"),
            ("medal_value", "integer"),
            ("medal_name", "varchar"),
        ],
        picks,
    )
    load_table(con, "g_medal", [("medal_name", "varchar"), ("name_id", "bigint")], catalogue)
    return len(picks["pick"])


def load_plan(con: duckdb.DuckDBPyConnection, plan: DemoPlan) -> None:
    players: Columns = {
        "player": [p.gamertag for p in plan.players],
        "xuid": [p.xuid for p in plan.players],
        "incomplete": [p.incomplete for p in plan.players],
    }
    data = {
        "g_player": players,
        "g_match": plan.matches,
        "g_part": plan.participants,
        "g_copy": plan.copies,
        "g_alias_override": plan.alias_overrides,
    }
    for name, schema in INPUT_TABLES.items():
        load_table(con, name, schema, data[name])


def build_matches(con: duckdb.DuckDBPyConnection, plan: DemoPlan) -> None:
    """Kills, highlight events and participant stats of every unique match."""
    create_rnd_macro(con, plan.seed)
    weight = load_medal_pool(con)
    load_plan(con, plan)
    con.execute(KILL_SQL)
    con.execute(EVENT_SQL.format(medal_weight=weight))
    con.execute(
        "create or replace table g_event_count as "
        "select match_idx, count(*) as n_events from g_event group by match_idx"
    )
    con.execute(PARTICIPANT_SQL)


def build_copies(con: duckdb.DuckDBPyConnection) -> None:
    """Per-copy personal data: sessions and tracked teammates."""
    con.execute(SESSION_SQL)
    con.execute(TEAMMATE_SQL)
