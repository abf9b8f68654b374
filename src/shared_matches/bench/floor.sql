-- The floor of the migration benchmark: the five shared tables of the warehouse computed in
-- one pass over every player DB by plain DuckDB SQL, with the merge rules of the dbt models
-- (models/intermediate, models/shared), written into the current database (a separate file).
--
-- Before this script the runner (shared_matches/bench/floor.py) attaches every player DB
-- read-only under an explicit alias (player_0, player_1, ...) and creates:
--   bench_players(player_order, player_folder)  the players, in migration order;
--   src_<table>(player_folder, <v4 columns>)     for match_stats, player_match_stats,
--       match_participants, highlight_events, xuid_aliases, sync_meta: the union of that
--       table over the players, every v4 column cast to its type (typed NULL where an
--       older DB lacks it), like the staging models.

-- Owner of each player DB: xuid from sync_meta, else the most frequent player_match_stats xuid.
create temp table owners as
with meta_values as (
    select
        player_folder,
        max(value) filter (where key = 'xuid') as meta_xuid,
        max(value) filter (where key = 'gamertag') as meta_gamertag,
    from src_sync_meta
    group by player_folder
),

stats_xuids as (
    select
        player_folder,
        mode(xuid) as stats_xuid,
    from src_player_match_stats
    where xuid is not null
    group by player_folder
),

resolved as (
    select
        bench_players.player_folder,
        coalesce(meta_values.meta_xuid, stats_xuids.stats_xuid) as owner_xuid,
        coalesce(meta_values.meta_gamertag, bench_players.player_folder) as owner_gamertag,
    from bench_players
    left join meta_values on bench_players.player_folder = meta_values.player_folder
    left join stats_xuids on bench_players.player_folder = stats_xuids.player_folder
)

select
    player_folder,
    coalesce(owner_xuid, error('player DB ' || player_folder || ' has no owner xuid')) as owner_xuid,
    owner_gamertag,
from resolved;

-- match_players: one row per copy (match, tracked player), that copy's match-level facts.
create table match_players as
with copies as (
    select
        src_match_stats.match_id,
        owners.owner_xuid as player_xuid,
        owners.owner_gamertag as player_gamertag,
        src_match_stats.created_at as first_synced_at,
        src_match_stats.updated_at as copy_updated_at,
        src_match_stats.team_id,
        src_match_stats.start_time,
        src_match_stats.end_time,
        src_match_stats.playlist_id,
        src_match_stats.playlist_name,
        src_match_stats.map_id,
        src_match_stats.map_name,
        src_match_stats.pair_id,
        src_match_stats.pair_name,
        src_match_stats.game_variant_id,
        src_match_stats.game_variant_name,
        src_match_stats.mode_category,
        src_match_stats.is_ranked,
        src_match_stats.is_firefight,
        src_match_stats.my_team_score,
        src_match_stats.enemy_team_score,
        src_match_stats.backfill_completed,
    from src_match_stats
    inner join owners on src_match_stats.player_folder = owners.player_folder
)

select * from copies
qualify row_number() over (
    partition by match_id, player_xuid order by copy_updated_at desc nulls last
) = 1;

-- match_participants: the owner-only columns filled on the owner's own row, then per column a
-- non-NULL value wins: owner's row first, then the most recently updated copy, then its xuid.
create table match_participants as
with flagged as (
    select
        src_match_participants.*,
        owners.owner_xuid,
        src_match_participants.xuid = owners.owner_xuid as is_owner_row,
    from src_match_participants
    inner join owners on src_match_participants.player_folder = owners.player_folder
),

