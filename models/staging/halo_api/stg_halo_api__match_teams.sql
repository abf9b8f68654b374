-- One row per (landed match_stats response, team): the team score
-- (Teams[].Stats.CoreStats.Score). Teams without an id or a score are left out.
with responses as (
    {{ landing_table('responses') }}
),

stats_responses as (
    {{ landed_stats_responses('responses') }}
),

teams as (
    select
        stats_responses.response_id,
        stats_responses.match_id,
        try_cast(match_teams.team ->> '$.TeamId' as integer) as team_id,
        try_cast(match_teams.team ->> '$.Stats.CoreStats.Score' as integer) as team_score
    from stats_responses
    cross join unnest(json_extract(stats_responses.payload, '$.Teams[*]')) as match_teams (team)
),

scored as (
    select *
    from teams
    where
        team_id is not null
        and team_score is not null
)

select * from scored
