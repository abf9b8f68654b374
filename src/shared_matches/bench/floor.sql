-- The floor of the migration benchmark: the seven shared tables of the warehouse computed in
-- one pass over every player DB by plain DuckDB SQL, with the merge rules of the dbt models
-- (models/intermediate, models/shared), written into the current database (a separate file).
-- No dbt, no per-player run, no batch, no audit: the least work that gives the same rows.
--
-- Before this script the runner (shared_matches/bench/floor.py) attaches every player DB
-- read-only under an explicit alias (player_0, player_1, ...) and creates:
--   bench_players(player_order, player_folder)  the players, in migration order;
--   src_<table>(player_folder, <v4 columns>)     for match_stats, player_match_stats,
--       match_participants, medals_earned, highlight_events, xuid_aliases, sync_meta: the
--       union of that table over the players, every v4 column cast to its type (typed NULL
--       where an older DB lacks it), like the staging models.
--
-- Two player DBs of one owner are not modelled: each player DB is one owner's copy of its
-- matches (the demo sets have no such pair).

-- Owner of each player DB: xuid from sync_meta, else the one xuid of player_match_stats.
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
        min(xuid) as stats_xuid,
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

-- Each player DB's copy of a match: its latest updated match_stats row.
create temp table copies as
select *
from src_match_stats
where match_id is not null
qualify row_number() over (
    partition by player_folder, match_id order by updated_at desc nulls last
) = 1;

-- match_players: one row per copy (match, tracked player), that copy's match-level facts.
create table match_players as
select
    copies.match_id,
    owners.owner_xuid as player_xuid,
    owners.owner_gamertag as player_gamertag,
    'player_db' as source_kind,
    copies.created_at as first_synced_at,
    copies.updated_at as copy_updated_at,
    copies.team_id,
    copies.start_time,
    copies.end_time,
    cast(null as double) as duration_seconds,
    copies.playlist_id,
    copies.playlist_name,
    copies.map_id,
    copies.map_name,
    copies.pair_id,
    copies.pair_name,
    copies.game_variant_id,
    copies.game_variant_name,
    copies.mode_category,
    copies.is_ranked,
    copies.is_firefight,
    copies.backfill_completed,
    cast(null as varchar) as film_state,
from copies
inner join owners on copies.player_folder = owners.player_folder;

-- match_teams: the owner's team score, and the other team's when the copy's roster has two
-- teams; per team a non-NULL score wins, then the most recently updated copy.
create table match_teams as
with scored_copies as (
    select *
    from src_match_stats
    where match_id is not null and team_id is not null
    qualify row_number() over (
        partition by player_folder, match_id order by updated_at desc nulls last
    ) = 1
),

roster_teams as (
    select
        player_folder,
        match_id,
        min(team_id) as first_team_id,
        max(team_id) as second_team_id,
    from src_match_participants
    semi join copies using (player_folder, match_id)
    where team_id is not null
    group by player_folder, match_id
    having count(distinct team_id) = 2
),

team_rows as (
    select
        player_folder,
        match_id,
        team_id,
        my_team_score as team_score,
        updated_at as source_updated_at,
    from scored_copies
    where my_team_score is not null
    union all
    select
        scored_copies.player_folder,
        scored_copies.match_id,
        case
            when scored_copies.team_id = roster_teams.first_team_id
                then roster_teams.second_team_id
            else roster_teams.first_team_id
        end as team_id,
        scored_copies.enemy_team_score as team_score,
        scored_copies.updated_at as source_updated_at,
    from scored_copies
    inner join roster_teams using (player_folder, match_id)
    where
        scored_copies.enemy_team_score is not null
        and scored_copies.team_id in (roster_teams.first_team_id, roster_teams.second_team_id)
),

prioritised as (
    select
        team_rows.*,
        owners.owner_xuid as source_player_xuid,
        {
            'source_updated_at': team_rows.source_updated_at,
            'source_player_xuid': owners.owner_xuid
        } as priority,
    from team_rows
    inner join owners on team_rows.player_folder = owners.player_folder
)

select
    match_id,
    team_id,
    arg_max(team_score, priority) filter (where team_score is not null) as team_score,
    max(priority).source_updated_at as source_updated_at,
    max(priority).source_player_xuid as source_player_xuid,
from prioritised
group by match_id, team_id;

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
    semi join copies
        on
            src_match_participants.player_folder = copies.player_folder
            and src_match_participants.match_id = copies.match_id
    where src_match_participants.xuid is not null
),

own_skill as (
    select *
    from src_player_match_stats
    qualify row_number() over (
        partition by player_folder, match_id order by created_at desc nulls last
    ) = 1
),