enriched as (
    select
        flagged.match_id,
        flagged.xuid,
        coalesce(flagged.team_id, own_stats.team_id) as team_id,
        coalesce(flagged.outcome, own_stats.outcome) as outcome,
        flagged.gamertag,
        coalesce(flagged.rank, own_stats.rank) as rank,
        coalesce(flagged.score, own_stats.score) as score,
        coalesce(flagged.kills, own_stats.kills) as kills,
        coalesce(flagged.deaths, own_stats.deaths) as deaths,
        coalesce(flagged.assists, own_stats.assists) as assists,
        coalesce(flagged.shots_fired, own_stats.shots_fired) as shots_fired,
        coalesce(flagged.shots_hit, own_stats.shots_hit) as shots_hit,
        coalesce(flagged.damage_dealt, own_stats.damage_dealt) as damage_dealt,
        coalesce(flagged.damage_taken, own_stats.damage_taken) as damage_taken,
        coalesce(flagged.avg_life_seconds, own_stats.avg_life_seconds) as avg_life_seconds,
        own_stats.kda,
        own_stats.accuracy,
        own_stats.headshot_kills,
        own_stats.max_killing_spree,
        own_stats.time_played_seconds,
        coalesce(own_skill.team_mmr, own_stats.team_mmr) as team_mmr,
        coalesce(own_skill.enemy_mmr, own_stats.enemy_mmr) as enemy_mmr,
        own_skill.kills_expected,
        own_skill.kills_stddev,
        own_skill.deaths_expected,
        own_skill.deaths_stddev,
        own_skill.assists_expected,
        own_skill.assists_stddev,
        flagged.is_owner_row,
        flagged.owner_xuid as source_player_xuid,
        copy_stats.updated_at as source_updated_at,
    from flagged
    left join src_match_stats as own_stats
        on
            flagged.player_folder = own_stats.player_folder
            and flagged.match_id = own_stats.match_id
            and flagged.is_owner_row
    left join src_player_match_stats as own_skill
        on
            flagged.player_folder = own_skill.player_folder
            and flagged.match_id = own_skill.match_id
            and flagged.is_owner_row
    left join src_match_stats as copy_stats
        on
            flagged.player_folder = copy_stats.player_folder
            and flagged.match_id = copy_stats.match_id
),

prioritised as (
    select
        *,
        {
            'is_owner_row': is_owner_row,
            'source_updated_at': source_updated_at,
            'source_player_xuid': source_player_xuid
        } as priority,
    from enriched
),

merged as (
    select
        match_id,
        xuid,
        arg_max(team_id, priority) filter (where team_id is not null) as team_id,
        arg_max(outcome, priority) filter (where outcome is not null) as outcome,
        arg_max(gamertag, priority) filter (where gamertag is not null) as gamertag,
        arg_max(rank, priority) filter (where rank is not null) as rank,
        arg_max(score, priority) filter (where score is not null) as score,
        arg_max(kills, priority) filter (where kills is not null) as kills,
        arg_max(deaths, priority) filter (where deaths is not null) as deaths,
        arg_max(assists, priority) filter (where assists is not null) as assists,
        arg_max(shots_fired, priority) filter (where shots_fired is not null) as shots_fired,
        arg_max(shots_hit, priority) filter (where shots_hit is not null) as shots_hit,
        arg_max(damage_dealt, priority) filter (where damage_dealt is not null) as damage_dealt,
        arg_max(damage_taken, priority) filter (where damage_taken is not null) as damage_taken,
        arg_max(avg_life_seconds, priority)
            filter (where avg_life_seconds is not null) as avg_life_seconds,
        arg_max(kda, priority) filter (where kda is not null) as kda,
        arg_max(accuracy, priority) filter (where accuracy is not null) as accuracy,
        arg_max(headshot_kills, priority)
            filter (where headshot_kills is not null) as headshot_kills,
        arg_max(max_killing_spree, priority)
            filter (where max_killing_spree is not null) as max_killing_spree,
        arg_max(time_played_seconds, priority)
            filter (where time_played_seconds is not null) as time_played_seconds,
        arg_max(team_mmr, priority) filter (where team_mmr is not null) as team_mmr,
        arg_max(enemy_mmr, priority) filter (where enemy_mmr is not null) as enemy_mmr,
        arg_max(kills_expected, priority)
            filter (where kills_expected is not null) as kills_expected,
        arg_max(kills_stddev, priority) filter (where kills_stddev is not null) as kills_stddev,
        arg_max(deaths_expected, priority)
            filter (where deaths_expected is not null) as deaths_expected,
        arg_max(deaths_stddev, priority)
            filter (where deaths_stddev is not null) as deaths_stddev,
        arg_max(assists_expected, priority)
            filter (where assists_expected is not null) as assists_expected,
        arg_max(assists_stddev, priority)
            filter (where assists_stddev is not null) as assists_stddev,
        bool_or(is_owner_row) as is_owner_row,
        arg_max(source_player_xuid, priority) as source_player_xuid,
        arg_max(source_updated_at, priority) as source_updated_at,
    from prioritised
    group by match_id, xuid
)

