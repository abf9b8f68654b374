-- Phase 2: every match of the migrated player is in match_registry and match_players.
{{ config(tags=['checklist_phase2']) }}

with player_matches as (
    select * from {{ ref('int_match_copies_enriched') }}
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
