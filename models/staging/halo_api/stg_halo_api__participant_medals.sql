-- One row per (landed match_stats response, human player, medal): the medal count summed
-- over the player's PlayerTeamStats entries (a medal without a count counts 0).
-- medal_name_id is BIGINT: medal ids exceed int32.
with responses as (
    {{ landing_table('responses') }}
),

stats_responses as (
    {{ landed_stats_responses('responses') }}
),

humans as (
    {{ landed_humans('stats_responses') }}
),

medals as (
    select
        humans.response_id,
        humans.match_id,
        humans.xuid,
        humans.player_no,
        try_cast(earned.medal ->> '$.NameId' as bigint) as medal_name_id,
        coalesce(try_cast(earned.medal ->> '$.Count' as integer), 0) as medal_count
    from humans
    cross join
        unnest(json_extract(humans.player, '$.PlayerTeamStats[*].Stats.CoreStats.Medals[*]'))
            as earned (medal)
),

summed as (
    select
        response_id,
        match_id,
        xuid,
        medal_name_id,
        cast(sum(medal_count) as integer) as medal_count
    from medals
    where medal_name_id is not null
    group by response_id, match_id, xuid, player_no, medal_name_id
)

select * from summed
