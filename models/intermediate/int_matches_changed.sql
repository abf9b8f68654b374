{{ config(materialized='table', schema='run') }}

-- The attached player's matches to merge in this run: copies never merged before, or whose
-- match_stats.updated_at differs from the merged copy's (the app bumps it when it rewrites
-- or backfills a match). --vars '{player: X, reprocess: true}' takes every match again.
-- A table (main_run schema), not ephemeral: computed once at the start of the run, so it
-- stays the same while match_players is being merged.
with match_stats as (
    select * from {{ ref('stg_player_db__match_stats') }}
),

owners as (
    select * from {{ ref('int_owners_resolved') }}
),

merged_copies as (
    {{ merged_copies() }}
),

changed as (
    select distinct match_stats.match_id
    from match_stats
    cross join owners
    left join merged_copies
        on
            match_stats.match_id = merged_copies.match_id
            and owners.owner_xuid = merged_copies.player_xuid
    where
        merged_copies.match_id is null
        or match_stats.updated_at is distinct from merged_copies.copy_updated_at
        or {{ 'true' if var('reprocess') else 'false' }}
)

select * from changed
