-- Phase 2: every match of the migrated player is in match_registry and in match_players under
-- the player's xuid. Inside `dbt build` it checks the matches merged by that run (see
-- run_batch_only). One row per match compared; the rows with a problem are the failures.
{{ config(
    tags=['checklist_phase2', 'player_db'],
    fail_calc='count(problem)',
    meta={'compares': "matches of the player's DB (match_stats)", 'no_loss_table': 'match_stats'},
) }}

-- depends_on:
--   {{ ref('int_matches_changed') }}
--   {{ ref('int_owners_resolved') }}
--   {{ ref('match_players') }}
--   {{ ref('match_registry') }}
--   {{ ref('stg_player_db__match_stats') }}

{%- do checklist_requires('player') %}

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

compared as (
    select
        player_matches.match_id,
        case
            when registry.match_id is null then 'missing from match_registry'
            when match_players.match_id is null then 'missing from match_players'
        end as problem
    from player_matches
    left join registry
        on player_matches.match_id = registry.match_id
    left join match_players
        on
            player_matches.match_id = match_players.match_id
            and player_matches.player_xuid = match_players.player_xuid
)

select * from compared