select * from merged;

-- highlight_events: key = MD5 as a 128-bit integer (md5_number) of match id + lower-case
-- signature + occurrence of the signature within one copy; the union over copies keeps, per signature, the largest count of one copy.
create table highlight_events as
with normalised as (
    select
        player_folder,
        id as source_event_id,
        match_id,
        lower(event_type) as event_type,
        time_ms,
        xuid,
        gamertag,
        type_hint,
        try_cast(json_extract_string(raw_json, '$.medal_value') as integer) as medal_value,
        json_extract_string(raw_json, '$.medal_name') as medal_name,
        try_cast(json_extract_string(raw_json, '$.is_medal') as boolean) as is_medal,
        raw_json,
    from src_highlight_events
),

numbered as (
    select
        *,
        row_number() over (
            partition by player_folder, match_id, event_type, time_ms, xuid, type_hint, medal_value
            order by source_event_id
        ) as occurrence,
    from normalised
),

keyed as (
    select
        md5_number(
            match_id
            || '|' || coalesce(event_type, '<null>')
            || '|' || coalesce(cast(time_ms as varchar), '<null>')
            || '|' || coalesce(xuid, '<null>')
            || '|' || coalesce(cast(type_hint as varchar), '<null>')
            || '|' || coalesce(cast(medal_value as varchar), '<null>')
            || '|' || cast(occurrence as varchar)
        ) as event_key,
        match_id,
        event_type,
        time_ms,
        xuid,
        gamertag,
        type_hint,
        is_medal,
        medal_value,
        medal_name,
        cast(occurrence as integer) as occurrence,
        raw_json,
    from numbered
),

merged as (
    select
        event_key,
        match_id,
        event_type,
        time_ms,
        xuid,
        min(gamertag) as gamertag,
        type_hint,
        min(is_medal) as is_medal,
        medal_value,
        min(medal_name) as medal_name,
        occurrence,
        min(raw_json) as raw_json,
    from keyed
    group by event_key, match_id, event_type, time_ms, xuid, type_hint, medal_value, occurrence
)

select * from merged;

-- xuid_aliases: the alias with the latest last_seen wins (then updated_at, gamertag, source).
create table xuid_aliases as
with deduplicated_copies as (
    select
        player_folder,
        xuid,
        gamertag,
        last_seen,
        source,
        updated_at,
    from src_xuid_aliases
    where xuid is not null
    qualify row_number() over (
        partition by player_folder, xuid
        order by last_seen desc nulls last, updated_at desc nulls last, gamertag
    ) = 1
),

latest as (
    select
        xuid,
        gamertag,
        last_seen,
        source,
        updated_at,
    from deduplicated_copies
    qualify row_number() over (
        partition by xuid
        order by
            last_seen desc nulls last,
            updated_at desc nulls last,
            gamertag desc nulls last,
            source desc nulls last
    ) = 1
)

select * from latest;

