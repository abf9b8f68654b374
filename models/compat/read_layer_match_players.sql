{{ config(materialized='view') }}

-- The read layer's match_players (Parquet, one file, written after each publish): which
-- tracked player has which match, with the start time that orders the player's matches (the
-- compatibility views number event ids from it, as v4_highlight_events does). One file, not
-- one a month: every view reads all of its player's rows.
with match_players as (
    select * from {{ ref('match_players') }}
),

layer_rows as (
    select
        player_xuid,
        match_id,
        start_time
    from match_players
)

select * from layer_rows