enriched as (
    select
        flagged.player_folder,
        flagged.match_id,
        flagged.xuid,
        coalesce(flagged.team_id, own_stats.team_id) as team_id,
        coalesce(flagged.outcome, own_stats.outcome) as outcome,
        flagged.gamertag,
        coalesce(flagged.rank, own_stats.rank) as rank,
        coalesce(flagged.score, own_stats.score) as score,
        own_stats.personal_score,
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
        own_stats.grenade_kills,
        own_stats.melee_kills,
        own_stats.power_weapon_kills,
        own_stats.max_killing_spree,
        own_stats.time_played_seconds,
        not own_stats.left_early as is_present_at_end,
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
    left join copies as own_stats
        on
            flagged.player_folder = own_stats.player_folder
            and flagged.match_id = own_stats.match_id
            and flagged.is_owner_row
    left join own_skill
        on
            flagged.player_folder = own_skill.player_folder
            and flagged.match_id = own_skill.match_id
            and flagged.is_owner_row
    left join copies as copy_stats
        on
            flagged.player_folder = copy_stats.player_folder
            and flagged.match_id = copy_stats.match_id
    -- a roster row held twice in one copy: the same one as the dbt model takes
    qualify row_number() over (
        partition by flagged.player_folder, flagged.match_id, flagged.xuid
        order by
            flagged.is_owner_row desc,
            flagged.kills desc nulls last,
            flagged.deaths desc nulls last,
            flagged.score desc nulls last,
            flagged.team_id asc nulls last,
            flagged.gamertag asc nulls last
    ) = 1
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
)

select
    match_id,
    xuid,
    arg_max(team_id, priority) filter (where team_id is not null) as team_id,
    arg_max(outcome, priority) filter (where outcome is not null) as outcome,
    arg_max(gamertag, priority) filter (where gamertag is not null) as gamertag,
    arg_max(rank, priority) filter (where rank is not null) as rank,
    arg_max(score, priority) filter (where score is not null) as score,
    arg_max(personal_score, priority) filter (where personal_score is not null) as personal_score,
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
    arg_max(headshot_kills, priority) filter (where headshot_kills is not null) as headshot_kills,
    arg_max(grenade_kills, priority) filter (where grenade_kills is not null) as grenade_kills,
    arg_max(melee_kills, priority) filter (where melee_kills is not null) as melee_kills,
    arg_max(power_weapon_kills, priority)
        filter (where power_weapon_kills is not null) as power_weapon_kills,
    arg_max(max_killing_spree, priority)
        filter (where max_killing_spree is not null) as max_killing_spree,
    arg_max(time_played_seconds, priority)
        filter (where time_played_seconds is not null) as time_played_seconds,
    arg_max(is_present_at_end, priority)
        filter (where is_present_at_end is not null) as is_present_at_end,
    arg_max(team_mmr, priority) filter (where team_mmr is not null) as team_mmr,
    arg_max(enemy_mmr, priority) filter (where enemy_mmr is not null) as enemy_mmr,
    arg_max(kills_expected, priority) filter (where kills_expected is not null) as kills_expected,
    arg_max(kills_stddev, priority) filter (where kills_stddev is not null) as kills_stddev,
    arg_max(deaths_expected, priority)
        filter (where deaths_expected is not null) as deaths_expected,
    arg_max(deaths_stddev, priority) filter (where deaths_stddev is not null) as deaths_stddev,
    arg_max(assists_expected, priority)
        filter (where assists_expected is not null) as assists_expected,
    arg_max(assists_stddev, priority) filter (where assists_stddev is not null) as assists_stddev,
    max(priority).is_owner_row as is_owner_row,
    max(priority).source_updated_at as source_updated_at,
    max(priority).source_player_xuid as source_player_xuid,
from prioritised
group by match_id, xuid;

-- match_medals: each player DB's medals under its owner's xuid; a non-NULL count wins, then
-- the most recently updated copy.
create table match_medals as
with copy_updates as (
    select
        player_folder,
        match_id,
        max(updated_at) as updated_at,
    from src_match_stats
    group by player_folder, match_id
),

medal_rows as (
    select
        src_medals_earned.player_folder,
        src_medals_earned.match_id,
        src_medals_earned.medal_name_id,
        src_medals_earned.count as medal_count,
    from src_medals_earned
    semi join copies using (player_folder, match_id)
    where src_medals_earned.medal_name_id is not null
    qualify row_number() over (
        partition by
            src_medals_earned.player_folder,
            src_medals_earned.match_id,
            src_medals_earned.medal_name_id
        order by src_medals_earned.count desc nulls last
    ) = 1
),

