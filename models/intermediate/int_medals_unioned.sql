-- The medals of this run's matches, per participant, whatever the source: a player DB holds
-- the owner's medals only (entered under the owner's xuid); the landing gives every human
-- participant's medals (the match's latest stats response).
with batch_matches as (
    select * from {{ ref('int_matches_changed') }}
),

medals_earned as (
    select * from {{ staged(ref('stg_player_db__medals_earned')) }}
),

match_stats as (
    select * from {{ staged(ref('stg_player_db__match_stats')) }}
),

owners as (
    select * from {{ ref('int_owners_resolved') }}
),

api_stats as (
    select * from {{ staged(ref('stg_halo_api__match_stats')) }}
),

api_medals as (
    select * from {{ staged(ref('stg_halo_api__participant_medals')) }}
),

copy_updates as (
    select
        match_id,
        max(updated_at) as updated_at
    from match_stats
    group by match_id
),

player_medals as (
    select
        medals_earned.match_id,
        owners.owner_xuid as xuid,
        medals_earned.medal_name_id,
        medals_earned.count as medal_count,
        owners.owner_xuid as source_player_xuid,
        copy_updates.updated_at as source_updated_at
    from medals_earned
    cross join owners
    semi join batch_matches
        on medals_earned.match_id = batch_matches.match_id
    left join copy_updates
        on medals_earned.match_id = copy_updates.match_id
    where medals_earned.medal_name_id is not null
    qualify row_number() over (
        partition by medals_earned.match_id, medals_earned.medal_name_id
        order by medals_earned.count desc nulls last
    ) = 1
),

latest_stats as (
    {{ latest_of_batch('api_stats') }}
),

landed_medals as (
    select
        api_medals.match_id,
        api_medals.xuid,
        api_medals.medal_name_id,
        api_medals.medal_count,
        latest_stats.player_xuid as source_player_xuid,
        latest_stats.fetched_at as source_updated_at
    from latest_stats
    inner join api_medals
        on latest_stats.response_id = api_medals.response_id
    where api_medals.xuid is not null and api_medals.medal_name_id is not null
),

unioned as (
    select * from player_medals
    union all by name
    select * from landed_medals
)

select * from unioned
