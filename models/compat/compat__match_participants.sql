{{ config(materialized='ephemeral', tags=['phase5']) }}

-- The compatibility view `match_participants` of a cleaned player DB: the roster of every
-- match the player has (the read layer's match_players rows of the owner's xuid), read from
-- the read layer's Parquet files by absolute path (no ATTACH, no lock on the warehouse), with
-- exactly the columns and types the dropped table had. `shared-matches cleanup` compiles this
-- model and creates the view in the transaction that drops the table (dbt never builds it).
{%- set facts = compat_facts() %}

with layer_matches as (
    select * from {{ read_layer_files('match_players') }}
),

layer_participants as (
    select * from {{ read_layer_files('match_participants') }}
),

matches_of_player as (
    select match_id
    from layer_matches
    where player_xuid = {{ sql_string(facts.get('player_xuid', '')) }}
),

participants_of_player as (
    select
        {{ compat_select('match_participants', 'layer_participants') }}
    from layer_participants
    semi join matches_of_player
        on layer_participants.match_id = matches_of_player.match_id
)

select * from participants_of_player
