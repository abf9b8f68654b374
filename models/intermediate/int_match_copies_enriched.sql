-- One row per match of the attached player: the owner's copy of the match-level facts,
-- with the owner's xuid. Deduplicated inside the batch (MERGE refuses duplicate keys).
with match_stats as (
    select * from {{ ref('stg_player_db__match_stats') }}
),

owners as (
    select * from {{ ref('int_owners_resolved') }}
),

enriched as (
    select
        match_stats.match_id,
        owners.owner_xuid as player_xuid,
        owners.owner_gamertag as player_gamertag,
        match_stats.created_at as first_synced_at,
        match_stats.updated_at as copy_updated_at,
        match_stats.team_id,
        match_stats.start_time,
        match_stats.end_time,
        match_stats.playlist_id,
        match_stats.playlist_name,
        match_stats.map_id,
        match_stats.map_name,
        match_stats.pair_id,
        match_stats.pair_name,
        match_stats.game_variant_id,
        match_stats.game_variant_name,
        match_stats.mode_category,
        match_stats.is_ranked,
        match_stats.is_firefight,
        match_stats.my_team_score,
        match_stats.enemy_team_score,
        match_stats.backfill_completed
    from match_stats
    cross join owners
),

deduplicated as (
    select *
    from enriched
    qualify row_number() over (
        partition by match_id order by copy_updated_at desc nulls last
    ) = 1
)

select * from deduplicated
