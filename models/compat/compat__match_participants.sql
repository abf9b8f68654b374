{{ config(materialized='ephemeral', tags=['phase5']) }}

-- The compatibility view `match_participants` of a cleaned player DB: the roster of every
-- match the player has (v4_match_participants on the owner's xuid), with exactly the columns
-- and types the dropped table had. `shared-matches cleanup` compiles this model and creates
-- the view in the transaction that drops the table (dbt never builds it).
{%- set facts = compat_facts() %}

with player_participants as (
    select * from {{ ref('v4_match_participants') }}
),

participants_of_player as (
    select
        {{ compat_select('match_participants', 'player_participants', exclude=['player_xuid']) }}
    from player_participants
    where player_participants.player_xuid = {{ sql_string(facts.get('player_xuid', '')) }}
)

select * from participants_of_player
