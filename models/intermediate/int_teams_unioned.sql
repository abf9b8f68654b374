-- The team scores of this run's matches, per team id, whatever the source. A player DB gives
-- the owner's team score (my_team_score) and, when the copy's roster has exactly two teams,
-- the other team's (enemy_team_score, the best other team); the landing gives every team's
-- score (Teams[] of the match's latest stats response).
with batch_matches as (
    select * from {{ ref('int_matches_changed') }}
),

match_stats as (
    select * from {{ staged(ref('stg_player_db__match_stats')) }}
),

participants as (
    select * from {{ staged(ref('stg_player_db__match_participants')) }}
),

owners as (
    select * from {{ ref('int_owners_resolved') }}
),

api_stats as (
    select * from {{ staged(ref('stg_halo_api__match_stats')) }}
),

api_teams as (
    select * from {{ staged(ref('stg_halo_api__match_teams')) }}
),

copies as (
    select match_stats.*
    from match_stats
    semi join batch_matches
        on match_stats.match_id = batch_matches.match_id
    where match_stats.team_id is not null
    qualify row_number() over (
        partition by match_stats.match_id order by match_stats.updated_at desc nulls last
    ) = 1
),

roster_teams as (
    -- the team ids of each copy's roster, when it has exactly two
    select
        participants.match_id,
        min(participants.team_id) as first_team_id,
        max(participants.team_id) as second_team_id
    from participants
    semi join batch_matches
        on participants.match_id = batch_matches.match_id
    where participants.team_id is not null
    group by participants.match_id
    having count(distinct participants.team_id) = 2
),

own_team as (
    select
        copies.match_id,
        copies.team_id,
        copies.my_team_score as team_score,
        copies.updated_at as source_updated_at
    from copies
    where copies.my_team_score is not null
),

other_team as (
    select
        copies.match_id,
        case
            when copies.team_id = roster_teams.first_team_id then roster_teams.second_team_id
            else roster_teams.first_team_id
        end as team_id,
        copies.enemy_team_score as team_score,
        copies.updated_at as source_updated_at
    from copies
    inner join roster_teams
        on copies.match_id = roster_teams.match_id
    where
        copies.enemy_team_score is not null
        and copies.team_id in (roster_teams.first_team_id, roster_teams.second_team_id)
),

player_teams as (
    select
        own_team.*,
        owners.owner_xuid as source_player_xuid
    from own_team
    cross join owners
    union all by name
    select
        other_team.*,
        owners.owner_xuid as source_player_xuid
    from other_team
    cross join owners
),

latest_stats as (
    {{ latest_of_batch('api_stats') }}
),

landed_teams as (
    select
        api_teams.match_id,
        api_teams.team_id,
        api_teams.team_score,
        latest_stats.fetched_at as source_updated_at,
        latest_stats.player_xuid as source_player_xuid
    from latest_stats
    inner join api_teams
        on latest_stats.response_id = api_teams.response_id
    where api_teams.team_id is not null
),

unioned as (
    select * from player_teams
    union all by name
    select * from landed_teams
)

select * from unioned
