{{ config(materialized='view') }}

-- The read layer's highlight_events (Parquet, written after each publish): the events of every
-- match, once per match, in the v4 columns but the id. event_number is the event's rank in its
-- match (time, then the rest of the key), as v4_highlight_events ranks it: a compatibility
-- view makes the v4 id from it and the match's number among the player's matches. raw_json is
-- the copy's own string where the warehouse kept one, else NULL: a reader rebuilds it from the
-- columns (event_raw_json), as v4_highlight_events does (the strings were two thirds of the
-- files' size and of a publish's time: docs/read-layer.md). layer_file is the match's file
-- (macro read_layer_partition).
with events as (
    select * from {{ ref('highlight_events') }}
),

layer_rows as (
    select
        {{ read_layer_partition('events') }} as layer_file,
        events.match_id,
        row_number() over (
            partition by events.match_id
            order by {{ var('event_key')[1:] | join(', ') }}
        ) as event_number,
        events.event_type,
        events.time_ms,
        events.xuid,
        events.gamertag,
        events.type_hint,
        events.is_medal,
        events.medal_value,
        events.medal_name,
        events.raw_json
    from events
)

select * from layer_rows
