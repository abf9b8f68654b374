{{ config(materialized='view') }}

-- Every tracked player's player_match_stats rows (layout v4): the player's skill figures in
-- each match they have, from their participant row (the Halo API gives them for every
-- participant, so a known match brings them at no API call).
with match_players as (
    select * from {{ ref('match_players') }}
),

participants as (
    select * from {{ ref('match_participants') }}
),

v4_rows as (
    select
        players.player_xuid,
        players.match_id,
        players.player_xuid as xuid,
        coalesce(own.team_id, players.team_id) as team_id,
        own.team_mmr,
        own.enemy_mmr,
        own.kills_expected,
        own.kills_stddev,
        own.deaths_expected,
        own.deaths_stddev,
        own.assists_expected,
        own.assists_stddev,
        players.first_synced_at as created_at
    from match_players as players
    inner join participants as own
        on
            players.match_id = own.match_id
            and players.player_xuid = own.xuid
    where
        own.team_mmr is not null
        or own.kills_expected is not null
        or own.deaths_expected is not null
)

select * from v4_rows