prioritised as (
    select
        medal_rows.match_id,
        owners.owner_xuid as xuid,
        medal_rows.medal_name_id,
        medal_rows.medal_count,
        {
            'source_updated_at': copy_updates.updated_at,
            'source_player_xuid': owners.owner_xuid
        } as priority,
    from medal_rows
    inner join owners on medal_rows.player_folder = owners.player_folder
    left join copy_updates
        on
            medal_rows.player_folder = copy_updates.player_folder
            and medal_rows.match_id = copy_updates.match_id
)

select
    match_id,
    xuid,
    medal_name_id,
    arg_max(medal_count, priority) filter (where medal_count is not null) as medal_count,
    max(priority).source_updated_at as source_updated_at,
    max(priority).source_player_xuid as source_player_xuid,
from prioritised
group by match_id, xuid, medal_name_id;

-- highlight_events: the natural key (match, lower-case signature, occurrence of the signature
-- within one copy); the union over copies keeps, per signature, the largest count of one
-- copy. Other columns: the smallest non-NULL value. raw_json only where it differs from the
-- string rebuilt from the columns. Stored in (match_id, time_ms) order.
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
    semi join copies using (player_folder, match_id)
),

numbered as (
    select
        *,
        cast(row_number() over (
            partition by player_folder, match_id, event_type, time_ms, xuid, type_hint, medal_value
            order by source_event_id
        ) as integer) as occurrence,
    from normalised
),

merged as (
    select
        match_id,
        time_ms,
        event_type,
        xuid,
        type_hint,
        medal_value,
        occurrence,
        min(gamertag) as gamertag,
        min(is_medal) as is_medal,
        min(medal_name) as medal_name,
        min(raw_json) as copy_raw_json,
    from numbered
    group by match_id, time_ms, event_type, xuid, type_hint, medal_value, occurrence
)

select
    * exclude (copy_raw_json),
    nullif(
        copy_raw_json,
        cast(json_object(
            'xuid', try_cast(xuid as bigint),
            'gamertag', gamertag,
            'type_hint', type_hint,
            'is_medal', is_medal,
            'event_type', event_type,
            'time_ms', time_ms,
            'medal_value', medal_value,
            'medal_name', medal_name
        ) as varchar)
    ) as raw_json,
from merged
order by match_id, time_ms;

-- xuid_aliases: the alias with the latest last_seen wins (then updated_at, gamertag, source).
create table xuid_aliases as
select
    xuid,
    gamertag,
    last_seen,
    source,
    updated_at,
from src_xuid_aliases
where xuid is not null
qualify row_number() over (
    partition by xuid
    order by
        last_seen desc nulls last,
        updated_at desc nulls last,
        gamertag desc nulls last,
        source desc nulls last
) = 1;

-- match_registry: one row per match from every copy: non-NULL wins, then the most recently
-- updated copy; backfill bits ORed; player_count counted; first sync = the earliest copy;
-- team scores from match_teams; duration = the longest time played; loaded flags.
create table match_registry as
with prioritised as (
    select
        *,
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
        arg_max(film_state, priority) filter (where film_state is not null) as film_state,
        max(duration_seconds) as api_duration_seconds,
        bit_or(coalesce(backfill_completed, 0)) as backfill_completed,
        arg_min(player_gamertag, first_copy) as first_sync_by,
        arg_min(player_xuid, first_copy) as first_sync_by_xuid,
        min(first_synced_at) as first_sync_at,
        cast(count(*) as smallint) as player_count,
        min(first_synced_at) as created_at,
        max(copy_updated_at) as updated_at,
    from prioritised
    group by match_id
),

team_scores as (
    select
        match_id,
        max(team_score) filter (where team_id = 0) as team_0_score,
        max(team_score) filter (where team_id = 1) as team_1_score,
    from match_teams
    group by match_id
),

rosters as (
    select
        match_id,
        max(time_played_seconds) as longest_time_played,
    from match_participants
    group by match_id
),

matches_with_events as (
    select distinct match_id from highlight_events
)

select
    merged.* exclude (api_duration_seconds),
    team_scores.team_0_score,
    team_scores.team_1_score,
    coalesce(merged.api_duration_seconds, rosters.longest_time_played) as duration_seconds,
    rosters.match_id is not null as participants_loaded,
    matches_with_events.match_id is not null as events_loaded,
from merged
left join team_scores on merged.match_id = team_scores.match_id
left join rosters on merged.match_id = rosters.match_id
left join matches_with_events on merged.match_id = matches_with_events.match_id;

-- The primary keys of the warehouse (highlight_events has none: see docs/warehouse-schema.md).
alter table match_registry add primary key (match_id);
alter table match_players add primary key (match_id, player_xuid);
alter table match_teams add primary key (match_id, team_id);
alter table match_participants add primary key (match_id, xuid);
alter table match_medals add primary key (match_id, xuid, medal_name_id);
alter table xuid_aliases add primary key (xuid);
checkpoint;
