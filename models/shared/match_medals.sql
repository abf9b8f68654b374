{%- set value_columns = ['medal_count'] -%}
{%- set priority_columns = ['source_updated_at', 'source_player_xuid'] -%}
{{
    config(
        unique_key=['match_id', 'xuid', 'medal_name_id'],
        incremental_strategy='stage',
    )
}}

-- The medals of every participant of a match, once: the landing gives them for everyone, a
-- player DB for its owner (medals_earned, entered under the owner's xuid). A non-NULL count
-- wins, then the most recently updated copy. A known match gives a player their medals at
-- no API call.
with batch_matches as (
    select * from {{ ref('int_matches_changed') }}
),

medals as (
    select * from {{ ref('int_medals_unioned') }}
),

incoming as (
    select medals.*
    from medals
    semi join batch_matches
        on medals.match_id = batch_matches.match_id
    qualify row_number() over (
        partition by medals.match_id, medals.xuid, medals.medal_name_id
        order by medals.source_updated_at desc nulls last, medals.source_player_xuid desc nulls last
    ) = 1
),

current_rows as (
    {{ current_rows_of_batch('incoming') }}
),

staged as (
    {{ merge_with_current(['match_id', 'xuid', 'medal_name_id'], value_columns, priority_columns) }}
)

select * from staged
