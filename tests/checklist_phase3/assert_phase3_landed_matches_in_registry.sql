-- Phase 3: every copy of a match the landing gives a tracked player (a row of their landed
-- history, or stats they fetched while in the match's roster) is in match_players, and the
-- match in match_registry. Inside `dbt build` it checks the matches merged by that run (see
-- run_batch_only).
{{ config(tags=['checklist_phase3', 'landing']) }}

-- depends_on: {{ ref('int_matches_changed') }}
-- depends_on: {{ ref('match_players') }}
-- depends_on: {{ ref('match_registry') }}
-- depends_on: {{ ref('stg_halo_api__match_history') }}
-- depends_on: {{ ref('stg_halo_api__match_stats') }}
-- depends_on: {{ ref('stg_halo_api__match_participants') }}

{%- do checklist_requires('landing') %}

with registry as (
    select * from {{ published(ref('match_registry')) }}
),

match_players as (
    select * from {{ published(ref('match_players')) }}
),

{{ landed_tracked_copies() }},

missing as (
    select
        tracked_copies.match_id,
        tracked_copies.player_xuid,
        registry.match_id is null as is_missing_from_registry,
        match_players.match_id is null as is_missing_from_match_players
    from {{ in_run_batch('tracked_copies') }}
    left join registry
        on tracked_copies.match_id = registry.match_id
    left join match_players
        on
            tracked_copies.match_id = match_players.match_id
            and tracked_copies.player_xuid = match_players.player_xuid
    where registry.match_id is null or match_players.match_id is null
)

select * from missing
