{{
    config(
        materialized=compat_materialization(),
        database=compat_player_catalog(),
        alias='highlight_events',
    )
}}

-- Compatibility view written into the player DB in place of its dropped highlight_events:
-- the warehouse events of every match the player has, with the original columns and types.
-- `id` is renumbered 1..n in chronological order (match start, time in the match, event key),
-- so ordering by id still lists events in the order they happened; event_type is lower case.
{%- set original_columns = compat_original_columns('highlight_events') %}

with shared_events as (
    select * from {{ ref('highlight_events') }}
),

player_matches as (
    select * from {{ ref('match_players') }}
),

matches_of_player as (
    select
        match_id,
        start_time
    from player_matches
    where player_xuid = {{ compat_player_xuid() }}
),

events_numbered as (
    select
        shared_events.*,
        row_number() over (
            order by
                matches_of_player.start_time,
                shared_events.match_id,
                shared_events.time_ms,
                shared_events.event_key
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
