{{
    config(
        materialized=compat_materialization(),
        database=compat_player_catalog(),
        pre_hook="{{ compat_refuse_table_replacement() }}",
        alias='highlight_events',
    )
}}

-- Compatibility view written into the player DB in place of its dropped highlight_events:
-- the warehouse events of every match the player has, with the original columns and types.
-- `id` is renumbered: match number (the player's matches in start order) * events_per_match_id
-- + the event's rank in its match (time_ms, event key). Ids thus grow in chronological order,
-- as the sequence ids did, and numbering per match lets a `where match_id = ...` filter reach
-- the warehouse scan (a global row_number would number every event on each query).
-- event_type comes lower case (the warehouse's normalisation).
{%- set original_columns = compat_original_columns('highlight_events') %}
{%- set events_per_match_id = 1000000 %}

with shared_events as (
    select * from {{ ref('highlight_events') }}
),

player_matches as (
    select * from {{ ref('match_players') }}
),

matches_of_player as (
    select
        match_id,
        row_number() over (order by start_time, match_id) as match_number
    from player_matches
    where player_xuid = {{ compat_player_xuid() }}
),

events_numbered as (
    select
        shared_events.*,
        matches_of_player.match_number * {{ events_per_match_id }}
        + row_number() over (
            partition by shared_events.match_id
            order by shared_events.time_ms, shared_events.event_key
        ) as id
    from shared_events
    inner join matches_of_player
        on shared_events.match_id = matches_of_player.match_id
),

events_in_original_columns as (
    select
        {{ compat_column_list(original_columns, 'events_numbered', ref('highlight_events'), ['id']) }}
    from events_numbered
)

select * from events_in_original_columns
