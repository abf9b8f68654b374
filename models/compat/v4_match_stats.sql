{{ config(materialized='view') }}

-- Every tracked player's match_stats rows (layout v4) as the warehouse knows them: one row per
-- copy (match_players), the match-level facts from match_registry, the player's own figures
-- from their participant row, the team scores from match_teams. A sync writes these rows
-- into the player's DB for the matches it brings; the columns the player's app computes
-- (session, performance score, friends) are NULL.
with match_players as (
    select * from {{ ref('match_players') }}
),

registry as (
    select * from {{ ref('match_registry') }}
),

participants as (
    select * from {{ ref('match_participants') }}
),

match_teams as (
    select * from {{ ref('match_teams') }}
),

match_medals as (
    select * from {{ ref('match_medals') }}
),

team_scores as (
    select
        players.match_id,
        players.player_xuid,
        max(match_teams.team_score) filter (where match_teams.team_id = players.team_id)
            as my_team_score,
        max(match_teams.team_score) filter (where match_teams.team_id != players.team_id)
            as enemy_team_score
    from match_players as players
    inner join match_teams
        on players.match_id = match_teams.match_id
    group by players.match_id, players.player_xuid
),

teammates as (
    select
        players.match_id,
        players.player_xuid,
        string_agg(mates.xuid, ',' order by mates.xuid) as teammates_signature
    from match_players as players
    inner join participants as mates
        on
            players.match_id = mates.match_id
            and players.team_id = mates.team_id
            and players.player_xuid != mates.xuid
    group by players.match_id, players.player_xuid
),

medal_holders as (
    select distinct
        match_id,
        xuid
    from match_medals
),

v4_rows as (
    select
        players.player_xuid,
        players.match_id,
        registry.start_time,
        registry.playlist_id,
        registry.playlist_name,
        registry.map_id,
        registry.map_name,
        registry.pair_id,
        registry.pair_name,
        registry.game_variant_id,
        registry.game_variant_name,
        own.outcome,
        coalesce(own.team_id, players.team_id) as team_id,
        own.kills,
        own.deaths,
        own.assists,
        own.kda,
        own.accuracy,
        own.headshot_kills,
        own.max_killing_spree,
        own.time_played_seconds,
        own.avg_life_seconds,
        team_scores.my_team_score,
        team_scores.enemy_team_score,
        own.team_mmr,
        own.enemy_mmr,
        cast(null as varchar) as session_id,
        cast(null as varchar) as session_label,
        cast(null as double) as performance_score,
        registry.is_firefight,
        teammates.teammates_signature,
        cast(null as integer) as known_teammates_count,
        cast(null as boolean) as is_with_friends,
        cast(null as varchar) as friends_xuids,
        players.first_synced_at as created_at,
        players.copy_updated_at as updated_at,
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
        registry.mode_category,
        registry.is_ranked,
        not own.is_present_at_end as left_early,
        registry.end_time,
        (
            coalesce(players.backfill_completed, 0)
            | case when registry.participants_loaded then {{ var('backfill_bits')['participants'] }} else 0 end
            | case when registry.events_loaded then {{ var('backfill_bits')['events'] }} else 0 end
            | case when medal_holders.xuid is not null then {{ var('backfill_bits')['medals'] }} else 0 end
            | case when own.team_mmr is not null then {{ var('backfill_bits')['skill'] }} else 0 end
        ) as backfill_completed
    from match_players as players
    inner join registry
        on players.match_id = registry.match_id
    left join participants as own
        on
            players.match_id = own.match_id
            and players.player_xuid = own.xuid
    left join team_scores
        on
            players.match_id = team_scores.match_id
            and players.player_xuid = team_scores.player_xuid
    left join teammates
        on
            players.match_id = teammates.match_id
            and players.player_xuid = teammates.player_xuid
    left join medal_holders
        on
            players.match_id = medal_holders.match_id
            and players.player_xuid = medal_holders.xuid
)

select * from v4_rows
