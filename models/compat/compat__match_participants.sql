{{
    config(
        materialized=compat_materialization(),
        database=compat_player_catalog(),
        pre_hook="{{ compat_refuse_table_replacement() }}",
        alias='match_participants',
    )
}}

-- Compatibility view written into the player DB in place of its dropped match_participants:
-- the warehouse roster of every match the player has (match_players, by the player's xuid),
-- with exactly the columns and types the player's own table had.
{%- set original_columns = compat_original_columns('match_participants') %}

with shared_participants as (
    select * from {{ ref('match_participants') }}
),

player_matches as (
    select * from {{ ref('match_players') }}
),

matches_of_player as (
    select match_id
    from player_matches
    where player_xuid = {{ compat_player_xuid() }}
),

participants_of_player as (
    select
        {{ compat_column_list(original_columns, 'shared_participants', ref('match_participants')) }}
    from shared_participants
    inner join matches_of_player
        on shared_participants.match_id = matches_of_player.match_id
)

select * from participants_of_player
