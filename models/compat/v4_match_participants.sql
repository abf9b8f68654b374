{{ config(materialized='view') }}

-- Every tracked player's match_participants rows (layout v4): the roster of each match the
-- player has, once per player who has it.
with match_players as (
    select * from {{ ref('match_players') }}
),

participants as (
    select * from {{ ref('match_participants') }}
),

v4_rows as (
    select
        players.player_xuid,
        roster.match_id,
        roster.xuid,
        roster.team_id,
        roster.outcome,
        roster.gamertag,
        roster.rank,
        roster.score,
        roster.kills,
        roster.deaths,
        roster.assists,
        roster.shots_fired,
        roster.shots_hit,
        roster.damage_dealt,
        roster.damage_taken,
        roster.avg_life_seconds
    from match_players as players
    inner join participants as roster
        on players.match_id = roster.match_id
)

select * from v4_rows