-- match_registry: one row per match from every copy: non-NULL wins, then the most recently
-- updated copy; scores by team id; backfill bits ORed; player_count counted; first sync =
-- the earliest copy; loaded flags from the shared roster and events.
create table match_registry as
with scored_copies as (
    select
        *,
        case team_id when 0 then my_team_score when 1 then enemy_team_score end as team_0_score,
        case team_id when 1 then my_team_score when 0 then enemy_team_score end as team_1_score,
        {'copy_updated_at': copy_updated_at, 'player_xuid': player_xuid} as priority,
        {'first_synced_at': first_synced_at, 'player_xuid': player_xuid} as first_copy,
    from match_players
),

merged as (
    select
        match_id,
        arg_max(start_time, priority) filter (where start_time is not null) as start_time,
        arg_max(end_time, priority) filter (where end_time is not null) as end_time,
        arg_max(playlist_id, priority) filter (where playlist_id is not null) as playlist_id,
        arg_max(playlist_name, priority)
            filter (where playlist_name is not null) as playlist_name,
        arg_max(map_id, priority) filter (where map_id is not null) as map_id,
        arg_max(map_name, priority) filter (where map_name is not null) as map_name,
        arg_max(pair_id, priority) filter (where pair_id is not null) as pair_id,
        arg_max(pair_name, priority) filter (where pair_name is not null) as pair_name,
        arg_max(game_variant_id, priority)
            filter (where game_variant_id is not null) as game_variant_id,
        arg_max(game_variant_name, priority)
            filter (where game_variant_name is not null) as game_variant_name,
        arg_max(mode_category, priority)
            filter (where mode_category is not null) as mode_category,
        arg_max(is_ranked, priority) filter (where is_ranked is not null) as is_ranked,
        arg_max(is_firefight, priority) filter (where is_firefight is not null) as is_firefight,
        arg_max(team_0_score, priority) filter (where team_0_score is not null) as team_0_score,
        arg_max(team_1_score, priority) filter (where team_1_score is not null) as team_1_score,
        cast(bit_or(coalesce(backfill_completed, 0)) as integer) as backfill_completed,
        arg_min(player_gamertag, first_copy) as first_sync_by,
        arg_min(player_xuid, first_copy) as first_sync_by_xuid,
        min(first_synced_at) as first_sync_at,
        cast(count(*) as smallint) as player_count,
        min(first_synced_at) as created_at,
        max(copy_updated_at) as updated_at,
    from scored_copies
    group by match_id
),

matches_with_participants as (
    select distinct match_id from match_participants
),

matches_with_events as (
    select distinct match_id from highlight_events
),

flagged as (
    select
        merged.*,
        cast(date_diff('millisecond', merged.start_time, merged.end_time) as double)
        / 1000 as duration_seconds,
        matches_with_participants.match_id is not null as participants_loaded,
        matches_with_events.match_id is not null as events_loaded,
    from merged
    left join matches_with_participants
        on merged.match_id = matches_with_participants.match_id
    left join matches_with_events
        on merged.match_id = matches_with_events.match_id
)

select * from flagged;

-- The contracts' keys and the indexes the dbt post-hooks create.
alter table match_registry add primary key (match_id);
alter table match_players add primary key (match_id, player_xuid);
alter table match_participants add primary key (match_id, xuid);
alter table highlight_events add primary key (event_key);
alter table xuid_aliases add primary key (xuid);
create index match_registry__start_time_idx on match_registry (start_time);
create index match_registry__playlist_id_idx on match_registry (playlist_id);
create index match_registry__map_id_idx on match_registry (map_id);
create index match_registry__player_count_idx on match_registry (player_count);
create index match_participants__xuid_idx on match_participants (xuid);
create index match_participants__match_id__team_id_idx on match_participants (match_id, team_id);
create index highlight_events__match_id_idx on highlight_events (match_id);
create index highlight_events__xuid_idx on highlight_events (xuid);
checkpoint;
