{{ config(materialized='view') }}

-- Every tracked player's medals_earned rows (layout v4): the player's own medals in each match
-- they have (match_medals under the player's xuid).
with match_players as (
    select * from {{ ref('match_players') }}
),

match_medals as (
    select * from {{ ref('match_medals') }}
),

v4_rows as (
    select
        players.player_xuid,
        match_medals.match_id,
        match_medals.medal_name_id,
        match_medals.medal_count as count
    from match_players as players
    inner join match_medals
        on
            players.match_id = match_medals.match_id
            and players.player_xuid = match_medals.xuid
)

select * from v4_rows
