-- The matches this run merges (its batch). From a player DB: copies never merged before, or
-- whose match_stats.updated_at differs from the merged copy's (the app bumps it when it
-- rewrites or backfills a match). From the landing: every match of a response landed since the
-- last merge (the high-water mark in merged_sources). --vars '{reprocess: true}' takes every
-- match again. Computed once at the start of the run, so that it stays the same while the
-- shared tables are staged.
with player_match_stats as (
    select * from {{ ref('stg_player_db__match_stats') }}
),

owners as (
    select * from {{ ref('int_owners_resolved') }}
),

merged_copies as (
    {{ warehouse_table('match_players', ['match_id', 'player_xuid', 'copy_updated_at']) }}
),

api_history as (
    select * from {{ ref('stg_halo_api__match_history') }}
),

api_stats as (
    select * from {{ ref('stg_halo_api__match_stats') }}
),

api_skill as (
    select * from {{ ref('stg_halo_api__match_skill') }}
),

api_films as (
    select * from {{ ref('stg_halo_api__films') }}
),

changed_player_copies as (
    select match_stats.match_id
    from player_match_stats as match_stats
    cross join owners
    left join merged_copies
        on
            match_stats.match_id = merged_copies.match_id
            and owners.owner_xuid = merged_copies.player_xuid
    where
        match_stats.match_id is not null
        and (
            merged_copies.match_id is null
            or match_stats.updated_at is distinct from merged_copies.copy_updated_at
            or {{ 'true' if var('reprocess') else 'false' }}
        )
),

landed_matches as (
    select match_id from api_history
    where response_id > {{ landing_high_water_mark() }}
    union
    select match_id from api_stats
    where response_id > {{ landing_high_water_mark() }}
    union
    select match_id from api_skill
    where response_id > {{ landing_high_water_mark() }}
    union
    select match_id from api_films
    where greatest(manifest_response_id, chunk_response_id) > {{ landing_high_water_mark() }}
),

changed as (
    select match_id from changed_player_copies
    union
    select match_id from landed_matches
    where match_id is not null
)

select * from changed
