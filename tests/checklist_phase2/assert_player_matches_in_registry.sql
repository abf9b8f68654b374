-- Phase 2: every match of the migrated player is in match_registry and in match_players under
-- the player's xuid. Inside `dbt build` it checks the matches merged by that run (see
-- run_batch_only).
{{ config(tags=['checklist_phase2', 'player_db']) }}

-- depends_on: {{ ref('int_matches_changed') }}
-- depends_on: {{ ref('int_owners_resolved') }}
-- depends_on: {{ ref('match_players') }}
-- depends_on: {{ ref('match_registry') }}
-- depends_on: {{ ref('stg_player_db__match_stats') }}

{%- set unable = checklist_unable('player') %}
{%- if unable %}

    {{ unable }}

{%- else %}

    with player_match_stats as (
        select * from {{ ref('stg_player_db__match_stats') }}
    ),

    owners as (
        select * from {{ ref('int_owners_resolved') }}
    ),

    registry as (
        select * from {{ published(ref('match_registry')) }}
    ),

    match_players as (
        select * from {{ published(ref('match_players')) }}
    ),

    player_matches as (
        select
            player_match_stats.match_id,
            owners.owner_xuid as player_xuid
        from {{ in_run_batch('player_match_stats') }}
        cross join owners
        where player_match_stats.match_id is not null
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

{%- endif %}
