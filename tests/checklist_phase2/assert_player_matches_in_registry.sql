-- Phase 2: every match of the migrated player is in match_registry and match_players.
-- Inside `dbt build` it checks the matches merged by that run (see run_batch_only).
{{ config(tags=['checklist_phase2']) }}
-- depends_on: {{ ref('int_matches_changed') }}

with player_copies as (
    select * from {{ ref('int_match_copies_enriched') }}
),

player_matches as (
    select player_copies.*
    from {{ in_run_batch('player_copies') }}
),

registry as (
    select * from {{ ref('match_registry') }}
),

match_players as (
    select * from {{ ref('match_players') }}
),

missing as (
    select
        player_matches.match_id,
        registry.match_id is null as is_missing_from_registry,
        match_players.match_id is null as is_missing_from_match_players
    from player_matches
    left join registry
        on player_matches.match_id = registry.match_id
    left join match_players
        on
            player_matches.match_id = match_players.match_id
            and player_matches.player_xuid = match_players.player_xuid
    where registry.match_id is null or match_players.match_id is null
)

select * from missing
