{{ config(materialized='view') }}

-- Every tracked player's highlight_events rows (layout v4): the events of each match the
-- player has. raw_json is the copy's own string where the warehouse kept one, else rebuilt
-- from the columns (event_raw_json), byte for byte as the player DBs store it. `id` is
-- renumbered: the match's number among the player's matches (start order) * id_block + the
-- event's rank in its match (time, then key), so ids grow in chronological order as the
-- player DB's sequence did, and numbering per match lets `where match_id = ...` reach the
-- events' zone maps.
with match_players as (
    select * from {{ ref('match_players') }}
),

events as (
    select * from {{ ref('highlight_events') }}
),

matches_of_player as (
    select
        player_xuid,
        match_id,
        row_number() over (
            partition by player_xuid order by start_time, match_id
        ) as match_number
    from match_players
),

v4_rows as (
    select
        players.player_xuid,
        players.match_number * {{ var('event_id_block') }}
        + row_number() over (
            partition by players.player_xuid, events.match_id
            order by {{ var('event_key')[1:] | join(', ') }}
        ) as id,
        events.match_id,
        events.event_type,
        events.time_ms,
        events.xuid,
        events.gamertag,
        events.type_hint,
        coalesce(events.raw_json, {{ event_raw_json('events') }}) as raw_json
    from matches_of_player as players
    inner join events
        on players.match_id = events.match_id
)

select * from v4_rows
